/**
 * The batch lifecycle after export, for `tokendesk batch ...` and the admin screen: what is waiting,
 * what each batch holds (never a secret), void (back to waiting) and mark uploaded (and purge the
 * seeds the desk no longer needs). Both then shred the batch's files they can reach (files.ts) and
 * name the rest. Removal batches follow the same steps with their removals instead of hand-outs.
 *
 * Each change reads and checks the batch first, then changes it in one write transaction that
 * changes it only if it is still as read: another process that voided or marked it meanwhile
 * makes this one refuse (`batch-changed`) instead of changing it twice.
 */
import { Refusal } from '../../core/errors.js';
import type { BatchMemberView, BatchRecord, WaitingAssignment } from '../../store/batchRepo.js';
import type { Inventory } from '../../store/db.js';
import type { RemovalBatchRow } from '../../store/removalBatchRepo.js';
import { authorise, type Actor } from '../actor.js';
import { findBatch } from './find.js';
import { removeBatchFiles, type FilesOutcome, type LeftFile } from './files.js';
import { waitingFilter, type WaitingFilter } from './waiting.js';

export type { BatchRecord, WaitingAssignment } from '../../store/batchRepo.js';
export type BatchView = BatchRecord;
export type BatchRowView = BatchMemberView;
export { findBatch } from './find.js';
export type { FilesOutcome, LeftFile } from './files.js';

/** A test hook between the checks and the change: a test lets another process act there. */
export interface LifecycleFaults {
  at(step: 'checked'): void;
}

/** Newest first. */
export function listBatches(inventory: Inventory): BatchView[] {
  return inventory.store.batches.list();
}

/** Verified hand-outs not yet in a batch. */
export function countWaitingForExport(inventory: Inventory): number {
  return inventory.store.batches.countWaiting();
}

/** The hand-outs the next export takes, in the order it would write them. */
export function listWaitingAssignments(inventory: Inventory, filter: WaitingFilter = {}): WaitingAssignment[] {
  return inventory.store.batches.listWaiting(waitingFilter(filter));
}

export interface BatchDetails {
  batch: BatchRecord;
  /** In file order. Empty for a void batch: its hand-outs went back to waiting. */
  rows: BatchRowView[];
  seedsPurged: number;
  /** A removal batch's tokens and what the identity provider is asked to do (empty for hand-out batches). */
  removals: RemovalBatchRow[];
  /** Every file the batch wrote (home and --out folders), and when tokendesk removed it (null: still there as far as it knows). */
  files: Array<{ path: string; role: string; holdsSeeds: boolean; writtenAt: string; removedAt: string | null }>;
}

export function showBatch(inventory: Inventory, idOrName: string | number): BatchDetails {
  const batch = findBatch(inventory, idOrName);
  const rows = inventory.store.batches.membersOf(batch.id);
  const removals = batch.kind === 'removal' ? inventory.store.removalBatches.ofBatch(batch.id) : [];
  const files = inventory.store.batchFiles.ofBatch(batch.id).map(({ path, role, holdsSeeds, writtenAt, removedAt }) => ({ path, role, holdsSeeds, writtenAt, removedAt }));
  return { batch, rows, seedsPurged: rows.filter((r) => r.seedPurged).length, removals, files };
}

export interface VoidRequest {
  batch: string | number;
  reason: string;
  actor: Actor;
  now?: number;
  faults?: LifecycleFaults;
}

export interface VoidResult {
  batch: string;
  /** Hand-outs back to "waiting for export" (for a removal batch: removals back to waiting for the next removal batch). */
  returnedToWaiting: number;
  /** This batch's files overwritten and deleted, in the home and in any `--out` folder it wrote to. */
  removedFiles: string[];
  /** Its files tokendesk could not remove (a stick not plugged in, a changed file), and why: the admin must. */
  leftFiles: LeftFile[];
}

/** The batch was not uploaded and will not be: its hand-outs wait for the next export. */
export function voidBatch(inventory: Inventory, request: VoidRequest): VoidResult {
  authorise(request.actor, 'void-batch');
  const reason = request.reason.trim();
  if (reason === '') throw new Refusal('reason-needed', 'say why the batch is void (--reason "..."), for the audit trail');
  if (reason.length > 200 || /[\x00-\x1f\x7f]/.test(reason)) {
    throw new Refusal('bad-reason', 'the reason is one line of at most 200 characters');
  }
  const { store, deskId } = inventory;
  const batch = findBatch(inventory, request.batch);
  refuseUnlessExported(batch, 'void');
  const at = new Date(request.now ?? Date.now()).toISOString();
  request.faults?.at('checked');

  const returned = store.write((): number => {
    if (!store.batches.setVoid(batch.id, at, reason)) throw changedMeanwhile(inventory, batch);
    const removal = batch.kind === 'removal';
    const n = removal ? store.removalBatches.returnToWaiting(batch.id) : store.batches.returnToWaiting(batch.id);
    store.audit.append({ actor: request.actor.name, deskId, action: 'void-batch', at, subject: { batch: batch.name, count: n, reason, ...(removal ? { kind: 'removal' } : {}) } });
    return n;
  });
  // After the commit: the files of a void batch must not be uploaded by mistake, and they hold seeds.
  const files = removeBatchFiles(inventory, batch, 'all', at);
  return { batch: batch.name, returnedToWaiting: returned, removedFiles: files.removed, leftFiles: files.left };
}

