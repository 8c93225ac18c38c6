/**
 * The batch lifecycle after export, for `tokendesk batch ...` and the admin screen: what is waiting,
 * what each batch holds (never a secret), void (back to waiting) and mark uploaded (and purge the
 * seeds the desk no longer needs).
 */
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { desc } from 'drizzle-orm';
import { Refusal } from '../core/errors.js';
import type { Inventory } from '../store/db.js';
import { fsyncDir } from '../store/atomicFile.js';
import { batches } from '../store/schema.js';
import { authorise, type Actor } from './actor.js';
import { AGE_SUFFIX } from './batchCrypto.js';
import {
  BATCH_ROW_ORDER,
  WAITING_WHERE,
  findBatch,
  manifestFileName,
  sha256Hex,
  waitingFilterSql,
  type BatchRecord,
  type WaitingFilter,
} from './exportBatch.js';

export type BatchView = typeof batches.$inferSelect;
export { findBatch, type BatchRecord } from './exportBatch.js';

export function listBatches(inventory: Inventory): BatchView[] {
  return inventory.db.select().from(batches).orderBy(desc(batches.id)).all();
}

/** Verified hand-outs not yet in a batch. */
export function countWaitingForExport(inventory: Inventory): number {
  const row = inventory.sqlite
    .prepare(`SELECT count(*) AS n FROM assignments a JOIN tokens t ON t.id = a.token_id WHERE ${WAITING_WHERE}`)
    .get() as { n: number };
  return row.n;
}

export interface WaitingAssignment {
  assignmentId: number;
  serial: string;
  upn: string;
  displayName: string;
  verifiedAt: string;
  offsetSteps: number;
  deskId: string;
}

/** The hand-outs the next export would take, in the order it would write them. */
export function listWaitingAssignments(inventory: Inventory, filter: WaitingFilter = {}): WaitingAssignment[] {
  const { where, params } = waitingFilterSql(filter);
  return inventory.sqlite
    .prepare(
      `SELECT a.id AS assignmentId, t.serial, a.upn, a.display_name AS displayName, a.verified_at AS verifiedAt,
              a.offset_steps AS offsetSteps, a.desk_id AS deskId
         FROM assignments a JOIN tokens t ON t.id = a.token_id WHERE ${where} ${BATCH_ROW_ORDER}`,
    )
    .all(...params) as WaitingAssignment[];
}

export interface BatchRowView {
  serial: string;
  upn: string;
  displayName: string;
  verifiedAt: string;
  offsetSteps: number;
  /** The token's time step in seconds, to say the offset in minutes. */
  period: number;
  deskId: string;
  /** The token's state now: exported, uploaded... */
  tokenStatus: string;
  seedPurged: boolean;
}

export interface BatchDetails {
  batch: BatchRecord;
  /** In file order. Empty for a void batch: its hand-outs went back to waiting. */
  rows: BatchRowView[];
  seedsPurged: number;
}

export function showBatch(inventory: Inventory, idOrName: string | number): BatchDetails {
  const batch = findBatch(inventory, idOrName);
  const rows = (
    inventory.sqlite
      .prepare(
        `SELECT t.serial, a.upn, a.display_name AS displayName, a.verified_at AS verifiedAt, a.offset_steps AS offsetSteps, t.period,
                a.desk_id AS deskId, t.status AS tokenStatus, (t.sealed_secret IS NULL) AS seedPurged
           FROM assignments a JOIN tokens t ON t.id = a.token_id WHERE a.batch_id = ? ${BATCH_ROW_ORDER}`,
      )
      .all(batch.id) as Array<Omit<BatchRowView, 'seedPurged'> & { seedPurged: number }>
  ).map((r) => ({ ...r, seedPurged: r.seedPurged === 1 }));
  return { batch, rows, seedsPurged: rows.filter((r) => r.seedPurged).length };
}

export interface VoidRequest {
  batch: string | number;
  reason: string;
  actor: Actor;
  now?: number;
}

