/**
 * importSeeds: a vendor's seed file into the inventory, all or nothing.
 *
 * Reads the file once as a stream (hashing it on the way), lets the format's parser turn it into
 * records, compares them with the inventory (same serial + same secret = already there; same serial
 * + another secret = conflict, which refuses the whole file), then commits every new token, the
 * import record and the audit entry in one transaction. A dry run does everything but the commit.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Refusal } from '../core/errors.js';
import { detectFormat, guessDeviceNames, importers } from '../formats/index.js';
import { describeWhere } from '../formats/seedRules.js';
import {
  SeedFileError,
  type HashAlgorithm,
  type ParseWarning,
  type Reject,
  type SeedFormat,
  type SeedRecord,
  type Skipped,
} from '../formats/types.js';
import { assertKeyCurrent, type Inventory } from '../store/db.js';
import { authorise, type Actor } from './actor.js';
import { BackgroundSealer } from './backgroundSealer.js';

export interface ImportRequest {
  file: string;
  format?: SeedFormat | 'auto';
  dryRun?: boolean;
  /** Import the good rows of a file that has rejected rows (default: refuse the file). */
  skipRejected?: boolean;
  secretEncoding?: 'auto' | 'base32' | 'hex';
  hash?: HashAlgorithm;
  psk?: Uint8Array;
  password?: string;
  actor: Actor;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** For rows that name none (OATH CSV, PSKC without DeviceInfo): default from the file's name. */
  manufacturer?: string;
  model?: string;
  /** Seeds under 128 bits (RFC 4226 asks for at least that) are refused unless this is set; recorded in the audit entry. */
  allowShortSeeds?: boolean;
}

/** Manufacturer and model for rows that name none: as given, else guessed from the file's name (box-token2-c202.csv). */
function deviceNames(request: ImportRequest, fileName: string): { manufacturer?: string; model?: string } {
  const guessed = guessDeviceNames(fileName);
  const manufacturer = request.manufacturer ?? guessed.manufacturer;
  const model = request.model ?? guessed.model;
  return { ...(manufacturer !== undefined ? { manufacturer } : {}), ...(model !== undefined ? { model } : {}) };
}

export interface ImportGroup {
  manufacturer: string;
  model: string;
  algorithm: HashAlgorithm;
  digits: number;
  period: number;
  count: number;
}

export interface ImportConflict {
  serial: string;
  where: SeedRecord['where'];
  reason: string;
}

export interface ImportReport {
  file: string;
  fileName: string;
  size: number;
  sha256: string;
  format: SeedFormat;
  dryRun: boolean;
  /** The same file (by sha256) was imported before: nothing was done. */
  alreadyImported: boolean;
  /** Whether the inventory changed (false for dry runs, refusals and repeats). */
  committed: boolean;
  importId?: number;
  records: number;
  added: number;
  alreadyPresent: number;
  groups: ImportGroup[];
  rejects: Reject[];
  skipped: Skipped[];
  warnings: ParseWarning[];
  conflicts: ImportConflict[];
  preassigned: number;
  /** Why nothing was written, when the file was refused. */
  refusal?: string;
}

const HEAD_BYTES = 64 * 1024;
/** Above this size, seeds are sealed on a worker thread while the file is still being parsed. */
const BACKGROUND_SEAL_BYTES = 256 * 1024;

