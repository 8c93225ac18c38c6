/**
 * exportBatch: every verified hand-out not yet in a batch becomes one file for the identity
 * provider, plus a manifest. The file is durable (temp, fsync, rename, 0600) before the database
 * says the assignments are exported; if the commit fails the files are removed, so a batch exists
 * whole or not at all.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Refusal } from '../core/errors.js';
import { exporters } from '../formats/index.js';
import type { BatchFormat, BatchRow, HashAlgorithm } from '../formats/types.js';
import type { Inventory } from '../store/db.js';
import { AuditLog } from '../store/auditLog.js';
import { writeFileAtomic } from '../store/atomicFile.js';
import { authorise, type Actor } from './actor.js';

export interface ExportRequest {
  format: BatchFormat;
  /** Folder for the batch file and manifest; default HOME/exports. */
  outDir?: string;
  /** Leave tokens the format cannot carry waiting, instead of refusing the export. */
  skipUnsupported?: boolean;
  actor: Actor;
  now?: number;
}

export interface BatchManifest {
  batch: string;
  deskId: string;
  format: BatchFormat;
  file: string;
  count: number;
  sha256: string;
  createdAt: string;
  createdBy: string;
  /** The audit chain head after this export, to match the upload to the trail. */
  auditHead: { seq: number; hash: string };
}

export interface ExportResult {
  /** Null when nothing was waiting. */
  manifest: BatchManifest | null;
  filePath?: string;
  manifestPath?: string;
  /** Tokens left waiting because the format cannot carry them. */
  leftWaiting: Array<{ serial: string; reason: string }>;
}

interface WaitingRow {
  assignmentId: number;
  tokenId: number;
  serial: string;
  sealed: Buffer | null;
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

export function exportBatch(inventory: Inventory, request: ExportRequest): ExportResult {
  authorise(request.actor, 'export');
  const exporter = exporters[request.format];
  const { sqlite, vault, deskId } = inventory;
  const now = new Date(request.now ?? Date.now());
  const waiting = sqlite
    .prepare(
      `SELECT a.id AS assignmentId, t.id AS tokenId, t.serial, t.sealed_secret AS sealed, t.algorithm, t.digits, t.period,
              t.manufacturer, t.model, a.upn, a.display_name AS displayName, a.offset_steps AS offsetSteps, a.verified_at AS verifiedAt
         FROM assignments a JOIN tokens t ON t.id = a.token_id
        WHERE a.batch_id IS NULL AND a.undone_at IS NULL AND t.status = 'assigned'
        ORDER BY a.verified_at, a.id`,
    )
    .all() as WaitingRow[];
  if (waiting.length === 0) return { manifest: null, leftWaiting: [] };

  const rows: Array<BatchRow & { assignmentId: number; tokenId: number }> = waiting.map((w) => {
    if (w.sealed === null) throw new Refusal('seed-purged', `token ${w.serial} has no seed any more; undo its hand-out`);
    return {
      assignmentId: w.assignmentId,
      tokenId: w.tokenId,
      upn: w.upn,
      serial: w.serial,
      secret: vault.open(w.serial, w.sealed),
      algorithm: w.algorithm,
      digits: w.digits,
      period: w.period,
      manufacturer: w.manufacturer,
      model: w.model,
      displayName: w.displayName,
      offsetSteps: w.offsetSteps,
      verifiedAt: w.verifiedAt,
    };
  });

  const unsupported = exporter.unsupported(rows);
  if (unsupported.length > 0 && !request.skipUnsupported) {
    throw new Refusal(
      'format-cannot-carry',
      `${unsupported.length} token(s) cannot go in ${request.format}: ` +
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
  if (batchRows.length === 0) return { manifest: null, leftWaiting: unsupported };

  const name = nextBatchName(inventory, now);
  const outDir = resolve(request.outDir ?? inventory.paths.exports);
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const fileName = `tokendesk-${name}.${exporter.fileExtension}`;
  const filePath = join(outDir, fileName);
  const manifestPath = join(outDir, `tokendesk-${name}.manifest.json`);
  for (const path of [filePath, manifestPath]) {
    if (existsSync(path)) throw new Refusal('file-exists', `${path} already exists; move it away or choose another --out folder`);
  }

  const bytes = exporter.render(batchRows);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const createdAt = now.toISOString();
  const audit = new AuditLog(sqlite);

  writeFileAtomic(filePath, bytes, { mode: 0o600 });
  let manifest: BatchManifest;
  try {
    sqlite.pragma('synchronous = FULL');
    manifest = sqlite.transaction((): BatchManifest => {
      const batchId = Number(
        sqlite
          .prepare(
            `INSERT INTO batches (name, desk_id, format, file_name, row_count, sha256, created_at, created_by)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(name, deskId, request.format, fileName, batchRows.length, sha256, createdAt, request.actor.name).lastInsertRowid,
      );
      const mark = sqlite.prepare('UPDATE assignments SET batch_id = ? WHERE id = ? AND batch_id IS NULL');
      const exported = sqlite.prepare("UPDATE tokens SET status = 'exported' WHERE id = ? AND status = 'assigned'");
      for (const row of batchRows) {
        if (mark.run(batchId, row.assignmentId).changes !== 1 || exported.run(row.tokenId).changes !== 1) {
          throw new Refusal('export-raced', `token ${row.serial} changed while exporting (another process?); nothing was exported, try again`);
        }
      }
      const head = audit.append({
        actor: request.actor.name,
        deskId,
        action: 'export',
        at: createdAt,
        subject: { batch: name, format: request.format, count: batchRows.length, sha256, file: fileName },
      });
      const result: BatchManifest = {
        batch: name,
        deskId,
        format: request.format,
        file: fileName,
        count: batchRows.length,
        sha256,
        createdAt,
        createdBy: request.actor.name,
        auditHead: { seq: head.seq, hash: head.hash },
      };
      // Written inside the transaction: if it cannot be written, the batch is not committed.
      writeFileAtomic(manifestPath, `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 });
      return result;
    }).immediate();
  } catch (error) {
    for (const path of [filePath, manifestPath]) if (existsSync(path)) unlinkSync(path);
    throw error;
  } finally {
    sqlite.pragma('synchronous = NORMAL');
  }
  return { manifest, filePath, manifestPath, leftWaiting: unsupported };
}

/** <desk>-<yyyymmdd>-<n>: readable on a USB stick, unique across desks sharing one seed file. */
function nextBatchName(inventory: Inventory, now: Date): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  const prefix = `${inventory.deskId}-${day}-`;
  const row = inventory.sqlite.prepare('SELECT count(*) AS n FROM batches WHERE name LIKE ? ESCAPE \'\\\'').get(
    `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
  ) as { n: number };
  return `${prefix}${row.n + 1}`;
}