export interface VoidResult {
  batch: string;
  /** Hand-outs back to "waiting for export". */
  returnedToWaiting: number;
  /** This batch's files removed from HOME/exports (copies elsewhere are the admin's to delete). */
  removedFiles: string[];
}

/** The batch was not uploaded and will not be: its hand-outs wait for the next export. */
export function voidBatch(inventory: Inventory, request: VoidRequest): VoidResult {
  authorise(request.actor, 'void-batch');
  const reason = request.reason.trim();
  if (reason === '') throw new Refusal('reason-needed', 'say why the batch is void (--reason "..."), for the audit trail');
  if (reason.length > 200 || /[\x00-\x1f\x7f]/.test(reason)) {
    throw new Refusal('bad-reason', 'the reason is one line of at most 200 characters');
  }
  const { sqlite, deskId } = inventory;
  const batch = findBatch(inventory, request.batch);
  refuseUnlessExported(batch, 'void');
  const at = new Date(request.now ?? Date.now()).toISOString();
  const audit = inventory.store.audit;

  const returned = sqlite
    .transaction((): number => {
      const changed = sqlite
        .prepare("UPDATE batches SET status = 'void', voided_at = ?, void_reason = ? WHERE id = ? AND status = 'exported'")
        .run(at, reason, batch.id).changes;
      if (changed !== 1) throw new Refusal('batch-changed', `batch ${batch.name} changed meanwhile (another desk process?); look at it again`);
      sqlite
        .prepare("UPDATE tokens SET status = 'assigned' WHERE status = 'exported' AND id IN (SELECT token_id FROM assignments WHERE batch_id = ?)")
        .run(batch.id);
      const n = sqlite.prepare('UPDATE assignments SET batch_id = NULL WHERE batch_id = ?').run(batch.id).changes;
      audit.append({ actor: request.actor.name, deskId, action: 'void-batch', at, subject: { batch: batch.name, count: n, reason } });
      return n;
    })
    .immediate();

  // After the commit: the file of a void batch must not be uploaded by mistake, and it holds seeds.
  const removedFiles: string[] = [];
  const encryptedSha256 = encryptedSha256Of(join(inventory.paths.exports, manifestFileName(batch.name)));
  for (const name of [batch.fileName, `${batch.fileName}${AGE_SUFFIX}`, manifestFileName(batch.name)]) {
    const path = join(inventory.paths.exports, name);
    if (!existsSync(path)) continue;
    if (name === batch.fileName && sha256Hex(readFileSync(path)) !== batch.sha256) continue; // not ours: leave it
    if (name.endsWith(AGE_SUFFIX) && (encryptedSha256 === null || sha256Hex(readFileSync(path)) !== encryptedSha256)) continue;
    unlinkSync(path);
    removedFiles.push(path);
  }
  if (removedFiles.length > 0) fsyncDir(inventory.paths.exports);
  return { batch: batch.name, returnedToWaiting: returned, removedFiles };
}

export interface MarkUploadedRequest {
  batch: string | number;
  /** Delete the seeds of this batch's tokens: they are in the identity provider now. */
  purgeSeeds?: boolean;
  actor: Actor;
  now?: number;
}

export interface MarkUploadedResult {
  batch: string;
  uploadedAt: string;
  /** False when the batch was already marked uploaded (and only the purge ran). */
  newlyMarked: boolean;
  /** Seeds deleted now. */
  purged: number;
  /** Tokens of the batch whose seed was already gone. */
  alreadyPurged: number;
  /**
   * After a purge the write-ahead log is checkpointed and truncated so the old sealed bytes leave
   * it; false when another connection held it open (they go at its next checkpoint).
   */
  walCleared: boolean | null;
}