export async function importSeeds(inventory: Inventory, request: ImportRequest): Promise<ImportReport> {
  authorise(request.actor, 'import');
  const size = fileSize(request.file);
  const fileName = basename(request.file);
  const head = readHead(request.file);
  const format = chooseFormat(request, head);

  // Parse from a stream, hashing the same bytes as they go by.
  const hasher = createHash('sha256');
  let bytesRead = 0;
  async function* hashedChunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of createReadStream(request.file, { highWaterMark: 256 * 1024 })) {
      const bytes = chunk as Buffer;
      hasher.update(bytes);
      bytesRead += bytes.length;
      request.onProgress?.(bytesRead, size);
      yield bytes;
    }
  }

  const sealer = !request.dryRun && size > BACKGROUND_SEAL_BYTES ? new BackgroundSealer(inventory) : null;
  let parsed;
  let sealed: Map<SeedRecord, Buffer> | undefined;
  try {
    parsed = await importers[format].parse(hashedChunks(), {
      secretEncoding: request.secretEncoding,
      hash: request.hash,
      psk: request.psk,
      password: request.password,
      ...deviceNames(request, fileName),
      ...(request.allowShortSeeds ? { allowShortSeeds: true } : {}),
      onRecord: sealer?.add,
    });
    sealed = await sealer?.finish();
  } catch (error) {
    await sealer?.abandon();
    if (error instanceof SeedFileError) throw seedFileRefusal(error, request.file, format);
    throw error;
  }
  const sha256 = hasher.digest('hex');

  const report: ImportReport = {
    file: request.file,
    fileName,
    size,
    sha256,
    format,
    dryRun: request.dryRun ?? false,
    alreadyImported: false,
    committed: false,
    records: parsed.records.length,
    added: 0,
    alreadyPresent: 0,
    groups: [],
    rejects: parsed.rejects,
    skipped: parsed.skipped,
    warnings: parsed.warnings,
    conflicts: [],
    preassigned: 0,
  };

  const previous = inventory.store.imports.bySha256(sha256);
  if (previous) {
    report.alreadyImported = true;
    report.importId = previous.id;
    report.refusal = `${fileName}: this file was already imported (import #${previous.id} at ${previous.importedAt}); nothing changed`;
    return report;
  }

  const fresh = compareWithInventory(inventory, parsed.records, report);
  report.added = fresh.length;
  report.preassigned = fresh.filter((r) => r.upn).length;
  report.groups = groupRecords(fresh);

  if (report.conflicts.length > 0) {
    const first = report.conflicts[0]!;
    report.refusal =
      `${fileName}: ${report.conflicts.length} serial(s) are already in the inventory with a different secret ` +
      `(first: serial ${first.serial}, ${placeIn(format, first.where)}); ` +
      'the whole file was refused (a stored seed is never overwritten). Ask the vendor which file is right';
  } else if (report.rejects.length > 0 && !request.skipRejected) {
    const first = report.rejects[0]!;
    const units = unitsOf(format, report.rejects.length);
    report.refusal =
      `${fileName}: ${report.rejects.length} ${units} could not be read (first: ${placeIn(format, first.where)}, ${first.reason}); ` +
      `the whole file was refused. Fix the file, or import the good ${unitsOf(format, 2)} with --skip-rejected`;
  } else if (report.records === 0 && report.rejects.length === 0) {
    report.refusal =
      report.skipped.length > 0
        ? `${fileName}: the file holds no TOTP tokens (see the skipped keys and why); nothing was imported`
        : `${fileName}: the file holds no tokens; nothing was imported`;
  }
  if (report.refusal || report.dryRun) return report;

  report.importId = commitImport(inventory, request, report, fresh, sealed);
  report.committed = true;
  return report;
}

/** "line 4", "key k7 (line 30)", or for Graph JSON "element 3" (its keys are array indexes). */
function placeIn(format: SeedFormat, where: SeedRecord['where']): string {
  return format === 'graph-json' && where.line === undefined && where.keyId !== undefined ? `element ${where.keyId}` : describeWhere(where);
}

/** "row", "key" or "token entry", counted, for refusals. */
function unitsOf(format: SeedFormat, count: number): string {
  const unit = format === 'pskc' ? 'key' : format === 'graph-json' ? 'token entry' : 'row';
  return count === 1 ? unit : unit === 'token entry' ? 'token entries' : `${unit}s`;
}

/** A file the parser could not read as a whole: named, placed, and said once that nothing changed. */
function seedFileRefusal(error: SeedFileError, file: string, format: SeedFormat): Refusal {
  const { line, keyId } = error.where ?? {};
  // Parser messages name the line themselves where it helps; add it only where they do not.
  const at = line !== undefined && !error.message.includes(`line ${line}`) ? ` line ${line}:` : keyId !== undefined ? ` key ${keyId}:` : '';
  const sentence = /[.!?]$/.test(error.message) ? error.message : `${error.message}.`;
  return new Refusal('bad-seed-file', `${basename(file)}:${at} ${sentence} Nothing was imported.`, { file, format });
}

