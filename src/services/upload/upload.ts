/**
 * `tokendesk upload`: the desk's verified hand-outs into Entra through Graph, on the desk's own
 * records. Which tokens: a batch's hand-outs (or, for a removal batch, its removals), else every
 * live hand-out that is waiting for export or in an unfinished graph-json batch; with
 * --unassigned, tokens in stock or handed out that the tenant has not staged yet.
 *
 * The engine (engine.ts) does the work against the SQLite ledger (sqliteLedger.ts); this file
 * picks the tokens, opens each seed only when a call needs it, settles the batches (uploaded only
 * when every token is activated, else partly-uploaded) and audits the start and the end of the
 * run with counts, never a seed or a code.
 */
import { Refusal } from '../../core/errors.js';
import type { GraphClientOptions, TokenSource } from '../../graph/client.js';
import type { Inventory } from '../../store/db.js';
import type { StagingCandidate } from '../../store/graphUploadRepo.js';
import type { BatchRecord } from '../../store/batchRepo.js';
import { authorise, type Actor } from '../actor.js';
import { findBatch } from '../batch/find.js';
import { UploadEngine, type TokenReport, type UploadCounts, type UploadMode } from './engine.js';
import type { HandOutToUpload } from './ledger.js';
import { runRemovals, type RemovalReport } from './removals.js';
import { takeRunLock } from './runLock.js';
import { graphSession, tenantKey, type GraphEvent } from './session.js';
import { SqliteUploadLedger, type HandOutContext } from './sqliteLedger.js';

export type { TokenReport, UploadCounts, UploadMode } from './engine.js';
export type { RemovalReport } from './removals.js';

export interface UploadRequest {
  tenant: string;
  /** A batch name or number; without it, every live hand-out Graph may take (see the top of this file). */
  batch?: string | number;
  mode?: UploadMode;
  tokens: TokenSource;
  graphUrl?: string;
  actor: Actor;
  onProgress?: (counts: UploadCounts) => void;
  onEvent?: (event: GraphEvent) => void;
  /** Tests: the client's sleep, fetch, back-off. */
  client?: Partial<GraphClientOptions>;
  /** People worked on at once (default 4). */
  concurrency?: number;
  now?: () => number;
}

export interface UploadReport {
  tenant: string;
  batch: string | null;
  kind: 'hand-out' | 'removal';
  mode: UploadMode;
  /** uploaded: every token done; partly-uploaded: some failed or are left for the next run. */
  status: 'uploaded' | 'partly-uploaded';
  counts: UploadCounts;
  tokens: Array<TokenReport | RemovalReport>;
  /** Hand-outs of the batch that ended since export: their removal goes in a removal batch. */
  skipped: Array<{ serial: string; reason: string }>;
  /** Batches whose status this run changed or confirmed. */
  batches: Array<{ batch: string; status: 'uploaded' | 'partly-uploaded'; activated: number; total: number }>;
  stoppedBy?: { code: string; message: string };
  notes: string[];
}

export async function uploadToTenant(inventory: Inventory, request: UploadRequest): Promise<UploadReport> {
  authorise(request.actor, 'mark-uploaded');
  const tenant = tenantKey(request.tenant);
  const mode = request.mode ?? 'assign';
  const now = request.now ?? Date.now;
  const batch = request.batch === undefined ? undefined : findBatch(inventory, request.batch);
  if (batch) refuseBatch(inventory, batch, tenant, mode);

  const lock = takeRunLock(inventory.paths.dir, 'run the upload');
  try {
    const api = graphSession({ tokens: request.tokens, graphUrl: request.graphUrl, onEvent: request.onEvent, client: request.client });
    if (batch?.kind === 'removal') {
      const removals = inventory.store.graphUploads.removalsOfBatch(batch.id);
      if (removals.length === 0) throw new Refusal('nothing-to-upload', `removal batch ${batch.name} holds no removals; nothing changed`);
      audit(inventory, request.actor, 'graph-upload-start', { tenant, batch: batch.name, kind: 'removal', tokens: removals.length, mode }, now);
      const run = await runRemovals(inventory, api, { tenant, removals, now, onProgress: request.onProgress });
      const status = run.counts.done === run.counts.total ? 'uploaded' : 'partly-uploaded';
      const settled = settleBatch(inventory, batch, status, { activated: run.counts.done, total: run.counts.total }, now);
      audit(inventory, request.actor, 'graph-upload-finish', { tenant, batch: batch.name, kind: 'removal', ...countsSubject(run.counts), status }, now);
      return { tenant, batch: batch.name, kind: 'removal', mode, status, counts: run.counts, tokens: run.tokens, skipped: [], batches: [settled], ...(run.stoppedBy ? { stoppedBy: run.stoppedBy } : {}), notes: [] };
    }

    const { candidates, skipped } = pick(inventory, tenant, mode, batch);
    if (candidates.length === 0) {
      const what = batch ? `batch ${batch.name} has no live hand-outs` : mode === 'unassigned' ? `every token is already staged in ${tenant}` : 'no hand-out is waiting for Graph';
      throw new Refusal('nothing-to-upload', `${what}; nothing changed${batch || mode === 'unassigned' ? '' : ' (hand out tokens first, or name a batch)'}`);
    }
    const notes = batch && mode === 'assign' && batch.format !== 'graph-json'
      ? [`batch ${batch.name} was exported as ${batch.format}: if that file was also uploaded in the admin centre, its tokens may be in the tenant twice (tokendesk reconcile lists copies)`]
      : [];

    audit(inventory, request.actor, 'graph-upload-start', { tenant, batch: batch?.name ?? null, kind: 'hand-out', tokens: candidates.length, mode }, now);
    const context = new Map<string, HandOutContext>(candidates.map((c) => [c.serial, { assignmentId: c.assignmentId, batchId: c.batchId }]));
    const engine = new UploadEngine({
      api,
      ledger: new SqliteUploadLedger(inventory, tenant, context, now),
      mode,
      concurrency: request.concurrency,
      now,
      onProgress: request.onProgress,
    });
    const result = await engine.run(candidates.map((c) => handOutOf(inventory, c)));

    const status = result.status === 'uploaded' ? 'uploaded' : 'partly-uploaded';
    const touched = mode === 'assign' ? settleBatches(inventory, tenant, candidates, batch, now) : [];
    audit(inventory, request.actor, 'graph-upload-finish', { tenant, batch: batch?.name ?? null, kind: 'hand-out', ...countsSubject(result.counts), status }, now);
    return {
      tenant,
      batch: batch?.name ?? null,
      kind: 'hand-out',
      mode,
      status,
      counts: result.counts,
      tokens: result.tokens,
      skipped,
      batches: touched,
      ...(result.stoppedBy ? { stoppedBy: result.stoppedBy } : {}),
      notes,
    };
  } finally {
    lock.release();
  }
}

