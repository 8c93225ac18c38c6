/**
 * exportBatch: verified hand-outs not yet in a batch become one file for the identity provider,
 * plus a manifest; or, with `batch`, an existing batch's file is written again, byte for byte.
 *
 * Crash safety. The whole export runs under the database write lock (BEGIN IMMEDIATE) and nothing
 * is written to the database until both files are durable (temp, fsync, rename, fsync folder); the
 * commit (synchronous=FULL) is the moment the batch exists. A crash before it leaves the database
 * as it was, plus at worst complete files under a batch name the database does not know: the next
 * export (or anyone calling `sweepOrphanedBatchFiles`) moves those to HOME/exports/orphaned/, so a
 * file under a batch name is always either a recorded batch or set aside, never half written.
 *
 * Encrypted batches (`exportEncryptedBatch`, age to X25519 recipients) take the same path: the file
 * is rendered and encrypted in memory before the lock (age is async, a transaction is not) and only
 * the encrypted bytes are ever written, as `<file>.age`; the database records the plaintext name and
 * sha256, the manifest both files.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Refusal } from '../core/errors.js';
import { exporters } from '../formats/index.js';
import type { BatchFormat, BatchRow, HashAlgorithm } from '../formats/types.js';
import { durably, type Inventory } from '../store/db.js';
import { TEMP_PREFIX, fsyncDir } from '../store/atomicFile.js';
import { authorise, type Actor } from './actor.js';
import { AGE_SUFFIX, encryptBatch } from './batchCrypto.js';

export interface ExportRequest {
  /** Default entra-csv for a new batch; with `batch`, the batch's own format (a different one is refused). */
  format?: BatchFormat;
  /** Folder for the batch file and manifest; default HOME/exports. */
  outDir?: string;
  /** Leave tokens the format cannot carry waiting, instead of refusing the export. */
  skipUnsupported?: boolean;
  /** Only hand-outs verified at or after this time (ISO 8601, e.g. 2026-11-29 or 2026-11-29T08:00Z). */
  since?: string;
  /** Only hand-outs made at this desk id (homes that took over another desk's database). */
  desk?: string;
  /** Write this existing batch (name like hq-20261129-1, or its number) again instead of a new one. */
  batch?: string | number;
  actor: Actor;
  now?: number;
  /** Test hook: called at each step; a test kills the process or throws there. */
  faults?: ExportFaults;
}

/** The points at which an export can be interrupted, in the order a new batch passes them (a plain rewrite renders under the lock; an encrypted one before it). */
export const EXPORT_STEPS = [
  'rendered',
  'locked',
  'file-temp-written',
  'file-in-place',
  'manifest-temp-written',
  'manifest-in-place',
  'committed',
] as const;
export type ExportStep = (typeof EXPORT_STEPS)[number];

export interface ExportFaults {
  at(step: ExportStep): void;
}

export interface BatchManifest {
  batch: string;
  deskId: string;
  format: BatchFormat;
  /** The batch file's name; for an encrypted batch, the name `batch decrypt` gives the plaintext. */
  file: string;
  count: number;
  /** Of the plaintext batch file, encrypted or not. */
  sha256: string;
  createdAt: string;
  createdBy: string;
  /** The audit chain head after this export, to match the upload to the trail. */
  auditHead: { seq: number; hash: string };
  /** Present when the batch file was written only encrypted. */
  encrypted?: EncryptedFileInfo;
}

export interface EncryptedFileInfo {
  /** Standard age v1, binary: `age -d -i key.txt FILE` decrypts it too. */
  format: 'age';
  /** The file actually written: `<file>.age`. */
  file: string;
  /** Of the encrypted file. */
  sha256: string;
  /** The public keys it was encrypted to; any one of their identities decrypts it. */
  recipients: string[];
}

export interface ExportResult {
  /** Null when nothing was waiting. */
  manifest: BatchManifest | null;
  /** The file written: for an encrypted batch, the `.age` file (no plaintext is written). */
  filePath?: string;
  manifestPath?: string;
  /** Tokens left waiting because the format cannot carry them. */
  leftWaiting: Array<{ serial: string; reason: string }>;
  /** True when an existing batch was written again (`batch`). */
  rewritten: boolean;
  /** Files of earlier interrupted exports that were set aside before this one. */
  orphaned: OrphanReport;
}