function fileSize(file: string): number {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Refusal('not-a-file', `${file} is not a file`);
    return stat.size;
  } catch (error) {
    if (error instanceof Refusal) throw error;
    throw new Refusal('file-missing', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function readHead(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function chooseFormat(request: ImportRequest, head: Uint8Array): SeedFormat {
  if (request.format && request.format !== 'auto') return request.format;
  if (head.length === 0) throw new Refusal('bad-seed-file', `${basename(request.file)} is empty; nothing was imported`);
  const detected = detectFormat(head);
  if (detected.format === null) {
    throw new Refusal(
      'unknown-format',
      `${basename(request.file)}: could not tell the format (tried ${detected.tried.join('; ')}); name it with --format`,
    );
  }
  return detected.format;
}

/** Splits records into new ones and ones already stored; fills report.alreadyPresent and conflicts. */
function compareWithInventory(inventory: Inventory, records: SeedRecord[], report: ImportReport): SeedRecord[] {
  const stored = inventory.store.tokens;
  if (!stored.any()) return records;
  const fresh: SeedRecord[] = [];
  for (const record of records) {
    const sealed = stored.sealedSeedBySerial(record.serial);
    if (sealed === undefined) {
      fresh.push(record);
      continue;
    }
    if (sealed === null) {
      report.conflicts.push({ serial: record.serial, where: record.where, reason: 'already in the inventory, its seed purged after upload' });
      continue;
    }
    const seed = inventory.vault.open(record.serial, sealed);
    const same = seed.byteLength === record.secret.byteLength && timingSafeEqual(seed, record.secret);
    if (same) report.alreadyPresent++;
    else report.conflicts.push({ serial: record.serial, where: record.where, reason: 'already in the inventory with a different secret' });
  }
  return fresh;
}

function groupRecords(records: SeedRecord[]): ImportGroup[] {
  const groups = new Map<string, ImportGroup>();
  for (const r of records) {
    const key = `${r.manufacturer}\u0000${r.model}\u0000${r.algorithm}\u0000${r.digits}\u0000${r.period}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { manufacturer: r.manufacturer, model: r.model, algorithm: r.algorithm, digits: r.digits, period: r.period, count: 1 });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

function commitImport(
  inventory: Inventory,
  request: ImportRequest,
  report: ImportReport,
  records: SeedRecord[],
  sealedInBackground?: Map<SeedRecord, Buffer>,
): number {
  const { store, vault, deskId } = inventory;
  // Seal outside the transaction: the write lock is then held only for the inserts.
  const sealed = records.map((r) => sealedInBackground?.get(r) ?? vault.seal(r.serial, r.secret));
  const now = new Date().toISOString();
  // The import record and the audit entry say the same: what the file held and what was done with it.
  const file = { file: report.fileName, sha256: report.sha256, format: report.format };
  const counts = { added: report.added, alreadyPresent: report.alreadyPresent, rejected: report.rejects.length, skipped: report.skipped.length };
  return store.write((): number => {
    assertKeyCurrent(inventory); // sealed with the key this inventory opened with: refuse if it was rotated since
    const importId = store.imports.record({
      fileName: file.file,
      fileSize: report.size,
      sha256: file.sha256,
      format: file.format,
      ...counts,
      importedAt: now,
      importedBy: request.actor.name,
    });
    records.forEach((r, i) => {
      const { serial, algorithm, digits, period, manufacturer, model } = r;
      const sealedSecret = sealed[i]!;
      store.imports.addToken({ serial, sealedSecret, algorithm, digits, period, manufacturer, model, driftSteps: r.driftSteps ?? 0, preassignedUpn: r.upn ?? null, importId });
    });
    store.audit.append({ actor: request.actor.name, deskId, action: 'import', at: now, subject: { ...file, ...counts, ...(request.allowShortSeeds ? { shortSeedsAllowed: true } : {}) } });
    return importId;
  });
}
