/**
 * The desk's own tools: today's hand-outs, undoing a pending one, and the counts in the header.
 *
 * An undo returns the token to stock but keeps its last accepted time step, so the code that
 * verified the undone hand-out cannot be used again to hand the same token to someone else.
 */
import { Refusal } from '../core/errors.js';
import type { Inventory } from '../store/db.js';
import type { HandOutRow } from '../store/assignmentRepo.js';
import { may, type Actor } from './actor.js';

export interface HandOutView {
  assignmentId: number;
  serial: string;
  upn: string;
  /** The token's name as the employee will see it ("Token2 C202"). */
  displayName: string;
  verifiedAt: string;
  assignedBy: string;
  offsetSteps: number;
  /** In a batch that was not voided: it can no longer be undone here. */
  exported: boolean;
  undone: boolean;
  undoReason: string | null;
}

export const UNDO_REASON_MIN = 3;
export const UNDO_REASON_MAX = 200;

/** Midnight to midnight on the kiosk's local clock, as ISO text comparable with verified_at. */
export function localDay(now: number): { from: string; to: string } {
  const start = new Date(now);
  start.setHours(0, 0, 0, 0);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { from: start.toISOString(), to: end.toISOString() };
}

/** In a batch that was not voided: it has left the desk and can no longer be undone here. */
function inLiveBatch(row: Pick<HandOutRow, 'batchId' | 'batchStatus'>): boolean {
  return row.batchId !== null && row.batchStatus !== 'void';
}

const toView = (row: HandOutRow): HandOutView => ({
  assignmentId: row.assignmentId,
  serial: row.serial,
  upn: row.upn,
  displayName: row.displayName,
  verifiedAt: row.verifiedAt,
  assignedBy: row.assignedBy,
  offsetSteps: row.offsetSteps,
  exported: inLiveBatch(row),
  undone: row.undoneAt !== null,
  undoReason: row.undoReason,
});

/** This desk's hand-outs of the local day, newest first, undone ones included (marked). */
export function todaysHandOuts(inventory: Inventory, options: { now?: number } = {}): HandOutView[] {
  const { from, to } = localDay(options.now ?? Date.now());
  return inventory.store.assignments.handOutsOfDesk(inventory.deskId, from, to).map(toView);
}

export function findHandOut(inventory: Inventory, assignmentId: number): HandOutView | undefined {
  const row = inventory.store.assignments.handOut(assignmentId);
  return row ? toView(row) : undefined;
}

/** Why an undo reason will not do, or null. */
export function undoReasonProblem(reason: string): string | null {
  const trimmed = reason.trim();
  if (trimmed.length < UNDO_REASON_MIN) return `say why in at least ${UNDO_REASON_MIN} characters (e.g. "wrong employee")`;
  if (trimmed.length > UNDO_REASON_MAX) return `a reason has at most ${UNDO_REASON_MAX} characters`;
  if (/[\x00-\x1f\x7f]/.test(trimmed)) return 'a reason cannot hold control characters';
  return null;
}

/**
 * Undoes a pending hand-out: staff their own, admins anyone's; never one already in a batch.
 * Token back to stock, assignment marked undone, audit entry: one transaction.
 */
export function undoHandOut(inventory: Inventory, request: { assignmentId: number; reason: string; actor: Actor; now?: number }): void {
  const reasonProblem = undoReasonProblem(request.reason);
  if (reasonProblem) throw new Refusal('bad-reason', reasonProblem);
  const reason = request.reason.trim();
  const { store, deskId } = inventory;
  const at = new Date(request.now ?? Date.now()).toISOString();

  store.write(() => {
    const row = store.assignments.handOut(request.assignmentId);
    if (!row) throw new Refusal('unknown-hand-out', `there is no hand-out #${request.assignmentId}`);

    // Roles are checked before anything about the hand-out is said.
    const own = row.assignedBy === request.actor.name;
    if (!(own ? may(request.actor, 'undo-own-hand-out') : may(request.actor, 'undo-any-hand-out'))) {
      throw new Refusal(
        'not-allowed',
        own
          ? `${request.actor.name} (${request.actor.role}) may not undo hand-outs; ask an admin`
          : `this hand-out was made by ${row.assignedBy}: only they or an admin can undo it`,
      );
    }
    if (row.undoneAt !== null) throw new Refusal('already-undone', `the hand-out of token ${row.serial} was already undone`);
    // Ended (returned, lost, replaced...): the token's state belongs to that end, or to a later hand-out.
    const ended = store.lifecycle.handOutById(row.assignmentId)?.endReason ?? null;
    if (ended !== null) throw new Refusal('hand-out-ended', `the hand-out of token ${row.serial} already ended (${ended}); there is nothing to undo`);
    if (inLiveBatch(row) && row.batchStatus === 'uploaded') {
      // An uploaded batch cannot be voided: point only to what can still be done.
      throw new Refusal(
        'hand-out-uploaded',
        `token ${row.serial} went to the identity provider in batch ${row.batchName ?? `#${row.batchId}`}: it can no longer be undone here; remove it there`,
        { batch: row.batchName ?? row.batchId },
      );
    }
    if (inLiveBatch(row)) {
      const batch = row.batchName ?? `#${row.batchId}`;
      throw new Refusal(
        'hand-out-exported',
        `token ${row.serial} is already in batch ${batch}: an admin must void that batch first ` +
          `(\`tokendesk batch void ${row.batchName ?? row.batchId} --reason ...\`), then undo the hand-out`,
        { batch: row.batchName ?? row.batchId },
      );
    }
    if (row.tokenStatus !== 'assigned' && row.tokenStatus !== 'exported') {
      throw new Refusal('not-pending', `token ${row.serial} is ${row.tokenStatus}, not a pending hand-out; nothing was changed`);
    }

    store.tokens.returnToStock(row.tokenId, at);
    store.assignments.markUndone(row.assignmentId, { at, by: request.actor.name, reason });
    store.audit.append({
      actor: request.actor.name,
      deskId,
      action: 'undo',
      at,
      subject: { serial: row.serial, upn: row.upn, assignment: row.assignmentId, reason },
    });
  });
}

/** The header's counts: tokens in stock, this desk's hand-outs today, hand-outs waiting for export. */
export function inventoryCounts(inventory: Inventory, options: { now?: number } = {}): { inStock: number; handedOutToday: number; waitingForExport: number } {
  const { store, deskId } = inventory;
  const { from, to } = localDay(options.now ?? Date.now());
  return {
    inStock: store.tokens.countInStock(),
    handedOutToday: store.assignments.countLiveOfDesk(deskId, from, to),
    waitingForExport: store.assignments.countWaitingForExport(),
  };
}