interface StoredRow {
  assignmentId: number;
  tokenId: number;
  serial: string;
  sealed: Buffer | null;
  purgedAt: string | null;
  algorithm: HashAlgorithm;
  digits: number;
  period: number;
  manufacturer: string;
  model: string;
  upn: string;
  displayName: string;
  offsetSteps: number;
  verifiedAt: string;
}

type RowWithIds = BatchRow & { assignmentId: number; tokenId: number };

const ROW_COLUMNS = `a.id AS assignmentId, t.id AS tokenId, t.serial, t.sealed_secret AS sealed, t.secret_purged_at AS purgedAt,
  t.algorithm, t.digits, t.period, t.manufacturer, t.model, a.upn, a.display_name AS displayName,
  a.offset_steps AS offsetSteps, a.verified_at AS verifiedAt`;

/** Waiting = verified, not undone, not in a batch. Export order (and so file order) is verified_at, id. */
export const WAITING_WHERE = "a.batch_id IS NULL AND a.undone_at IS NULL AND t.status = 'assigned'";
export const BATCH_ROW_ORDER = 'ORDER BY a.verified_at, a.id';

export interface WaitingFilter {
  since?: string;
  desk?: string;
}

/** The SQL condition and parameters for `--since` / `--desk`. */
export function waitingFilterSql(filter: WaitingFilter): { where: string; params: string[] } {
  let where = WAITING_WHERE;
  const params: string[] = [];
  if (filter.since !== undefined) {
    where += ' AND a.verified_at >= ?';
    params.push(normaliseSince(filter.since));
  }
  if (filter.desk !== undefined) {
    where += ' AND a.desk_id = ?';
    params.push(filter.desk);
  }
  return { where, params };
}

/** verified_at is stored as toISOString(); compare against the same spelling. */
export function normaliseSince(since: string): string {
  const trimmed = since.trim();
  const time = /^\d{4}-\d{2}-\d{2}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new Refusal('bad-since', `--since "${since}" is not a date or time; write it like 2026-11-29 or 2026-11-29T08:00:00Z`);
  }
  return new Date(time).toISOString();
}

export function exportBatch(inventory: Inventory, request: ExportRequest): ExportResult {
  authorise(request.actor, 'export');
  if (request.batch !== undefined) return rewriteBatch(inventory, request);
  const prepared = prepareNewBatch(inventory, request);
  request.faults?.at('rendered');
  return commitNewBatch(inventory, request, prepared, null);
}

export interface EncryptedExportRequest extends ExportRequest {
  /** age X25519 recipients (age1...); the batch file is written only encrypted to them. */
  encryptTo: string[];
}

/**
 * `export --encrypt-to`: the same batch as `exportBatch` (new, or with `batch` written again), but
 * the file is encrypted in memory and only `<file>.age` is written. Plaintext never touches disk.
 */
export async function exportEncryptedBatch(inventory: Inventory, request: EncryptedExportRequest): Promise<ExportResult> {
  authorise(request.actor, 'export');
  const recipients = [...new Set(request.encryptTo.map((r) => r.trim()))];
  if (recipients.length === 0) throw new Refusal('no-recipients', 'an encrypted export needs at least one recipient (age1...)');
  if (request.batch !== undefined) return rewriteBatchEncrypted(inventory, request, recipients);
  const prepared = prepareNewBatch(inventory, request);
  let encrypted: Encryption | null = null;
  if (prepared.bytes !== null) {
    try {
      encrypted = { recipients, bytes: await encryptBatch(prepared.bytes, recipients) };
    } finally {
      prepared.bytes.fill(0);
    }
  }
  request.faults?.at('rendered');
  return commitNewBatch(inventory, request, prepared, encrypted);
}

interface PreparedBatch {
  format: BatchFormat;
  fileExtension: string;
  /** The rows going in the batch (their secrets already wiped). */
  batchRows: RowWithIds[];
  unsupported: Array<{ serial: string; reason: string }>;
  /** The rendered file, or null when nothing is waiting. */
  bytes: Uint8Array | null;
  sha256: string;
}

interface Encryption {
  recipients: string[];
  /** The age file to write instead of the plaintext. */
  bytes: Uint8Array;
}

