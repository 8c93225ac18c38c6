/**
 * `export --batch ID`: an existing batch's file and manifest written again from its stored rows,
 * byte for byte (same rows, same order, same exporter), plain or encrypted. Nothing is put in
 * place unless the rows come out with the sha256 recorded at export.
 *
 * The batch row records the file's sha256, not its layout: the layout is the one whose bytes have
 * that sha256, newest first (graph-json batches made before layout 2 come out in layout 1).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Refusal } from '../../core/errors.js';
import { assignmentListFileName, exporters, type BatchExporter, type BatchFormat, type BatchManifest, type ExportOptions } from '../../formats/index.js';
import type { BatchRecord } from '../../store/batchRepo.js';
import type { Inventory } from '../../store/db.js';
import { authorise } from '../actor.js';
import { AGE_SUFFIX, manifestFileName } from './names.js';
import { commitUnderLock, encryptedAuditFields, encryptedInfo, stageEncrypted, stagePlain, withoutLayoutOne, type Staged } from './publish.js';
import { needsRoster, type RenderPlan, type UserNameSource } from './render.js';
import type { ExportRequest, ExportResult } from './types.js';
import { findBatch } from './find.js';
import { recordBatchFile } from './files.js';

interface RewritePlan {
  batch: BatchRecord;
  format: BatchFormat;
  exporter: BatchExporter;
  outDir: string;
  now: Date;
}

export function rewriteBatch(inventory: Inventory, request: ExportRequest): ExportResult {
  const plan = planRewrite(inventory, request);
  const target = join(plan.outDir, plan.batch.fileName);
  for (const layout of plan.exporter.layouts) {
    const render = renderPlan(inventory, plan, layout);
    const staged = stagePlain(target, inventory.store.batches.rowsOf(plan.batch.id, { roster: needsRoster(render) }), render);
    if (matches(staged, plan.batch)) return commitRewrite(inventory, request, plan, staged, layout);
    staged.discard();
  }
  throw differs(plan.batch);
}

export async function rewriteBatchEncrypted(inventory: Inventory, request: ExportRequest, recipients: string[]): Promise<ExportResult> {
  const plan = planRewrite(inventory, request);
  const target = join(plan.outDir, `${plan.batch.fileName}${AGE_SUFFIX}`);
  for (const layout of plan.exporter.layouts) {
    const render = renderPlan(inventory, plan, layout);
    const staged = await stageEncrypted(target, inventory.store.batches.rowsOf(plan.batch.id, { ownConnection: true, roster: needsRoster(render) }), render, recipients);
    if (matches(staged, plan.batch)) return commitRewrite(inventory, request, plan, staged, layout);
    staged.discard();
  }
  throw differs(plan.batch);
}

/** The checks before a batch is written again, and where. */
function planRewrite(inventory: Inventory, request: ExportRequest): RewritePlan {
  authorise(request.actor, 'export');
  const batch = findBatch(inventory, request.batch!);
  if (request.since !== undefined || request.desk !== undefined || request.skipUnsupported) {
    throw new Refusal('bad-request', '--batch writes an existing batch again exactly as it was: --since, --desk and --skip-unsupported do not apply');
  }
  refuseUnlessWritable(inventory, batch);
  if (!(batch.format in exporters)) throw new Refusal('unknown-format', `batch ${batch.name} has format "${batch.format}", which this version cannot write`);
  const format = batch.format as BatchFormat; // checked just above
  if (request.format !== undefined && request.format !== format) {
    throw new Refusal('format-differs', `batch ${batch.name} is ${format}; it can only be written again as ${format} (leave out --format)`);
  }
  const outDir = resolve(request.outDir ?? inventory.paths.exports);
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  return { batch, format, exporter: exporters[format], outDir, now: new Date(request.now ?? Date.now()) };
}

/** Refused when the batch was voided, a seed purged, or its rows changed; checked again under the lock. */
function refuseUnlessWritable(inventory: Inventory, batch: BatchRecord): void {
  if (batch.status === 'void') {
    throw new Refusal('batch-void', `batch ${batch.name} was voided (${batch.voidReason ?? 'no reason given'}); its hand-outs went back to waiting: export them as a new batch`);
  }
  const seeds = inventory.store.batches.seedState(batch.id);
  if (seeds.purged > 0) {
    throw new Refusal(
      'seeds-purged',
      `batch ${batch.name} cannot be written again: the seeds of ${seeds.purged} of its ${seeds.rows} token(s) were purged after upload` +
        `${seeds.firstPurgedAt ? ` (${seeds.firstPurgedAt})` : ''}. The tokens are in the identity provider; nothing was written`,
      { purged: seeds.purged },
    );
  }
  if (seeds.rows !== batch.rowCount) {
    throw new Refusal('batch-changed', `batch ${batch.name} had ${batch.rowCount} token(s) but ${seeds.rows} are recorded in it now; nothing was written`);
  }
}

