/**
 * `tokendesk export --removals`: a removal batch. Every removal the desk recorded (a token that
 * reached the identity provider came back, was lost, broke, was replaced or retired) and that is in
 * no batch yet leaves in one file, in the shape the admin of that system acts on
 * (formats/removalList.ts), beside a manifest, like hand-out batches. The same lifecycle follows:
 * `batch void` gives the removals back for the next removal batch, `batch mark-uploaded` records
 * them done, `tokendesk upload BATCH` carries a graph-json one out through Graph.
 *
 * The list holds no seed and is small (one row per token taken back), so it is read, rendered and
 * put in place under the write lock: no other process can take the same removals meanwhile.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Refusal } from '../../core/errors.js';
import { isRemovalFormat, REMOVAL_EXTENSIONS, REMOVAL_FORMATS, renderRemovalList, whyNoRemoval, type RemovalFormat } from '../../formats/removalList.js';
import type { BatchFormat, BatchManifest } from '../../formats/index.js';
import { TempFile } from '../../store/atomicFile.js';
import type { BatchRecord } from '../../store/batchRepo.js';
import type { Inventory } from '../../store/db.js';
import { authorise, type Actor } from '../actor.js';
import { recordBatchFile } from './files.js';
import { batchFileName, batchNamePrefix, manifestFileName, nextBatchName } from './names.js';
import { commitUnderLock, type Staged } from './publish.js';
import type { ExportFaults, ExportResult } from './types.js';

export interface RemovalExportRequest {
  /** Default entra-csv (a checklist for the admin centre), like hand-out batches. */
  format?: BatchFormat;
  /** Folder for the file and its manifest; default HOME/exports. */
  outDir?: string;
  actor: Actor;
  now?: number;
  faults?: ExportFaults;
}

/** Removals waiting for a removal batch (no seeds: serials, people, what to do). */
export function listWaitingRemovals(inventory: Inventory) {
  return inventory.store.removalBatches.waiting();
}

export function exportRemovalBatch(inventory: Inventory, request: RemovalExportRequest): ExportResult {
  authorise(request.actor, 'export');
  const asked = request.format ?? 'entra-csv';
  if (!isRemovalFormat(asked)) {
    throw new Refusal(
      'format-cannot-remove',
      `${asked} has no removal list: remove those tokens in that system by hand (\`tokendesk export --removals --format entra-csv\` writes a plain checklist of them), ` +
        `or choose --format ${REMOVAL_FORMATS.join(', ')}. Nothing was written`,
    );
  }
  const format: RemovalFormat = asked;
  const { store, deskId } = inventory;
  const outDir = resolve(request.outDir ?? inventory.paths.exports);
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const now = new Date(request.now ?? Date.now());
  const createdAt = now.toISOString();

  let temp: TempFile | null = null;
  try {
    return commitUnderLock(inventory, { outDir, faults: request.faults }, (locked): ExportResult => {
      const rows = store.removalBatches.waiting();
      const none = { leftWaiting: [], rewritten: false, orphaned: locked.orphaned };
      if (rows.length === 0) return { manifest: null, ...none };
      const refused = rows.flatMap((r) => {
        const reason = whyNoRemoval(format, r);
        return reason === null ? [] : [{ serial: r.serial, reason }];
      });
      if (refused.length > 0) {
        throw new Refusal('format-cannot-carry', `${refused.length} removal(s) cannot go in ${format}: ${refused.map((r) => `${r.serial} (${r.reason})`).join(', ')}; nothing was written`, {
          unsupported: refused,
        });
      }

      const name = nextBatchName(batchNamePrefix(deskId, now), store.batches.numbersAfter(batchNamePrefix(deskId, now)));
      const fileName = batchFileName(name, REMOVAL_EXTENSIONS[format]);
      const bytes = renderRemovalList(format, rows, name);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      temp = new TempFile(join(outDir, fileName));
      const staged = stageList(temp, bytes, rows.length, sha256);
      const filePath = join(outDir, fileName);
      const manifestPath = join(outDir, manifestFileName(name));
      locked.placeFile(staged, filePath, { exclusive: true });

      const batchId = store.batches.insert({ name, deskId, format, kind: 'removal', fileName, rowCount: rows.length, sha256, createdAt, createdBy: request.actor.name });
      const taken = store.removalBatches.takeIntoBatch(batchId, rows.map((r) => r.removalId));
      if (taken !== rows.length) throw new Refusal('export-raced', 'a removal changed while exporting; nothing was exported, try again');
      recordBatchFile(inventory, batchId, filePath, 'body', createdAt, false);
      recordBatchFile(inventory, batchId, manifestPath, 'manifest', createdAt);
      const head = store.audit.append({
        actor: request.actor.name,
        deskId,
        // 'export', like every batch: audit verify and doctor look for each batch's export entry.
        action: 'export',
        at: createdAt,
        subject: { batch: name, kind: 'removal', format, count: rows.length, sha256, file: fileName, unassign: rows.filter((r) => r.action === 'unassign').length, delete: rows.filter((r) => r.action === 'delete').length },
      });
      const manifest: BatchManifest = {
        batch: name,
        deskId,
        format,
        kind: 'removal',
        file: fileName,
        count: rows.length,
        sha256,
        createdAt,
        createdBy: request.actor.name,
        auditHead: { seq: head.seq, hash: head.hash },
      };
      locked.publishManifest(manifestPath, manifest, staged, { exclusive: true });
      return { manifest, filePath, manifestPath, ...none };
    });
  } finally {
    (temp as TempFile | null)?.discard();
  }
}

