/**
 * The desk's own tools: today's hand-outs, undoing a pending one, and the counts in the header.
 *
 * An undo returns the token to stock but keeps its last accepted time step, so the code that
 * verified the undone hand-out cannot be used again to hand the same token to someone else.
 */
import { Refusal } from '../core/errors.js';
import type { Inventory } from '../store/db.js';
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

const handOutColumns = `
  a.id AS assignmentId, t.serial, a.upn, a.display_name AS displayName, a.verified_at AS verifiedAt,
  a.assigned_by AS assignedBy, a.offset_steps AS offsetSteps,
  (a.batch_id IS NOT NULL AND coalesce(b.status, '') <> 'void') AS exported,
  (a.undone_at IS NOT NULL) AS undone, a.undo_reason AS undoReason`;

type HandOutRow = Omit<HandOutView, 'exported' | 'undone'> & { exported: number; undone: number };

const toView = (row: HandOutRow): HandOutView => ({ ...row, exported: row.exported === 1, undone: row.undone === 1 });

/** This desk's hand-outs of the local day, newest first, undone ones included (marked). */
export function todaysHandOuts(inventory: Inventory, options: { now?: number } = {}): HandOutView[] {
  const { from, to } = localDay(options.now ?? Date.now());
  const rows = inventory.sqlite
    .prepare(
      `SELECT ${handOutColumns}
         FROM assignments a JOIN tokens t ON t.id = a.token_id LEFT JOIN batches b ON b.id = a.batch_id
        WHERE a.desk_id = ? AND a.verified_at >= ? AND a.verified_at < ?
        ORDER BY a.verified_at DESC, a.id DESC`,
    )
    .all(inventory.deskId, from, to) as HandOutRow[];
  return rows.map(toView);
}

export function findHandOut(inventory: Inventory, assignmentId: number): HandOutView | undefined {
  const row = inventory.sqlite
    .prepare(
      `SELECT ${handOutColumns}
         FROM assignments a JOIN tokens t ON t.id = a.token_id LEFT JOIN batches b ON b.id = a.batch_id
        WHERE a.id = ?`,
    )
    .get(assignmentId) as HandOutRow | undefined;
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
  const { sqlite, deskId } = inventory;
  const at = new Date(request.now ?? Date.now()).toISOString();

  sqlite
    .transaction(() => {
      const row = sqlite
        .prepare(
          `SELECT a.id, a.token_id AS tokenId, t.serial, t.status, a.upn, a.assigned_by AS assignedBy, a.undone_at AS undoneAt,
                  a.batch_id AS batchId, b.name AS batchName, b.status AS batchStatus
             FROM assignments a JOIN tokens t ON t.id = a.token_id LEFT JOIN batches b ON b.id = a.batch_id
            WHERE a.id = ?`,
        )
        .get(request.assignmentId) as
        | {
            id: number;
            tokenId: number;
            serial: string;
            status: string;
            upn: string;
            assignedBy: string;
            undoneAt: string | null;
            batchId: number | null;
            batchName: string | null;
            batchStatus: string | null;
          }
        | undefined;
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
      if (row.batchId !== null && row.batchStatus !== 'void') {
        throw new Refusal(
          'hand-out-exported',
          `token ${row.serial} is already in batch ${row.batchName ?? `#${row.batchId}`}: an admin must void that batch first ` +
            `(\`tokendesk batch void ${row.batchName ?? row.batchId} --reason ...\`), then undo the hand-out`,
          { batch: row.batchName ?? row.batchId },
        );
      }
      if (row.status !== 'assigned' && row.status !== 'exported') {
        throw new Refusal('not-pending', `token ${row.serial} is ${row.status}, not a pending hand-out; nothing was changed`);
      }

      // last_accepted_step stays: the code that verified this hand-out stays used.
      sqlite
        .prepare("UPDATE tokens SET status = 'in-stock', failed_attempts = 0, locked_until_ms = NULL WHERE id = ?")
        .run(row.tokenId);
      sqlite
        .prepare('UPDATE assignments SET undone_at = ?, undone_by = ?, undo_reason = ? WHERE id = ? AND undone_at IS NULL')
        .run(at, request.actor.name, reason, row.id);
      inventory.store.audit.append({
        actor: request.actor.name,
        deskId,
        action: 'undo',
        at,
        subject: { serial: row.serial, upn: row.upn, assignment: row.id, reason },
      });
    })
    .immediate();
}

/** The header's counts: tokens in stock, this desk's hand-outs today, hand-outs waiting for export. */
export function inventoryCounts(inventory: Inventory, options: { now?: number } = {}): { inStock: number; handedOutToday: number; waitingForExport: number } {
  const { sqlite, deskId } = inventory;
  const { from, to } = localDay(options.now ?? Date.now());
  const n = (sql: string, ...params: string[]): number => (sqlite.prepare(sql).get(...params) as { n: number }).n;
  return {
    inStock: n("SELECT count(*) AS n FROM tokens WHERE status = 'in-stock'"),
    handedOutToday: n(
      'SELECT count(*) AS n FROM assignments WHERE desk_id = ? AND verified_at >= ? AND verified_at < ? AND undone_at IS NULL',
      deskId,
      from,
      to,
    ),
    // The same rule exportBatch uses to pick what goes in the next batch.
    waitingForExport: n(
      "SELECT count(*) AS n FROM assignments a JOIN tokens t ON t.id = a.token_id WHERE a.batch_id IS NULL AND a.undone_at IS NULL AND t.status = 'assigned'",
    ),
  };
}