export function markUploaded(inventory: Inventory, request: MarkUploadedRequest): MarkUploadedResult {
  authorise(request.actor, 'mark-uploaded');
  if (request.purgeSeeds) authorise(request.actor, 'purge-seeds');
  const { sqlite, deskId } = inventory;
  const batch = findBatch(inventory, request.batch);
  if (batch.status === 'void') refuseUnlessExported(batch, 'mark uploaded');
  if (batch.status === 'uploaded' && !request.purgeSeeds) {
    throw new Refusal('already-uploaded', `batch ${batch.name} was already marked uploaded (${batch.uploadedAt}); nothing changed`);
  }
  const at = new Date(request.now ?? Date.now()).toISOString();
  const audit = inventory.store.audit;
  const tokenIds = '(SELECT token_id FROM assignments WHERE batch_id = ?)';

  if (request.purgeSeeds) {
    // secure_delete zeroes the freed bytes in the database file; it is on for every connection,
    // but a purge must not depend on that.
    sqlite.pragma('secure_delete = ON');
    if (Number(sqlite.pragma('secure_delete', { simple: true })) !== 1) {
      throw new Refusal('secure-delete-off', 'SQLite secure_delete cannot be switched on here; seeds were not purged');
    }
  }
  const outcome = sqlite
    .transaction(() => {
      const current = sqlite.prepare('SELECT status, uploaded_at AS uploadedAt FROM batches WHERE id = ?').get(batch.id) as {
        status: string;
        uploadedAt: string | null;
      };
      let newlyMarked = false;
      if (current.status === 'exported') {
        sqlite.prepare("UPDATE batches SET status = 'uploaded', uploaded_at = ? WHERE id = ?").run(at, batch.id);
        sqlite.prepare(`UPDATE tokens SET status = 'uploaded' WHERE status = 'exported' AND id IN ${tokenIds}`).run(batch.id);
        audit.append({ actor: request.actor.name, deskId, action: 'mark-uploaded', at, subject: { batch: batch.name, count: batch.rowCount } });
        newlyMarked = true;
      } else if (current.status !== 'uploaded') {
        throw new Refusal('batch-changed', `batch ${batch.name} is ${current.status} now; nothing changed`);
      }
      let purged = 0;
      let alreadyPurged = 0;
      if (request.purgeSeeds) {
        alreadyPurged = (
          sqlite.prepare(`SELECT count(*) AS n FROM tokens WHERE sealed_secret IS NULL AND id IN ${tokenIds}`).get(batch.id) as { n: number }
        ).n;
        purged = sqlite
          .prepare(`UPDATE tokens SET sealed_secret = NULL, secret_purged_at = ? WHERE sealed_secret IS NOT NULL AND id IN ${tokenIds}`)
          .run(at, batch.id).changes;
        audit.append({ actor: request.actor.name, deskId, action: 'purge-seeds', at, subject: { batch: batch.name, purged } });
      }
      return { newlyMarked, purged, alreadyPurged, uploadedAt: newlyMarked ? at : (current.uploadedAt ?? at) };
    })
    .immediate();

  let walCleared: boolean | null = null;
  if (request.purgeSeeds && outcome.purged > 0) {
    const [result] = sqlite.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    walCleared = result !== undefined && result.busy === 0;
  }
  return { batch: batch.name, ...outcome, walCleared };
}

function refuseUnlessExported(batch: BatchRecord, what: 'void' | 'mark uploaded'): void {
  if (batch.status === 'void') {
    throw new Refusal('batch-void', `batch ${batch.name} is already void (${batch.voidReason ?? 'no reason given'}); nothing changed`);
  }
  if (batch.status === 'uploaded' && what === 'void') {
    throw new Refusal(
      'batch-uploaded',
      `batch ${batch.name} was uploaded (${batch.uploadedAt}); it cannot be voided here. Remove its tokens in the identity provider first`,
    );
  }
}

/** The sha256 of the encrypted file its manifest names (`export --encrypt-to`), or null. */
function encryptedSha256Of(manifestPath: string): string | null {
  try {
    const sha256 = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { encrypted?: { sha256?: unknown } }).encrypted?.sha256;
    return typeof sha256 === 'string' ? sha256 : null;
  } catch {
    return null;
  }
}
