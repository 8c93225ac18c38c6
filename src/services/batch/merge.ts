/**
 * mergeBatches: several desks' batch files (graph-json or entra-csv, each with its manifest beside
 * it) become one upload file and a merge manifest. Everything is checked first, and any conflict
 * refuses the whole merge with the full list; nothing is written then. Pure files: no database.
 *
 * Encrypted batches (`<file>.age`, from `export --encrypt-to`) are merged when the identity is given
 * (`identities`): each is decrypted in memory and then checked like any other; without it they are
 * refused with the advice to pass --identity or run `batch decrypt` first.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { Refusal } from '../../core/errors.js';
import { MAX_TOKENS_PER_USER } from '../../core/identity.js';
import {
  BATCH_FORMATS,
  exporters,
  manifestFacts,
  manifestFileName,
  manifestText,
  type BatchFormat,
  type BatchRow,
  type Manifest,
  type MergeManifest,
  type MergeSource,
} from '../../formats/index.js';
import { publishFile } from '../../store/atomicFile.js';
import { decryptBatch, looksLikeAge } from './encryption.js';
import { findManifest, readManifestFile } from './manifestFiles.js';
import { batchFileName, mergeName } from './names.js';

export type { MergeManifest, MergeSource } from '../../formats/index.js';

/** The formats that can be read back from their files: those a merge takes. */
export const MERGEABLE_FORMATS: readonly BatchFormat[] = BATCH_FORMATS.filter((format) => exporters[format].readBack !== undefined);

export type MergeConflictKind =
  | 'file-missing'
  | 'encrypted'
  | 'cannot-decrypt'
  | 'manifest-missing'
  | 'manifest-unreadable'
  | 'sha256-mismatch'
  | 'unsupported-format'
  | 'format-mismatch'
  | 'unreadable-file'
  | 'count-mismatch'
  | 'same-batch-twice'
  | 'duplicate-serial'
  | 'secret-mismatch'
  | 'upn-over-limit';

export interface MergeConflict {
  kind: MergeConflictKind;
  /** What went wrong, naming files, batches, serials or UPNs; never a secret. */
  message: string;
  files: string[];
  serial?: string;
  upn?: string;
}

export interface MergeRequest {
  files: string[];
  outDir: string;
  now?: number;
  /** age identities (AGE-SECRET-KEY-1...) for encrypted batch files, and the file they came from. */
  identities?: string[];
  identityFile?: string;
}

export interface MergeResult {
  manifest: MergeManifest;
  filePath: string;
  manifestPath: string;
}

interface SourceFile {
  path: string;
  manifest: Manifest;
  bytes: Buffer;
}

interface MergedRow extends BatchRow {
  from: string;
  batch: string;
}

export async function mergeBatches(request: MergeRequest): Promise<MergeResult> {
  if (request.files.length === 0) throw new Refusal('nothing-to-merge', 'name at least one batch file to merge');
  const conflicts: MergeConflict[] = [];
  const sources: SourceFile[] = [];
  const batchesSeen = new Map<string, string>();

  for (const path of batchFilesOf(request.files)) {
    const source = await readSource(path, conflicts, request);
    if (!source) continue;
    const earlier = batchesSeen.get(source.manifest.batch);
    if (earlier !== undefined) {
      conflicts.push({
        kind: 'same-batch-twice',
        message: `batch ${source.manifest.batch} is given twice (${earlier} and ${path})`,
        files: [earlier, path],
      });
      continue;
    }
    batchesSeen.set(source.manifest.batch, path);
    sources.push(source);
  }

  const formats = new Map<string, string[]>();
  for (const s of sources) formats.set(s.manifest.format, [...(formats.get(s.manifest.format) ?? []), s.path]);
  for (const [format, files] of formats) {
    if (!isMergeable(format)) {
      conflicts.push({ kind: 'unsupported-format', message: `${files.join(', ')}: ${format} batches cannot be merged (only ${MERGEABLE_FORMATS.join(' or ')})`, files });
    }
  }
  if (formats.size > 1) {
    conflicts.push({
      kind: 'format-mismatch',
      message: `the batches are not all one format: ${[...formats].map(([f, files]) => `${f} (${files.map((p) => basename(p)).join(', ')})`).join(' vs ')}`,
      files: sources.map((s) => s.path),
    });
  }

  const rows: MergedRow[] = [];
  for (const source of sources) {
    if (!isMergeable(source.manifest.format)) continue;
    const read = await readRows(source, source.manifest.format, conflicts);
    if (read.length !== source.manifest.count && read.length > 0) {
      conflicts.push({
        kind: 'count-mismatch',
        message: `${source.path} holds ${read.length} token(s) but its manifest says ${source.manifest.count}`,
        files: [source.path],
      });
    }
    rows.push(...read);
  }

  checkAcrossBatches(rows, conflicts);
  const format = sources[0]?.manifest.format;
  if (conflicts.length === 0 && format !== undefined && isMergeable(format)) {
    for (const u of exporters[format].unsupported(rows)) {
      conflicts.push({ kind: 'unreadable-file', message: `serial ${u.serial} cannot go in ${format}: ${u.reason}`, files: [], serial: u.serial });
    }
  }
  if (conflicts.length > 0 || format === undefined || !isMergeable(format)) throw mergeRefusal(conflicts);
  return writeMerge(request, format, sources, rows);
}