/** Read, decrypt and render, before the write lock (see exportBatch). */
function prepareNewBatch(inventory: Inventory, request: ExportRequest): PreparedBatch {
  const format = request.format ?? 'entra-csv';
  const exporter = exporters[format];
  const { sqlite } = inventory;
  const filter = waitingFilterSql({ since: request.since, desk: request.desk });

  // Read, decrypt and render before taking the write lock: for 100,000 rows that is seconds, and
  // the desk keeps handing out meanwhile. A hand-out made meanwhile simply waits for the next batch.
  const waiting = sqlite
    .prepare(`SELECT ${ROW_COLUMNS} FROM assignments a JOIN tokens t ON t.id = a.token_id WHERE ${filter.where} ${BATCH_ROW_ORDER}`)
    .all(...filter.params) as StoredRow[];
  const rows = waiting.map((w) => openRow(inventory, w, 'export'));
  waiting.length = 0;
  const unsupported = exporter.unsupported(rows);
  if (unsupported.length > 0 && !request.skipUnsupported) {
    for (const row of rows) row.secret.fill(0);
    throw new Refusal(
      'format-cannot-carry',
      `${unsupported.length} token(s) cannot go in ${format}: ` +
        unsupported
          .slice(0, 5)
          .map((u) => `${u.serial} (${u.reason})`)
          .join(', ') +
        (unsupported.length > 5 ? ', ...' : '') +
        '. Export with --format graph-json, or leave them waiting with --skip-unsupported; nothing was written',
      { unsupported },
    );
  }
  const skip = new Set(unsupported.map((u) => u.serial));
  const batchRows = rows.filter((r) => !skip.has(r.serial));
  const bytes = batchRows.length > 0 ? exporter.render(batchRows) : null;
  const sha256 = bytes ? sha256Hex(bytes) : '';
  for (const row of rows) row.secret.fill(0);
  return { format, fileExtension: exporter.fileExtension, batchRows, unsupported, bytes, sha256 };
}