function renderPlan(inventory: Inventory, plan: RewritePlan, layout: number): RenderPlan {
  // The options the batch was exported with (realm, resolver...): the same bytes need the same options.
  const { userName, ...options } = plan.batch.exportOptions ? (JSON.parse(plan.batch.exportOptions) as ExportOptions & { userName?: UserNameSource }) : {};
  return { exporter: plan.exporter, layout, vault: inventory.vault, skipUnsupported: false, purpose: 'rewrite', options, ...(userName ? { userName } : {}) };
}

function matches(staged: Staged, batch: BatchRecord): boolean {
  return staged.rendered.sha256 === batch.sha256 && staged.rendered.count === batch.rowCount;
}

function differs(batch: BatchRecord): Refusal {
  return new Refusal(
    'rewrite-differs',
    `batch ${batch.name} would not come out byte for byte as exported (its rows no longer give sha256 ${batch.sha256.slice(0, 12)}...); ` +
      'were its stored rows changed, or tokendesk downgraded since? Nothing was written',
  );
}

/** Under the lock: still writable, then the file (plain, or its `.age`) and the manifest replaced, and the audit entry. */
function commitRewrite(inventory: Inventory, request: ExportRequest, plan: RewritePlan, staged: Staged, layout: number): ExportResult {
  const { store, deskId } = inventory;
  const { batch, format, outDir } = plan;
  try {
    request.faults?.at('rendered');
    return commitUnderLock(inventory, { outDir, faults: request.faults }, (locked): ExportResult => {
      const current = store.batches.byId(batch.id);
      if (!current) throw new Refusal('unknown-batch', `batch ${batch.name} is gone from this home; nothing was written`);
      if (current.status === 'void') throw new Refusal('batch-void', `batch ${batch.name} was voided while it was being written; nothing was written`);
      refuseUnlessWritable(inventory, current);
      const exportEntry = store.audit.exportEntryOf(batch.name);
      if (!exportEntry) throw new Refusal('audit-missing', `the audit trail has no export entry for batch ${batch.name}; run \`tokendesk audit verify\``);

      const writtenName = staged.encryption ? `${batch.fileName}${AGE_SUFFIX}` : batch.fileName;
      const encrypted = encryptedInfo(writtenName, staged);
      const manifest: BatchManifest = {
        batch: batch.name,
        deskId: batch.deskId,
        format,
        layout,
        file: batch.fileName,
        count: batch.rowCount,
        sha256: batch.sha256,
        createdAt: batch.createdAt,
        createdBy: batch.createdBy,
        auditHead: { seq: exportEntry.seq, hash: exportEntry.hash },
        ...(encrypted ? { encrypted } : {}),
      };
      const filePath = join(outDir, writtenName);
      const manifestPath = join(outDir, manifestFileName(batch.name));
      // Replacing a file under this batch's name with the batch's own bytes is always right.
      locked.placeFile(staged, filePath, { exclusive: false });
      const listPath = join(outDir, assignmentListFileName(batch.fileName));
      const listed = locked.placeCompanion(staged, listPath, { exclusive: false });
      locked.publishManifest(manifestPath, manifest, staged, { exclusive: false });
      recordBatchFile(inventory, batch.id, filePath, staged.encryption ? 'encrypted' : 'body', plan.now.toISOString());
      recordBatchFile(inventory, batch.id, manifestPath, 'manifest', plan.now.toISOString());
      if (listed) recordBatchFile(inventory, batch.id, listPath, 'assignments', plan.now.toISOString());
      store.audit.append({
        actor: request.actor.name,
        deskId,
        action: 'rewrite-batch',
        at: plan.now.toISOString(),
        subject: { batch: batch.name, format, count: batch.rowCount, sha256: batch.sha256, file: batch.fileName, ...encryptedAuditFields(encrypted) },
      });
      return { manifest: withoutLayoutOne(manifest), filePath, manifestPath, ...(listed ? { assignmentListPath: listPath } : {}), leftWaiting: [], rewritten: true, orphaned: locked.orphaned };
    });
  } finally {
    staged.discard();
  }
}
