/**
 * A new batch: the verified hand-outs not yet in a batch become one file for the identity
 * provider and its manifest, plain or (`--encrypt-to`) only encrypted with age.
 *
 * The rows are read and written before the write lock (see publish.ts). Under the lock the batch
 * takes exactly the hand-outs that were written, each only if it is still waiting as it was read:
 * one undone or exported by another process meanwhile refuses the whole batch (`export-raced`);
 * hand-outs made meanwhile wait for the next batch.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Refusal } from '../../core/errors.js';
import { assignmentListFileName, BATCH_TARGETS, exporters, type BatchFormat, type BatchManifest } from '../../formats/index.js';
import type { Inventory } from '../../store/db.js';
import { authorise } from '../actor.js';
import { AGE_SUFFIX, batchFileName, batchNamePrefix, manifestFileName, nextBatchName, stagingFileName } from './names.js';
import { recordBatchFile } from './files.js';
import { commitUnderLock, encryptedAuditFields, encryptedInfo, stageEncrypted, stagePlain, withoutLayoutOne, type Staged } from './publish.js';
import { needsRoster, type RenderPlan } from './render.js';
import type { ExportRequest, ExportResult } from './types.js';
import { waitingFilter } from './waiting.js';

/** `export`: a new batch of what is waiting, written in the clear. */
export function exportNewBatch(inventory: Inventory, request: ExportRequest): ExportResult {
  const { format, plan, outDir, filter } = planNewBatch(inventory, request);
  const staged = stagePlain(join(outDir, stagingFileName(inventory.deskId, exporters[format].fileExtension)), inventory.store.batches.waitingRows(filter, { roster: needsRoster(plan) }), plan);
  return commitNewBatch(inventory, request, { format, outDir, since: filter.since, staged });
}

/**
 * `export --encrypt-to`: the same batch, streamed through age; only `<file>.age` reaches the disk.
 * The rows are read on a connection of their own while age encrypts (it awaits between blocks).
 */
export async function exportNewEncryptedBatch(inventory: Inventory, request: ExportRequest, recipients: string[]): Promise<ExportResult> {
  const { format, plan, outDir, filter } = planNewBatch(inventory, request);
  const target = join(outDir, `${stagingFileName(inventory.deskId, exporters[format].fileExtension)}${AGE_SUFFIX}`);
  const staged = await stageEncrypted(target, inventory.store.batches.waitingRows(filter, { ownConnection: true, roster: needsRoster(plan) }), plan, recipients);
  return commitNewBatch(inventory, request, { format, outDir, since: filter.since, staged });
}

function planNewBatch(inventory: Inventory, request: ExportRequest) {
  authorise(request.actor, 'export');
  const format: BatchFormat = request.format ?? 'entra-csv';
  const exporter = exporters[format];
  const filter = waitingFilter({ since: request.since, desk: request.desk });
  const outDir = resolve(request.outDir ?? inventory.paths.exports);
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const plan: RenderPlan = {
    exporter,
    layout: exporter.layout,
    vault: inventory.vault,
    skipUnsupported: request.skipUnsupported ?? false,
    purpose: 'export',
    options: request.options ?? {},
    ...(request.userName ? { userName: request.userName } : {}),
  };
  return { format, plan, outDir, filter };
}