function isMergeable(format: string): format is BatchFormat {
  return (MERGEABLE_FORMATS as readonly string[]).includes(format);
}

/** The merged file in the format's current layout, and its manifest (with the assignments, when the file leaves them out). */
function writeMerge(request: MergeRequest, format: BatchFormat, sources: SourceFile[], rows: MergedRow[]): MergeResult {
  const exporter = exporters[format];
  const writer = exporter.writer();
  const bytes = exporter.render(rows);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const now = new Date(request.now ?? Date.now());
  const name = mergeName(now, sha256);
  const outDir = resolve(request.outDir);
  const fileName = batchFileName(name, exporter.fileExtension);
  const filePath = join(outDir, fileName);
  const manifestPath = join(outDir, manifestFileName(name));
  for (const path of [filePath, manifestPath]) {
    if (existsSync(path)) throw new Refusal('file-exists', `${path} already exists (the same merge was made before?); nothing was written`);
  }
  const manifest: MergeManifest = {
    batch: name,
    merge: true,
    format,
    ...(exporter.layout === 1 ? {} : { layout: exporter.layout }),
    file: fileName,
    count: rows.length,
    sha256,
    createdAt: now.toISOString(),
    sources: sources.map((s): MergeSource => ({
      batch: s.manifest.batch,
      deskId: 'deskId' in s.manifest ? s.manifest.deskId : null,
      file: basename(s.path),
      sha256: s.manifest.sha256,
      count: s.manifest.count,
    })),
    ...(writer.assignment ? { assignments: rows.map((row, index) => writer.assignment!(row, index)) } : {}),
  };
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  try {
    publishFile(filePath, bytes, { exclusive: true });
    written.push(filePath);
    publishFile(manifestPath, Buffer.from(manifestText(manifest), 'utf8'), { exclusive: true });
  } catch (error) {
    for (const path of written) if (existsSync(path)) unlinkSync(path);
    throw error;
  } finally {
    bytes.fill(0);
  }
  return { manifest, filePath, manifestPath };
}

/**
 * The files to merge. A manifest named on the command line (a `*.json` glob catches them) stands for
 * its batch file, and is dropped when that file is named too.
 */
function batchFilesOf(files: string[]): string[] {
  const named = files.map((file) => resolve(file));
  const paths: string[] = [];
  for (const path of named) {
    let batchFile = path;
    if (path.endsWith('.manifest.json') && existsSync(path)) {
      // A file that is not a manifest is reported below as a batch file without a manifest.
      const read = readManifestFile(path);
      if ('manifest' in read) {
        batchFile = join(dirname(path), read.manifest.file);
        const encryptedFile = 'encrypted' in read.manifest ? read.manifest.encrypted?.file : undefined;
        // Only the encrypted file left the desk: the manifest stands for that one.
        if (encryptedFile !== undefined && !existsSync(batchFile)) batchFile = join(dirname(path), encryptedFile);
      }
      if (batchFile !== path && (named.includes(batchFile) || paths.includes(batchFile))) continue;
    }
    paths.push(batchFile);
  }
  return paths;
}

function mergeRefusal(conflicts: MergeConflict[]): Refusal {
  const shown = conflicts.slice(0, 20).map((c) => `  - ${c.message}`);
  if (conflicts.length > 20) shown.push(`  ... and ${conflicts.length - 20} more (--json lists them all)`);
  return new Refusal(
    'merge-conflicts',
    `the batches cannot be merged, ${conflicts.length} problem(s):\n${shown.join('\n')}\nNothing was written.`,
    { conflicts },
  );
}