/** Under the write lock: name the batch, put the file and manifest in place, record it, commit. */
function commitNewBatch(inventory: Inventory, request: ExportRequest, prepared: PreparedBatch, encrypted: Encryption | null): ExportResult {
  const { sqlite, deskId } = inventory;
  const { format, batchRows, unsupported, bytes, sha256 } = prepared;
  const now = new Date(request.now ?? Date.now());
  const outDir = resolve(request.outDir ?? inventory.paths.exports);
  const faults = request.faults;
  const audit = inventory.store.audit;
  const written: string[] = [];

  let result: ExportResult;
  try {
    result = durably(sqlite, () => sqlite
      .transaction((): ExportResult => {
        faults?.at('locked');
        // Under the lock: no other export can be between its rename and its commit now.
        mkdirSync(outDir, { recursive: true, mode: 0o700 });
        const orphaned = sweepUnderLock(inventory, [outDir]);
        if (bytes === null) return { manifest: null, leftWaiting: unsupported, rewritten: false, orphaned };

        const name = nextBatchName(inventory, now);
        const fileName = `tokendesk-${name}.${prepared.fileExtension}`;
        const writtenName = encrypted ? `${fileName}${AGE_SUFFIX}` : fileName;
        const filePath = join(outDir, writtenName);
        const manifestPath = join(outDir, manifestFileName(name));
        for (const path of [filePath, manifestPath]) {
          if (existsSync(path)) throw new Refusal('file-exists', `${path} already exists; move it away or choose another --out folder. Nothing was exported`);
        }
        const createdAt = now.toISOString();

        publishFile(filePath, encrypted ? encrypted.bytes : bytes, { exclusive: true, written, faults, step: 'file' });
        const encryptedInfo = encrypted ? encryptedFileInfo(writtenName, encrypted) : undefined;

        const batchId = Number(
          sqlite
            .prepare(
              `INSERT INTO batches (name, desk_id, format, file_name, row_count, sha256, created_at, created_by)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(name, deskId, format, fileName, batchRows.length, sha256, createdAt, request.actor.name).lastInsertRowid,
        );
        // Each row must still be waiting, exactly as read: undone or exported meanwhile refuses all.
        const mark = sqlite.prepare('UPDATE assignments SET batch_id = ? WHERE id = ? AND batch_id IS NULL AND undone_at IS NULL');
        const exported = sqlite.prepare("UPDATE tokens SET status = 'exported' WHERE id = ? AND status = 'assigned'");
        for (const row of batchRows) {
          if (mark.run(batchId, row.assignmentId).changes !== 1 || exported.run(row.tokenId).changes !== 1) {
            throw new Refusal('export-raced', `token ${row.serial} changed while exporting (undone, or exported by another process); nothing was exported, try again`);
          }
        }
        const head = audit.append({
          actor: request.actor.name,
          deskId,
          action: 'export',
          at: createdAt,
          subject: {
            batch: name,
            format,
            count: batchRows.length,
            sha256,
            file: fileName,
            since: request.since === undefined ? undefined : normaliseSince(request.since),
            desk: request.desk,
            ...encryptedAuditFields(encryptedInfo),
          },
        });
        const manifest: BatchManifest = {
          batch: name,
          deskId,
          format,
          file: fileName,
          count: batchRows.length,
          sha256,
          createdAt,
          createdBy: request.actor.name,
          auditHead: { seq: head.seq, hash: head.hash },
          ...(encryptedInfo ? { encrypted: encryptedInfo } : {}),
        };
        // The manifest is durable before the commit too: a committed batch always has both files.
        publishFile(manifestPath, manifestBytes(manifest), { exclusive: true, written, faults, step: 'manifest' });
        return { manifest, filePath, manifestPath, leftWaiting: unsupported, rewritten: false, orphaned };
      })
      .immediate());
  } catch (error) {
    // Rolled back: take away what this export put in place, so nothing changed.
    for (const path of written) if (existsSync(path)) unlinkSync(path);
    throw error;
  }
  // Committed: from here on a crash leaves a complete batch.
  faults?.at('committed');
  return result;
}

function encryptedFileInfo(fileName: string, encrypted: Encryption): EncryptedFileInfo {
  return { format: 'age', file: fileName, sha256: sha256Hex(encrypted.bytes), recipients: encrypted.recipients };
}

/** The audit entry says that the batch left encrypted and to how many keys; never which secret. */
function encryptedAuditFields(info: EncryptedFileInfo | undefined): Record<string, unknown> {
  return info ? { encrypted: true, recipients: info.recipients.length, encryptedFile: info.file, encryptedSha256: info.sha256 } : {};
}

interface RewritePlan {
  batch: BatchRecord;
  format: BatchFormat;
  outDir: string;
  now: Date;
}

/** `export --batch ID`: the same rows in the same order through the same exporter: the same bytes. */
function rewriteBatch(inventory: Inventory, request: ExportRequest): ExportResult {
  const plan = planRewrite(inventory, request);
  const faults = request.faults;
  // A failure after a file was replaced leaves the batch's own bytes there: nothing to undo.
  const result = durably(inventory.sqlite, () =>
    inventory.sqlite
      .transaction((): ExportResult => {
        faults?.at('locked');
        mkdirSync(plan.outDir, { recursive: true, mode: 0o700 });
        const orphaned = sweepUnderLock(inventory, [plan.outDir]);
        const bytes = renderRewrite(inventory, plan);
        faults?.at('rendered');
        return publishRewrite(inventory, request, plan, bytes, null, orphaned);
      })
      .immediate(),
  );
  faults?.at('committed');
  return result;
}

/**
 * `export --batch ID --encrypt-to`: rendered and encrypted before the lock (age is async), checked
 * again under the lock (not voided, no seed purged meanwhile), then written like any rewrite.
 */
async function rewriteBatchEncrypted(inventory: Inventory, request: ExportRequest, recipients: string[]): Promise<ExportResult> {
  const plan = planRewrite(inventory, request);
  const faults = request.faults;
  const plaintext = renderRewrite(inventory, plan);
  let encrypted: Encryption;
  try {
    encrypted = { recipients, bytes: await encryptBatch(plaintext, recipients) };
  } finally {
    plaintext.fill(0);
  }
  faults?.at('rendered');
  const result = durably(inventory.sqlite, () =>
    inventory.sqlite
      .transaction((): ExportResult => {
        faults?.at('locked');
        mkdirSync(plan.outDir, { recursive: true, mode: 0o700 });
        const orphaned = sweepUnderLock(inventory, [plan.outDir]);
        const now = findBatch(inventory, plan.batch.id);
        if (now.status === 'void') throw new Refusal('batch-void', `batch ${now.name} was voided while it was being encrypted; nothing was written`);
        loadRewriteRows(inventory, plan.batch);
        return publishRewrite(inventory, request, plan, encrypted.bytes, encrypted, orphaned);
      })
      .immediate(),
  );
  faults?.at('committed');
  return result;
}

/** The checks before a batch is written again, and where. */
function planRewrite(inventory: Inventory, request: ExportRequest): RewritePlan {
  const batch = findBatch(inventory, request.batch!);
  if (request.since !== undefined || request.desk !== undefined || request.skipUnsupported) {
    throw new Refusal('bad-request', '--batch writes an existing batch again exactly as it was: --since, --desk and --skip-unsupported do not apply');
  }
  if (batch.status === 'void') {
    throw new Refusal('batch-void', `batch ${batch.name} was voided (${batch.voidReason ?? 'no reason given'}); its hand-outs went back to waiting: export them as a new batch`);
  }
  const format = batch.format as BatchFormat;
  if (!(format in exporters)) throw new Refusal('unknown-format', `batch ${batch.name} has format "${batch.format}", which this version cannot write`);
  if (request.format !== undefined && request.format !== format) {
    throw new Refusal('format-differs', `batch ${batch.name} is ${format}; it can only be written again as ${format} (leave out --format)`);
  }
  return { batch, format, outDir: resolve(request.outDir ?? inventory.paths.exports), now: new Date(request.now ?? Date.now()) };
}

/** The batch's stored rows, refused when a seed was purged or the batch changed. */
function loadRewriteRows(inventory: Inventory, batch: BatchRecord): StoredRow[] {
  const stored = inventory.sqlite
    .prepare(`SELECT ${ROW_COLUMNS} FROM assignments a JOIN tokens t ON t.id = a.token_id WHERE a.batch_id = ? ${BATCH_ROW_ORDER}`)
    .all(batch.id) as StoredRow[];
  const purged = stored.filter((r) => r.sealed === null);
  if (purged.length > 0) {
    throw new Refusal(
      'seeds-purged',
      `batch ${batch.name} cannot be written again: the seeds of ${purged.length} of its ${stored.length} token(s) were purged after upload` +
        `${purged[0]!.purgedAt ? ` (${purged[0]!.purgedAt})` : ''}. The tokens are in the identity provider; nothing was written`,
      { purged: purged.length },
    );
  }
  if (stored.length !== batch.rowCount) {
    throw new Refusal('batch-changed', `batch ${batch.name} had ${batch.rowCount} token(s) but ${stored.length} are recorded in it now; nothing was written`);
  }
  return stored;
}

/** The batch's file again, checked byte for byte against the recorded sha256. */
function renderRewrite(inventory: Inventory, plan: RewritePlan): Uint8Array {
  const { batch, format } = plan;
  const rows = loadRewriteRows(inventory, batch).map((w) => openRow(inventory, w, 'rewrite'));
  const bytes = exporters[format].render(rows);
  for (const row of rows) row.secret.fill(0);
  const sha256 = sha256Hex(bytes);
  if (sha256 !== batch.sha256) {
    bytes.fill(0);
    throw new Refusal(
      'rewrite-differs',
      `batch ${batch.name} would not come out byte for byte as exported (sha256 ${sha256.slice(0, 12)}... instead of ${batch.sha256.slice(0, 12)}...); ` +
        'was tokendesk upgraded since? Nothing was written',
    );
  }
  return bytes;
}

/** Under the lock: the file (plain, or its `.age`) and the manifest replaced, and the audit entry. */
function publishRewrite(
  inventory: Inventory,
  request: ExportRequest,
  plan: RewritePlan,
  bytes: Uint8Array,
  encrypted: Encryption | null,
  orphaned: OrphanReport,
): ExportResult {
  const { sqlite, deskId } = inventory;
  const { batch, format, outDir } = plan;
  const faults = request.faults;
  const exportEntry = sqlite
    .prepare("SELECT seq, hash FROM audit_log WHERE action = 'export' AND json_extract(subject, '$.batch') = ? ORDER BY seq LIMIT 1")
    .get(batch.name) as { seq: number; hash: string } | undefined;
  if (!exportEntry) throw new Refusal('audit-missing', `the audit trail has no export entry for batch ${batch.name}; run \`tokendesk audit verify\``);
  const writtenName = encrypted ? `${batch.fileName}${AGE_SUFFIX}` : batch.fileName;
  const encryptedInfo = encrypted ? encryptedFileInfo(writtenName, encrypted) : undefined;
  const manifest: BatchManifest = {
    batch: batch.name,
    deskId: batch.deskId,
    format,
    file: batch.fileName,
    count: batch.rowCount,
    sha256: batch.sha256,
    createdAt: batch.createdAt,
    createdBy: batch.createdBy,
    auditHead: { seq: exportEntry.seq, hash: exportEntry.hash },
    ...(encryptedInfo ? { encrypted: encryptedInfo } : {}),
  };
  const filePath = join(outDir, writtenName);
  const manifestPath = join(outDir, manifestFileName(batch.name));
  // Replacing a file under this batch's name with the batch's own bytes is always right.
  publishFile(filePath, bytes, { exclusive: false, written: [], faults, step: 'file' });
  publishFile(manifestPath, manifestBytes(manifest), { exclusive: false, written: [], faults, step: 'manifest' });
  inventory.store.audit.append({
    actor: request.actor.name,
    deskId,
    action: 'rewrite-batch',
    at: plan.now.toISOString(),
    subject: { batch: batch.name, format, count: batch.rowCount, sha256: batch.sha256, file: batch.fileName, ...encryptedAuditFields(encryptedInfo) },
  });
  return { manifest, filePath, manifestPath, leftWaiting: [], rewritten: true, orphaned };
}

function openRow(inventory: Inventory, w: StoredRow, why: 'export' | 'rewrite'): RowWithIds {
  if (w.sealed === null) {
    throw new Refusal(
      'seed-purged',
      why === 'export'
        ? `token ${w.serial} has no seed any more (purged${w.purgedAt ? ` ${w.purgedAt}` : ''}); undo its hand-out. Nothing was written`
        : `token ${w.serial} has no seed any more; nothing was written`,
    );
  }
  return {
    assignmentId: w.assignmentId,
    tokenId: w.tokenId,
    upn: w.upn,
    serial: w.serial,
    secret: inventory.vault.open(w.serial, w.sealed),
    algorithm: w.algorithm,
    digits: w.digits,
    period: w.period,
    manufacturer: w.manufacturer,
    model: w.model,
    displayName: w.displayName,
    offsetSteps: w.offsetSteps,
    verifiedAt: w.verifiedAt,
  };
}

export interface BatchRecord {
  id: number;
  name: string;
  deskId: string;
  format: string;
  fileName: string;
  rowCount: number;
  sha256: string;
  status: 'exported' | 'uploaded' | 'void';
  createdAt: string;
  createdBy: string;
  uploadedAt: string | null;
  voidedAt: string | null;
  voidReason: string | null;
}

/** A batch by its name (hq-20261129-1) or its number (3 or "#3"). */
export function findBatch(inventory: Inventory, idOrName: string | number): BatchRecord {
  const select = `SELECT id, name, desk_id AS deskId, format, file_name AS fileName, row_count AS rowCount, sha256, status,
    created_at AS createdAt, created_by AS createdBy, uploaded_at AS uploadedAt, voided_at AS voidedAt, void_reason AS voidReason
    FROM batches`;
  const text = String(idOrName).trim();
  const byName = inventory.sqlite.prepare(`${select} WHERE name = ?`).get(text) as BatchRecord | undefined;
  if (byName) return byName;
  const number = /^#?\d{1,15}$/.test(text) ? Number(text.replace('#', '')) : null;
  const byId = number === null ? undefined : (inventory.sqlite.prepare(`${select} WHERE id = ?`).get(number) as BatchRecord | undefined);
  if (byId) return byId;
  throw new Refusal('unknown-batch', `there is no batch "${text}" in this home; \`tokendesk batch list\` shows the batches`);
}

export function manifestFileName(batchName: string): string {
  return `tokendesk-${batchName}.manifest.json`;
}

function manifestBytes(manifest: BatchManifest): Uint8Array {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** <desk>-<yyyymmdd>-<n>: readable on a USB stick, unique across desks sharing one seed file. */
function nextBatchName(inventory: Inventory, now: Date): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  const prefix = `${inventory.deskId}-${day}-`;
  const names = inventory.sqlite
    .prepare("SELECT name FROM batches WHERE substr(name, 1, ?) = ?")
    .all(prefix.length, prefix) as Array<{ name: string }>;
  let highest = 0;
  for (const { name } of names) {
    const n = Number(name.slice(prefix.length));
    if (Number.isSafeInteger(n) && n > highest) highest = n;
  }
  return `${prefix}${highest + 1}`;
}

/* ------------------------------------------------------------- files */

interface PublishOptions {
  /** Refuse when the target exists (a new batch), instead of replacing it (a rewrite). */
  exclusive: boolean;
  /** Paths put in place, for the clean-up on roll-back. */
  written: string[];
  faults?: ExportFaults;
  step: 'file' | 'manifest';
}

/** Temp file beside the target, fsync, rename, fsync the folder: the target is whole or absent. */
export function publishFile(target: string, bytes: Uint8Array, options: PublishOptions): void {
  const dir = dirname(target);
  const temp = join(dir, `${TEMP_PREFIX}${basename(target)}.${randomBytes(4).toString('hex')}`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    let offset = 0;
    while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  try {
    options.faults?.at(`${options.step}-temp-written`);
    if (options.exclusive && existsSync(target)) {
      throw new Refusal('file-exists', `${target} appeared while exporting; nothing was exported`);
    }
    renameSync(temp, target);
  } catch (error) {
    if (existsSync(temp)) unlinkSync(temp);
    throw error;
  }
  options.written.push(target);
  fsyncDir(dir);
  options.faults?.at(`${options.step}-in-place`);
}

export interface OrphanReport {
  /** Batch files whose batch the database does not know, moved to HOME/exports/orphaned/. */
  moved: Array<{ from: string; to: string }>;
  /** Temp files of interrupted writes, removed. */
  removedTemps: string[];
}

/**
 * Sets aside what an interrupted export left: this desk's batch files whose batch name is not in
 * the database (moved to HOME/exports/orphaned/, never deleted: they hold seeds, so the admin
 * decides) and this desk's temp files. Takes the write lock, so it never touches the files of an
 * export running in another process. Cheap enough to call at every start.
 */
export function sweepOrphanedBatchFiles(inventory: Inventory, dirs: string[] = []): OrphanReport {
  const { sqlite } = inventory;
  if (sqlite.inTransaction) return sweepUnderLock(inventory, dirs);
  return sqlite.transaction(() => sweepUnderLock(inventory, dirs)).immediate();
}

function sweepUnderLock(inventory: Inventory, extraDirs: string[]): OrphanReport {
  const report: OrphanReport = { moved: [], removedTemps: [] };
  const home = resolve(inventory.paths.exports);
  const dirs = [...new Set([home, ...extraDirs.map((d) => resolve(d))])];
  const desk = inventory.deskId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // An encrypted batch's file is <name>.<ext>.age.
  const batchFile = new RegExp(`^tokendesk-(${desk}-\\d{8}-\\d+)\\.(?:manifest\\.json|[a-z]+(?:\\.age)?)$`);
  const tempFile = new RegExp(`^${TEMP_PREFIX.replace('.', '\\.')}tokendesk-${desk}-\\d{8}-\\d+\\.`);
  const known = inventory.sqlite.prepare('SELECT 1 FROM batches WHERE name = ?');
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (tempFile.test(name)) {
        unlinkSync(path);
        report.removedTemps.push(path);
        continue;
      }
      const match = batchFile.exec(name);
      if (!match || known.get(match[1]!)) continue;
      report.moved.push({ from: path, to: moveToOrphaned(inventory, path) });
    }
  }
  return report;
}

function moveToOrphaned(inventory: Inventory, path: string): string {
  const folder = join(inventory.paths.exports, 'orphaned');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  let target = join(folder, basename(path));
  for (let i = 2; existsSync(target); i++) target = join(folder, `${basename(path)}.${i}`);
  try {
    renameSync(path, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    // Another file system (a USB stick): copy, make it durable, then remove the original.
    copyFileSync(path, target);
    const fd = openSync(target, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(path);
    fsyncDir(dirname(path));
  }
  fsyncDir(folder);
  return target;
}