function commitNewBatch(inventory: Inventory, request: ExportRequest, batch: { format: BatchFormat; outDir: string; since?: string; staged: Staged }): ExportResult {
  const { format, outDir, staged } = batch;
  const { store, deskId } = inventory;
  const { rendered } = staged;
  try {
    if (rendered.unsupported.length > 0 && !request.skipUnsupported) throw cannotCarry(format, rendered);
    request.faults?.at('rendered');
    const leftWaiting = rendered.unsupported;
    const now = new Date(request.now ?? Date.now());
    return commitUnderLock(inventory, { outDir, faults: request.faults }, (locked): ExportResult => {
      if (rendered.count === 0) return { manifest: null, leftWaiting, rewritten: false, orphaned: locked.orphaned };

      const prefix = batchNamePrefix(deskId, now);
      const name = nextBatchName(prefix, store.batches.numbersAfter(prefix));
      const fileName = batchFileName(name, exporters[format].fileExtension);
      const writtenName = staged.encryption ? `${fileName}${AGE_SUFFIX}` : fileName;
      const filePath = join(outDir, writtenName);
      const manifestPath = join(outDir, manifestFileName(name));
      const createdAt = now.toISOString();
      locked.placeFile(staged, filePath, { exclusive: true });
      // LinOTP and multiOTP: who gets which token, beside the file (their imports have no user columns).
      const listPath = join(outDir, assignmentListFileName(fileName));
      const listed = locked.placeCompanion(staged, listPath, { exclusive: true });

      const batchId = store.batches.insert({
        name,
        deskId,
        format,
        fileName,
        rowCount: rendered.count,
        sha256: rendered.sha256,
        createdAt,
        createdBy: request.actor.name,
        exportOptions: exportOptionsText(request),
      });
      recordBatchFile(inventory, batchId, filePath, staged.encryption ? 'encrypted' : 'body', createdAt);
      recordBatchFile(inventory, batchId, manifestPath, 'manifest', createdAt);
      if (listed) recordBatchFile(inventory, batchId, listPath, 'assignments', createdAt);
      // Every hand-out written must still be waiting exactly as read: one undone or exported meanwhile refuses all.
      const marked = store.batches.markExported(batchId, rendered.assignmentIds);
      if (marked.assignments !== rendered.count || marked.tokens !== rendered.count) {
        const serial = store.batches.racedSerial(batchId, rendered.assignmentIds);
        throw new Refusal(
          'export-raced',
          `${serial ? `token ${serial}` : 'a token'} changed while exporting (undone, or exported by another process); nothing was exported, try again`,
        );
      }
      const encrypted = encryptedInfo(writtenName, staged);
      const head = store.audit.append({
        actor: request.actor.name,
        deskId,
        action: 'export',
        at: createdAt,
        subject: {
          batch: name,
          format,
          count: rendered.count,
          sha256: rendered.sha256,
          file: fileName,
          since: batch.since,
          desk: request.desk,
          ...encryptedAuditFields(encrypted),
        },
      });
      const manifest: BatchManifest = {
        batch: name,
        deskId,
        format,
        layout: exporters[format].layout,
        file: fileName,
        count: rendered.count,
        sha256: rendered.sha256,
        createdAt,
        createdBy: request.actor.name,
        auditHead: { seq: head.seq, hash: head.hash },
        ...(encrypted ? { encrypted } : {}),
      };
      // The manifest is durable before the commit too: a committed batch always has both files.
      locked.publishManifest(manifestPath, manifest, staged, { exclusive: true });
      return { manifest: withoutLayoutOne(manifest), filePath, manifestPath, ...(listed ? { assignmentListPath: listPath } : {}), leftWaiting, rewritten: false, orphaned: locked.orphaned };
    });
  } finally {
    staged.discard();
  }
}

/**
 * `format-cannot-carry`, naming the tokens and a format that can carry them all: never the one
 * that was asked for. When none can, it says so.
 */
function cannotCarry(format: BatchFormat, rendered: { unsupported: Array<{ serial: string; reason: string }>; carriers: BatchFormat[] }): Refusal {
  const { unsupported } = rendered;
  // Advice stays within the admin's system: an Entra admin is never sent to LinOTP.
  const carrier = rendered.carriers.find((f) => f !== format && BATCH_TARGETS[f] === BATCH_TARGETS[format]);
  const listed =
    unsupported
      .slice(0, 5)
      .map((u) => `${u.serial} (${u.reason})`)
      .join(', ') + (unsupported.length > 5 ? ', ...' : '');
  const instead = carrier
    ? `Export with --format ${carrier}, or leave them waiting with --skip-unsupported`
    : `No other format tokendesk writes for ${BATCH_TARGETS[format]} can carry them all: leave them waiting with --skip-unsupported, or undo those hand-outs`;
  return new Refusal('format-cannot-carry', `${unsupported.length} token(s) cannot go in ${format}: ${listed}. ${instead}; nothing was written`, {
    unsupported,
    ...(carrier ? { suggestedFormat: carrier } : {}),
  });
}

/** What a rewrite needs to come out byte for byte: the format's options and where user names came from. */
function exportOptionsText(request: ExportRequest): string | null {
  const kept = { ...(request.options ?? {}), ...(request.userName && request.userName !== 'upn' ? { userName: request.userName } : {}) };
  return Object.keys(kept).length > 0 ? JSON.stringify(kept) : null;
}