function refuseBatch(inventory: Inventory, batch: BatchRecord, tenant: string, mode: UploadMode): void {
  if (batch.status === 'void') throw new Refusal('batch-void', `batch ${batch.name} is void (${batch.voidReason ?? 'no reason given'}): it must not be uploaded; nothing changed`);
  if (batch.kind === 'removal' && mode === 'unassigned') throw new Refusal('removal-batch', `batch ${batch.name} is a removal batch: --unassigned is for hand-outs; run it without --unassigned`);
  if (batch.kind === 'hand-out' && batch.status === 'uploaded' && mode === 'assign') {
    const progress = inventory.store.graphUploads.batchProgress(batch.id, tenant);
    if (progress.activated < progress.total) {
      throw new Refusal(
        'batch-uploaded',
        `batch ${batch.name} was marked uploaded on ${batch.uploadedAt ?? 'an earlier day'} another way (a file upload): its tokens are in the identity provider already. ` +
          `\`tokendesk reconcile --tenant ${tenant}\` compares the tenant with the desk; nothing changed`,
      );
    }
  }
}

/** The tokens this run takes, in file order, and the batch's hand-outs it leaves out (with why). */
function pick(inventory: Inventory, tenant: string, mode: UploadMode, batch: BatchRecord | undefined): { candidates: StagingCandidate[]; skipped: Array<{ serial: string; reason: string }> } {
  const repo = inventory.store.graphUploads;
  if (!batch) return { candidates: mode === 'assign' ? repo.handOutsForGraph() : repo.stockForStaging(tenant), skipped: [] };
  const candidates: StagingCandidate[] = [];
  const skipped: Array<{ serial: string; reason: string }> = [];
  for (const c of repo.handOutsOfBatch(batch.id)) {
    if (c.endedAt !== null) skipped.push({ serial: c.serial, reason: `the hand-out to ${c.upn} ended on ${c.endedAt} (returned, lost or replaced): its removal goes in a removal batch` });
    else candidates.push(c);
  }
  return { candidates, skipped };
}

/** What the engine needs of one token; its seed is opened only when a call needs it. */
export function handOutOf(inventory: Inventory, c: StagingCandidate): HandOutToUpload {
  return {
    serial: c.serial,
    upn: c.upn ?? '',
    displayName: c.displayName ?? c.serial,
    manufacturer: c.manufacturer,
    model: c.model,
    algorithm: c.algorithm,
    period: c.period,
    digits: c.digits,
    offsetSteps: c.offsetSteps ?? 0,
    seed: () => {
      const sealed = inventory.store.tokens.sealedSeedBySerial(c.serial);
      if (!sealed) {
        throw new Refusal('seed-purged', `the seed of token ${c.serial} was purged at this desk, so it cannot be sent or activated from here: ${c.upn ? `${c.upn} can add it at My Security Info with a live code` : 'enrol it another way'}`);
      }
      return inventory.vault.open(c.serial, sealed);
    },
  };
}

/** Each batch the run touched: uploaded when every live hand-out of it is activated in the tenant. */
export function settleBatches(inventory: Inventory, tenant: string, candidates: readonly StagingCandidate[], target: BatchRecord | undefined, now: () => number): UploadReport['batches'] {
  const ids = [...new Set(candidates.flatMap((c) => (c.batchId === null ? [] : [c.batchId])))];
  const settled: UploadReport['batches'] = [];
  for (const id of ids) {
    const batch = inventory.store.batches.byId(id);
    if (!batch) continue;
    const progress = inventory.store.graphUploads.batchProgress(id, tenant);
    if (progress.activated === progress.total) settled.push(settleBatch(inventory, batch, 'uploaded', progress, now));
    else if (progress.activated > 0 || batch.id === target?.id) settled.push(settleBatch(inventory, batch, 'partly-uploaded', progress, now));
  }
  return settled;
}

function settleBatch(
  inventory: Inventory,
  batch: BatchRecord,
  status: 'uploaded' | 'partly-uploaded',
  progress: { activated: number; total: number },
  now: () => number,
): UploadReport['batches'][number] {
  const at = new Date(now()).toISOString();
  inventory.store.write(() => inventory.store.graphUploads.setBatchStatus(batch.id, status, at));
  return { batch: batch.name, status, ...progress };
}

function countsSubject(counts: UploadCounts) {
  return { done: counts.done, failed: counts.failed, left: counts.left };
}

export function audit(inventory: Inventory, actor: Actor, action: string, subject: Record<string, string | number | null>, now: () => number): void {
  const { store, deskId } = inventory;
  store.write(() => store.audit.append({ actor: actor.name, deskId, action, at: new Date(now()).toISOString(), subject }));
}