async function readSource(path: string, conflicts: MergeConflict[], request: MergeRequest): Promise<SourceFile | null> {
  if (!existsSync(path)) {
    conflicts.push({ kind: 'file-missing', message: `${path} does not exist`, files: [path] });
    return null;
  }
  const manifestPath = findManifest(path);
  if (manifestPath === null) {
    conflicts.push({
      kind: 'manifest-missing',
      message: `${path} has no manifest beside it (${basename(path, extname(path))}.manifest.json): copy it from the desk's export folder`,
      files: [path],
    });
    return null;
  }
  const read = readManifestFile(manifestPath);
  if ('problem' in read) {
    conflicts.push({
      kind: 'manifest-unreadable',
      message: `${manifestPath} is not a tokendesk manifest (${read.problem})`,
      files: [path, manifestPath],
    });
    return null;
  }
  const { manifest } = read;
  let bytes = readFileSync(path);
  if (looksLikeAge(bytes)) {
    if (!request.identities || request.identities.length === 0) {
      conflicts.push({
        kind: 'encrypted',
        message: `${path} is encrypted (age): merge it with --identity FILE, or decrypt it first with \`tokendesk batch decrypt ${basename(path)} --identity FILE\``,
        files: [path],
      });
      return null;
    }
    try {
      bytes = Buffer.from(await decryptBatch(bytes, request.identities, { file: path, identityFile: request.identityFile ?? 'the identity file' }));
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      conflicts.push({ kind: 'cannot-decrypt', message: error.message.replace(/; nothing was written$|\. Nothing was written$/i, ''), files: [path] });
      return null;
    }
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== manifest.sha256) {
    conflicts.push({
      kind: 'sha256-mismatch',
      message: `${path} does not match its manifest ${basename(manifestPath)} (sha256 ${actual.slice(0, 12)}... vs ${manifest.sha256.slice(0, 12)}...): it was changed or cut short after export`,
      files: [path, manifestPath],
    });
    return null;
  }
  return { path, manifest, bytes };
}

/** The rows of one source, read back by its format (with who gets each token from file or manifest). */
async function readRows(source: SourceFile, format: BatchFormat, conflicts: MergeConflict[]): Promise<MergedRow[]> {
  const read = await exporters[format].readBack!(source.bytes, manifestFacts(source.manifest));
  for (const problem of read.problems) {
    conflicts.push({ kind: 'unreadable-file', message: `${source.path}: ${problem.message}`, files: [source.path], serial: problem.serial });
  }
  if (read.problems.length > 0) return [];
  return read.rows.map((row) => ({ ...row, from: source.path, batch: source.manifest.batch }));
}

function checkAcrossBatches(rows: MergedRow[], conflicts: MergeConflict[]): void {
  const bySerial = new Map<string, MergedRow>();
  for (const row of rows) {
    const first = bySerial.get(row.serial);
    if (!first) {
      bySerial.set(row.serial, row);
      continue;
    }
    const sameSecret = Buffer.from(first.secret).equals(Buffer.from(row.secret));
    conflicts.push(
      sameSecret
        ? {
            kind: 'duplicate-serial',
            message: `serial ${row.serial} is in batch ${first.batch} (${first.upn}) and in batch ${row.batch} (${row.upn}): one token handed out twice? Void one of the batches at its desk`,
            files: [first.from, row.from],
            serial: row.serial,
          }
        : {
            kind: 'secret-mismatch',
            message: `serial ${row.serial} has different secrets in batch ${first.batch} and batch ${row.batch}: the desks imported different seed files for this serial; find out which is right before uploading either`,
            files: [first.from, row.from],
            serial: row.serial,
          },
    );
  }
  const byUpn = new Map<string, MergedRow[]>();
  for (const row of rows) byUpn.set(row.upn, [...(byUpn.get(row.upn) ?? []), row]);
  for (const [upn, held] of byUpn) {
    const serials = new Set(held.map((r) => r.serial));
    if (serials.size <= MAX_TOKENS_PER_USER) continue;
    const batchNames = [...new Set(held.map((r) => r.batch))];
    conflicts.push({
      kind: 'upn-over-limit',
      message: `${upn} would get ${serials.size} tokens (in ${batchNames.join(', ')}); Entra allows ${MAX_TOKENS_PER_USER} per user: void the extra hand-outs at their desk`,
      files: [...new Set(held.map((r) => r.from))],
      upn,
    });
  }
}

