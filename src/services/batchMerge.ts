/**
 * mergeBatches: several desks' batch files (graph-json or entra-csv, each with its manifest beside
 * it) become one upload file and a merge manifest. Everything is checked first, and any conflict
 * refuses the whole merge with the full list; nothing is written then. Pure files: no database.
 *
 * Encrypted batches (`<file>.age`, from `export --encrypt-to`) are merged when the identity is given
 * (`identities`): each is decrypted in memory and then checked like any other; without it they are
 * refused with the advice to pass --identity or run `batch decrypt` first.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { Refusal } from '../core/errors.js';
import { MAX_TOKENS_PER_USER } from '../core/identity.js';
import { exporters } from '../formats/index.js';
import { SeedFileError, type BatchRow, type SeedRecord } from '../formats/types.js';
import { entraCsvImporter } from '../formats/entraCsv.js';
import { graphJsonImporter } from '../formats/graphJson.js';
import { publishFile, sha256Hex } from './exportBatch.js';
import { decryptBatch, looksLikeAge } from './batchCrypto.js';

export const MERGEABLE_FORMATS = ['graph-json', 'entra-csv'] as const;
export type MergeableFormat = (typeof MERGEABLE_FORMATS)[number];

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

export interface MergeSource {
  batch: string;
  deskId: string | null;
  file: string;
  sha256: string;
  count: number;
}

export interface MergeManifest {
  /** The merged upload's name: merge-<yyyymmdd>-<first 8 hex of its sha256>. */
  batch: string;
  merge: true;
  format: MergeableFormat;
  file: string;
  count: number;
  sha256: string;
  createdAt: string;
  sources: MergeSource[];
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
  manifest: { batch: string; deskId: string | null; format: string; sha256: string; count: number };
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
    if (!(MERGEABLE_FORMATS as readonly string[]).includes(format)) {
      conflicts.push({ kind: 'unsupported-format', message: `${files.join(', ')}: ${format} batches cannot be merged (only graph-json or entra-csv)`, files });
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
    if (!(MERGEABLE_FORMATS as readonly string[]).includes(source.manifest.format)) continue;
    const read = await readRows(source, conflicts);
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
  const format = sources[0]?.manifest.format as MergeableFormat | undefined;
  if (conflicts.length === 0 && format !== undefined) {
    for (const u of exporters[format].unsupported(rows)) {
      conflicts.push({ kind: 'unreadable-file', message: `serial ${u.serial} cannot go in ${format}: ${u.reason}`, files: [], serial: u.serial });
    }
  }
  if (conflicts.length > 0 || format === undefined) throw mergeRefusal(conflicts);

  const bytes = exporters[format].render(rows);
  const sha256 = sha256Hex(bytes);
  const now = new Date(request.now ?? Date.now());
  const name = `merge-${now.toISOString().slice(0, 10).replace(/-/g, '')}-${sha256.slice(0, 8)}`;
  const outDir = resolve(request.outDir);
  const fileName = `tokendesk-${name}.${exporters[format].fileExtension}`;
  const filePath = join(outDir, fileName);
  const manifestPath = join(outDir, `tokendesk-${name}.manifest.json`);
  for (const path of [filePath, manifestPath]) {
    if (existsSync(path)) throw new Refusal('file-exists', `${path} already exists (the same merge was made before?); nothing was written`);
  }
  const manifest: MergeManifest = {
    batch: name,
    merge: true,
    format,
    file: fileName,
    count: rows.length,
    sha256,
    createdAt: now.toISOString(),
    sources: sources.map((s) => ({ batch: s.manifest.batch, deskId: s.manifest.deskId, file: basename(s.path), sha256: s.manifest.sha256, count: s.manifest.count })),
  };
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  try {
    publishFile(filePath, bytes, { exclusive: true, written, step: 'file' });
    publishFile(manifestPath, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'), { exclusive: true, written, step: 'manifest' });
  } catch (error) {
    for (const path of written) if (existsSync(path)) unlinkSync(path);
    throw error;
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
      try {
        const parsed = JSON.parse(readFileSync(path, 'utf8')) as { file?: unknown; encrypted?: { file?: unknown } };
        const file = parsed.file;
        const encryptedFile = parsed.encrypted?.file;
        if (typeof file === 'string' && basename(file) === file) batchFile = join(dirname(path), file);
        // Only the encrypted file left the desk: the manifest stands for that one.
        if (typeof encryptedFile === 'string' && basename(encryptedFile) === encryptedFile && !existsSync(batchFile)) {
          batchFile = join(dirname(path), encryptedFile);
        }
      } catch {
        // Not readable as a manifest: reported as a batch file without a manifest.
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

/** <file minus ext>.manifest.json, tokendesk-<file minus ext>.manifest.json, or a manifest naming the file. */
export function findManifest(path: string): string | null {
  const dir = dirname(path);
  const stem = basename(path, extname(path));
  for (const candidate of [join(dir, `${stem}.manifest.json`), join(dir, `tokendesk-${stem}.manifest.json`)]) {
    if (existsSync(candidate)) return candidate;
  }
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.manifest.json')) continue;
    try {
      const parsed = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { file?: unknown; encrypted?: { file?: unknown } };
      if (parsed.file === basename(path) || parsed.encrypted?.file === basename(path)) return join(dir, name);
    } catch {
      // Not a manifest of ours: keep looking.
    }
  }
  return null;
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
  let manifest: SourceFile['manifest'];
  try {
    const parsed = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    const { batch, format, sha256, count, deskId } = parsed;
    if (typeof batch !== 'string' || typeof format !== 'string' || typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256) || !Number.isSafeInteger(count)) {
      throw new Error('fields');
    }
    manifest = { batch, format, sha256, count: count as number, deskId: typeof deskId === 'string' ? deskId : null };
  } catch {
    conflicts.push({
      kind: 'manifest-unreadable',
      message: `${manifestPath} is not a tokendesk manifest (needs batch, format, count, sha256)`,
      files: [path, manifestPath],
    });
    return null;
  }
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
  const actual = sha256Hex(bytes);
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

async function readRows(source: SourceFile, conflicts: MergeConflict[]): Promise<MergedRow[]> {
  const format = source.manifest.format as MergeableFormat;
  const importer = format === 'graph-json' ? graphJsonImporter : entraCsvImporter;
  const unreadable = (message: string, serial?: string) =>
    conflicts.push({ kind: 'unreadable-file', message: `${source.path}: ${message}`, files: [source.path], serial });
  let records: SeedRecord[];
  try {
    const parsed = await importer.parse([source.bytes], { secretEncoding: 'base32' });
    for (const reject of parsed.rejects) {
      const where = reject.where.line !== undefined ? `line ${reject.where.line}` : `element ${reject.where.keyId ?? '?'}`;
      unreadable(`${where}: ${reject.reason}`, reject.serial);
    }
    if (parsed.rejects.length > 0) return [];
    records = parsed.records;
  } catch (error) {
    if (error instanceof SeedFileError) {
      unreadable(`it is not a ${format} batch: ${error.message}`);
      return [];
    }
    throw error;
  }

  const base = { from: source.path, batch: source.manifest.batch };
  if (format === 'entra-csv') {
    const rows: MergedRow[] = [];
    for (const r of records) {
      if (!r.upn) {
        unreadable(`serial ${r.serial} has no UPN (a vendor seed file, not a batch?)`, r.serial);
        continue;
      }
      rows.push({ ...base, upn: r.upn, serial: r.serial, secret: r.secret, algorithm: r.algorithm, digits: r.digits, period: r.period, manufacturer: r.manufacturer, model: r.model, displayName: '', offsetSteps: 0, verifiedAt: '' });
    }
    return rows;
  }

  // graph-json: the device list is Graph's; who gets each token and its offset are in "tokendesk".
  const document = JSON.parse(source.bytes.toString('utf8')) as {
    value?: Array<Record<string, unknown>>;
    tokendesk?: { assignments?: Array<Record<string, unknown>> };
  };
  const assignments = new Map<string, Record<string, unknown>>();
  for (const a of document.tokendesk?.assignments ?? []) assignments.set(String(a['@contentId']), a);
  const rows: MergedRow[] = [];
  records.forEach((r, i) => {
    const device = document.value?.[Number(r.where.keyId ?? i)] ?? {};
    const assignment = assignments.get(String(device['@contentId']));
    if (!assignment || assignment.serialNumber !== r.serial || typeof assignment.upn !== 'string' || assignment.upn === '') {
      unreadable(`serial ${r.serial} has no assignment in the "tokendesk" section (not a tokendesk batch?)`, r.serial);
      return;
    }
    rows.push({
      ...base,
      upn: assignment.upn.toLowerCase(),
      serial: r.serial,
      secret: r.secret,
      algorithm: r.algorithm,
      digits: r.digits,
      period: r.period,
      manufacturer: r.manufacturer,
      model: r.model,
      displayName: typeof assignment.displayName === 'string' ? assignment.displayName : typeof device.displayName === 'string' ? device.displayName : '',
      offsetSteps: Number.isSafeInteger(assignment.offsetSteps) ? (assignment.offsetSteps as number) : 0,
      verifiedAt: typeof assignment.verifiedAt === 'string' ? assignment.verifiedAt : '',
    });
  });
  return rows;
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