export interface MarkUploadedRequest {
  batch: string | number;
  /** Delete the seeds of this batch's tokens: they are in the identity provider now. */
  purgeSeeds?: boolean;
  actor: Actor;
  now?: number;
  faults?: LifecycleFaults;
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
  /**
   * With a purge: the batch's plaintext files overwritten and deleted, and the copies that could not
   * be (they still hold seeds: the admin must delete them); null without a purge.
   */
  files: FilesOutcome | null;
  /** A removal batch: removals recorded done now (the identity provider forgot those tokens); null for hand-outs. */
  removalsDone: number | null;
}

export function markUploaded(inventory: Inventory, request: MarkUploadedRequest): MarkUploadedResult {
  authorise(request.actor, 'mark-uploaded');
  if (request.purgeSeeds) authorise(request.actor, 'purge-seeds');
  const { store, deskId } = inventory;
  const batch = findBatch(inventory, request.batch);
  if (batch.status === 'void') refuseUnlessExported(batch, 'mark uploaded');
  const removal = batch.kind === 'removal';
  if (removal && request.purgeSeeds) {
    throw new Refusal('no-seeds', `batch ${batch.name} is a removal batch: it holds no seeds to purge. Mark it uploaded without --purge-seeds; nothing changed`);
  }
  if (batch.status === 'uploaded' && !request.purgeSeeds) {
    throw new Refusal('already-uploaded', `batch ${batch.name} was already marked uploaded (${batch.uploadedAt}); nothing changed`);
  }
  const at = new Date(request.now ?? Date.now()).toISOString();
  if (request.purgeSeeds && !store.batches.secureDeleteOn()) {
    throw new Refusal('secure-delete-off', 'SQLite secure_delete cannot be switched on here; seeds were not purged');
  }
  request.faults?.at('checked');

  const outcome = store.write(() => {
    let newlyMarked = false;
    let uploadedAt = batch.uploadedAt ?? at;
    let removalsDone: number | null = null;
    if (batch.status === 'exported' || batch.status === 'partly-uploaded') {
      // Still as read, or someone else changed it meanwhile. Partly uploaded: the admin finished the rest another way.
      if (!store.batches.setUploaded(batch.id, at)) throw changedMeanwhile(inventory, batch);
      if (removal) removalsDone = store.removalBatches.markDone(batch.id, at);
      store.audit.append({
        actor: request.actor.name,
        deskId,
        action: 'mark-uploaded',
        at,
        subject: { batch: batch.name, count: batch.rowCount, ...(removal ? { kind: 'removal', removalsDone } : {}), ...(batch.status === 'partly-uploaded' ? { was: 'partly-uploaded' } : {}) },
      });
      newlyMarked = true;
      uploadedAt = at;
    } else if (store.batches.byId(batch.id)?.status !== 'uploaded') {
      throw changedMeanwhile(inventory, batch);
    }
    let purged = 0;
    let alreadyPurged = 0;
    if (request.purgeSeeds) {
      ({ purged, alreadyPurged } = store.batches.purgeSeeds(batch.id, at));
      store.audit.append({ actor: request.actor.name, deskId, action: 'purge-seeds', at, subject: { batch: batch.name, purged } });
    }
    return { newlyMarked, purged, alreadyPurged, uploadedAt, removalsDone };
  });

  const walCleared = request.purgeSeeds && outcome.purged > 0 ? store.batches.clearWal() : null;
  // The seeds are gone from the database: now from every plaintext file the batch wrote that can be reached.
  const files = request.purgeSeeds ? removeBatchFiles(inventory, batch, 'seeds', at) : null;
  return { batch: batch.name, ...outcome, walCleared, files };
}

function changedMeanwhile(inventory: Inventory, batch: BatchRecord): Refusal {
  const now = inventory.store.batches.byId(batch.id);
  return new Refusal(
    'batch-changed',
    `batch ${batch.name} changed meanwhile (it is ${now?.status ?? 'gone'} now; another desk process?); look at it again. Nothing changed`,
  );
}

function refuseUnlessExported(batch: BatchRecord, what: 'void' | 'mark uploaded'): void {
  if (batch.status === 'void') {
    throw new Refusal('batch-void', `batch ${batch.name} is already void (${batch.voidReason ?? 'no reason given'}); nothing changed`);
  }
  if (batch.status === 'partly-uploaded' && what === 'void') {
    throw new Refusal(
      'batch-partly-uploaded',
      `batch ${batch.name} is partly uploaded: some of its tokens are in the identity provider already, so it cannot be voided. ` +
        'Finish it (run the upload again, or `tokendesk batch mark-uploaded` once the rest is in), then take back what must go with a removal batch',
    );
  }
  if (batch.status === 'uploaded' && what === 'void') {
    throw new Refusal(
      'batch-uploaded',
      `batch ${batch.name} was uploaded (${batch.uploadedAt}); it cannot be voided here. Remove its tokens in the identity provider first`,
    );
  }
}
