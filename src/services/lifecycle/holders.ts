/**
 * Who holds what, without asking the identity provider: a token's holder now and before, a person's
 * tokens (returned, lost and undone ones included), or every live hand-out. Each lookup is one
 * indexed query (tokens_serial_unique, assignments_upn, assignments_token), fast at a million tokens.
 */
import { Refusal } from '../../core/errors.js';
import { normaliseSerial, normaliseUpn, upnProblem } from '../../core/identity.js';
import type { Inventory } from '../../store/db.js';
import type { TokenStatus } from '../../store/schema.js';
import { authorise, type Actor } from '../actor.js';

export interface HolderRow {
  serial: string;
  status: TokenStatus;
  statusChangedAt: string | null;
  model: string;
  quarantineReason: string | null;
  /** Null when the token was never handed out. */
  assignmentId: number | null;
  upn: string | null;
  displayName: string | null;
  handedOutAt: string | null;
  handedOutBy: string | null;
  deskId: string | null;
  batch: string | null;
  /** The hand-out is live: this person holds the token now. */
  current: boolean;
  /** undone (before export), or returned / lost / broken / replaced / retired. */
  ended: { at: string; how: string; note: string | null } | null;
  replacesAssignmentId: number | null;
}

export interface HoldersQuery {
  upn?: string;
  serial?: string;
  /** Without upn and serial: at most this many live hand-outs. */
  limit?: number;
}

/** Read-only, but a list of who holds what is for admins (the kiosk screen and the CLI). */
export function holders(inventory: Inventory, query: HoldersQuery & { actor: Actor }): HolderRow[] {
  authorise(query.actor, 'view-holders');
  return findHolders(inventory, query);
}

/** The lookup itself, for callers that already checked the role (and the bench). */
export function findHolders(inventory: Inventory, query: HoldersQuery): HolderRow[] {
  const { lifecycle } = inventory.store;
  const upn = query.upn === undefined ? undefined : normaliseUpn(query.upn);
  if (upn !== undefined) {
    const problem = upnProblem(upn);
    if (problem) throw new Refusal('bad-upn', problem);
  }
  const serial = query.serial === undefined ? undefined : normaliseSerial(query.serial);
  const rows =
    serial !== undefined
      ? lifecycle.holdersOfSerial(serial).filter((r) => upn === undefined || r.upn === upn)
      : upn !== undefined
        ? lifecycle.holdersOfUpn(upn)
        : lifecycle.liveHolders(query.limit);
  if (serial !== undefined && rows.length === 0 && upn === undefined) {
    throw new Refusal('unknown-serial', `token ${serial} is not in this inventory: check the serial on the back of the token`);
  }
  return rows.map((r) => {
    const ended = r.undoneAt !== null ? { at: r.undoneAt, how: 'undone', note: null } : r.endedAt !== null ? { at: r.endedAt, how: r.endReason ?? 'ended', note: r.endNote } : null;
    return {
      serial: r.serial,
      status: r.status,
      statusChangedAt: r.statusChangedAt,
      model: `${r.manufacturer} ${r.model}`.trim(),
      quarantineReason: r.quarantineReason,
      assignmentId: r.assignmentId,
      upn: r.upn,
      displayName: r.displayName,
      handedOutAt: r.handedOutAt,
      handedOutBy: r.handedOutBy,
      deskId: r.deskId,
      batch: r.batch,
      current: r.assignmentId !== null && ended === null,
      ended,
      replacesAssignmentId: r.replacesAssignmentId,
    };
  });
}

export interface DriftReportRow {
  importId: number;
  fileName: string;
  importedAt: string;
  model: string;
  period: number;
  tokens: number;
  quarantinedForDrift: number;
  /** Mean |offset| in steps of the tokens measured at the desk (null when none was). */
  meanOffsetSteps: number | null;
  maxOffsetSteps: number | null;
}

/** Drift by import and model: a token type that keeps drifting stands out. */
export function driftReport(inventory: Inventory): DriftReportRow[] {
  return inventory.store.lifecycle.driftByImport().map((r) => ({
    importId: r.importId,
    fileName: r.fileName,
    importedAt: r.importedAt,
    model: `${r.manufacturer} ${r.model}`.trim(),
    period: r.period,
    tokens: r.tokens,
    quarantinedForDrift: r.quarantinedForDrift,
    meanOffsetSteps: r.meanOffsetSteps === null ? null : Math.round(r.meanOffsetSteps * 10) / 10,
    maxOffsetSteps: r.maxOffsetSteps,
  }));
}