/**
 * `export --batch ID` of a removal batch: its file and manifest written again from its rows, only
 * when they come out with the sha256 recorded at export (a void batch is refused: its removals went
 * back to waiting).
 */
export function rewriteRemovalBatch(inventory: Inventory, batch: BatchRecord, request: { outDir?: string; actor: Actor; now?: number; format?: BatchFormat }): ExportResult {
  authorise(request.actor, 'export');
  if (batch.status === 'void') {
    throw new Refusal('batch-void', `removal batch ${batch.name} was voided (${batch.voidReason ?? 'no reason given'}); its removals went back to waiting: export them as a new removal batch`);
  }
  if (!isRemovalFormat(batch.format)) throw new Refusal('unknown-format', `removal batch ${batch.name} has format "${batch.format}", which this version cannot write`);
  if (request.format !== undefined && request.format !== batch.format) {
    throw new Refusal('format-differs', `batch ${batch.name} is ${batch.format}; it can only be written again as ${batch.format} (leave out --format)`);
  }
  const format: RemovalFormat = batch.format;
  const { store, deskId } = inventory;
  const outDir = resolve(request.outDir ?? inventory.paths.exports);
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const at = new Date(request.now ?? Date.now()).toISOString();
  let temp: TempFile | null = null;
  try {
    return commitUnderLock(inventory, { outDir }, (locked): ExportResult => {
      const rows = store.removalBatches.ofBatch(batch.id);
      const bytes = renderRemovalList(format, rows, batch.name);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (sha256 !== batch.sha256 || rows.length !== batch.rowCount) {
        throw new Refusal('rewrite-differs', `removal batch ${batch.name} would not come out byte for byte as exported (were its stored rows changed?); nothing was written`);
      }
      const exportEntry = store.audit.exportEntryOf(batch.name);
      if (!exportEntry) throw new Refusal('audit-missing', `the audit trail has no export entry for batch ${batch.name}; run \`tokendesk audit verify\``);
      const filePath = join(outDir, batch.fileName);
      const manifestPath = join(outDir, manifestFileName(batch.name));
      temp = new TempFile(filePath);
      const staged = stageList(temp, bytes, rows.length, sha256);
      locked.placeFile(staged, filePath, { exclusive: false });
      const manifest: BatchManifest = {
        batch: batch.name,
        deskId: batch.deskId,
        format,
        kind: 'removal',
        file: batch.fileName,
        count: batch.rowCount,
        sha256: batch.sha256,
        createdAt: batch.createdAt,
        createdBy: batch.createdBy,
        auditHead: { seq: exportEntry.seq, hash: exportEntry.hash },
      };
      locked.publishManifest(manifestPath, manifest, staged, { exclusive: false });
      recordBatchFile(inventory, batch.id, filePath, 'body', at, false);
      recordBatchFile(inventory, batch.id, manifestPath, 'manifest', at);
      store.audit.append({ actor: request.actor.name, deskId, action: 'rewrite-batch', at, subject: { batch: batch.name, kind: 'removal', format, count: batch.rowCount, sha256, file: batch.fileName } });
      return { manifest, filePath, manifestPath, leftWaiting: [], rewritten: true, orphaned: locked.orphaned };
    });
  } finally {
    (temp as TempFile | null)?.discard();
  }
}

/** A removal list written whole to its temp file, staged for the publish step like a hand-out batch (no seeds, no assignments). */
function stageList(temp: TempFile, bytes: Uint8Array, count: number, sha256: string): Staged {
  temp.write(bytes);
  temp.finish();
  return {
    file: temp,
    assignments: null,
    rendered: { count, sha256, assignmentIds: [], unsupported: [], carriers: [], hasAssignments: false },
    encryption: null,
    discard: () => temp.discard(),
  };
}
