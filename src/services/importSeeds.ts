/**
 * importSeeds: a vendor's seed file into the inventory, all or nothing.
 *
 * Streams: the file is read a piece at a time (hashed on the way), the format's parser hands each
 * record to the import pipeline (importPipeline.ts), which seals records a chunk at a time (on a
 * worker for large files) and stages them in a private temp table (store/importStaging.ts); the
 * parser waits while the sealer catches up. So memory stays flat whatever the file's size. Then,
 * in one write transaction, the staged tokens are compared with the inventory (same serial + same
 * secret = already there; same serial + another secret = conflict, which refuses the whole file)
 * and moved into it with the import record and the audit entry. A refusal or a dry run drops the
 * staging table: nothing reached the inventory.
 *
 * An encrypted delivery (PGP message, password-protected ZIP) is opened in memory and every seed
 * file inside is imported the same way, all of them in one transaction; no plaintext reaches disk.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Refusal } from '../core/errors.js';
import { deliveryKind, MAX_DELIVERED_BYTES } from '../formats/containers/delivery.js';
import { detectFormat, importers } from '../formats/index.js';
import { SeedFileError } from '../formats/types.js';
import { assertKeyCurrent, type Inventory } from '../store/db.js';
import { authorise } from './actor.js';
import type { ImportStaging, StagedOverlap } from '../store/importRepo.js';
import { ImportPipeline, type ImportGroup } from './importPipeline.js';
import {
  HEAD_BYTES,
  chooseFormat,
  deviceNames,
  fileSize,
  inFileOrder,
  placeIn,
  raceRefusal,
  readHead,
  seedFileRefusal,
  unitsOf,
  type ImportReport,
  type ImportRequest,
} from './importReport.js';

export type { ImportGroup };
export type { ImportConflict, ImportReport, ImportRequest } from './importReport.js';

/** Above this size, seeds are sealed on a worker thread while the file is still being parsed. */
const BACKGROUND_SEAL_BYTES = 256 * 1024;
/** How much of the file is read at a time; the parser gets one piece per await. */
const READ_CHUNK = 256 * 1024;

/**
 * Imports one seed file. An encrypted delivery (PGP message, password-protected ZIP) is opened in
 * memory; it must hold exactly one seed file here (importSeedFiles takes any number).
 */
export async function importSeeds(inventory: Inventory, request: ImportRequest): Promise<ImportReport> {
  const reports = await importSeedFiles(inventory, request);
  if (reports.length !== 1) {
    throw new Refusal(
      'many-seed-files',
      `${basename(request.file)} holds ${reports.length} seed files; nothing was imported. Import it with the tokendesk import command, which takes them all at once`,
    );
  }
  return reports[0]!;
}

/**
 * Imports a seed file, or every seed file inside an encrypted delivery, all or nothing: if any of
 * them is refused, none is imported (each report says why, or that another file was refused).
 */
export async function importSeedFiles(inventory: Inventory, request: ImportRequest): Promise<ImportReport[]> {
  authorise(request.actor, 'import');
  const size = fileSize(request.file);
  const head = readHead(request.file);
  if (deliveryKind(head) === null) {
    const input: SeedInput = { fileName: basename(request.file), ownName: basename(request.file), size, head, chunks: () => fileChunks(request.file) };
    return settle(inventory, request, [await stageFile(inventory, request, input)]);
  }
  return importDelivery(inventory, request, size);
}

/** A seed file to read: from disk, or opened from a delivery in memory. */
interface SeedInput {
  fileName: string;
  /** The seed file's own name, for guessing manufacturer and model (box-token2-c202.csv). */
  ownName: string;
  size: number;
  head: Uint8Array;
  chunks: () => AsyncIterable<Uint8Array>;
}

/** A file read, checked and staged, waiting for the commit (or a refusal). */
interface Prepared {
  report: ImportReport;
  staging: ImportStaging;
  pipeline: ImportPipeline;
  /** The vault's key generation the seeds were sealed under. */
  generation: number;
}

async function* fileChunks(file: string): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK })) yield chunk as Buffer;
}

async function* memoryChunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += READ_CHUNK) yield bytes.subarray(offset, offset + READ_CHUNK);
}

async function importDelivery(inventory: Inventory, request: ImportRequest, size: number): Promise<ImportReport[]> {
  const fileName = basename(request.file);
  if (size > MAX_DELIVERED_BYTES) {
    throw new Refusal('bad-seed-file', `${fileName} is larger than ${MAX_DELIVERED_BYTES / (1024 * 1024)} MB: ask the vendor to split the delivery. Nothing was imported.`);
  }
  // openpgp and zip.js load only for a delivery.
  const { openDelivery } = await import('../formats/containers/index.js');
  const bytes = readFileSync(request.file);
  let files;
  try {
    files = await openDelivery(fileName, bytes, { pgpPrivateKeys: request.pgpKeys, pgpKeyPassphrase: request.pgpPassphrase, password: request.password });
  } catch (error) {
    if (error instanceof SeedFileError) throw new Refusal('bad-delivery', `${error.message.replace(/\.?$/, '.')} Nothing was imported.`, { file: request.file });
    throw error;
  }
  const prepared: Prepared[] = [];
  try {
    for (const file of files) {
      const head = file.bytes.subarray(0, HEAD_BYTES);
      if (files.length > 1 && (request.format ?? 'auto') === 'auto' && detectFormat(head).format === null) {
        file.bytes.fill(0); // a README or a picture beside the seed files
        continue;
      }
      const input: SeedInput = { fileName: file.path, ownName: file.name, size: file.bytes.byteLength, head, chunks: () => memoryChunks(file.bytes) };
      prepared.push(await stageFile(inventory, request, input));
    }
  } catch (error) {
    for (const p of prepared) p.staging.drop();
    throw error;
  } finally {
    for (const file of files) file.bytes.fill(0);
  }
  if (prepared.length === 0) throw new Refusal('unknown-format', `${fileName} holds no file tokendesk can read as a seed file; nothing was imported`);
  return settle(inventory, request, prepared);
}

/** Reads, parses, seals and stages one seed file; decides what it can without the write lock. */
async function stageFile(inventory: Inventory, request: ImportRequest, input: SeedInput): Promise<Prepared> {
  const { fileName, size } = input;
  const format = chooseFormat(request, input.head, fileName);

  // Parse from a stream, hashing the same bytes as they go by; the parser waits while the sealer catches up.
  const hasher = createHash('sha256');
  let bytesRead = 0;
  const staging = inventory.store.imports.staging();
  const generation = inventory.vault.generation;
  const pipeline = new ImportPipeline(inventory, staging, { background: size > BACKGROUND_SEAL_BYTES, format });
  async function* hashedChunks(): AsyncGenerator<Uint8Array> {
    for await (const bytes of input.chunks()) {
      await pipeline.drain();
      hasher.update(bytes);
      bytesRead += bytes.length;
      request.onProgress?.(bytesRead, size);
      yield bytes;
    }
  }

  let parsed;
  try {
    parsed = await importers[format].parse(hashedChunks(), {
      secretEncoding: request.secretEncoding,
      hash: request.hash,
      psk: request.psk,
      password: request.password,
      ...deviceNames(request, input.ownName),
      ...(request.allowShortSeeds ? { allowShortSeeds: true } : {}),
      onRecord: pipeline.add,
      keepRecords: false,
      duplicates: 'caller',
    });
    await pipeline.finish();
  } catch (error) {
    await pipeline.abandon();
    staging.drop();
    if (error instanceof SeedFileError) throw seedFileRefusal(error, fileName, format);
    throw error;
  }

  const report: ImportReport = {
    file: request.file,
    fileName,
    size,
    sha256: hasher.digest('hex'),
    format,
    dryRun: request.dryRun ?? false,
    alreadyImported: false,
    committed: false,
    records: pipeline.records,
    added: 0,
    alreadyPresent: 0,
    groups: [],
    rejects: inFileOrder(parsed.rejects, pipeline.duplicates),
    skipped: parsed.skipped,
    warnings: parsed.warnings,
    conflicts: [],
    preassigned: 0,
  };
  return { report, staging, pipeline, generation };
}

/**
 * Compares each staged file with the inventory and commits them all in one write, or none. A real
 * import does this under the write lock, so a second import of the same file at the same moment
 * waits and then finds the first: a clean "already imported", never a constraint error.
 */
function settle(inventory: Inventory, request: ImportRequest, prepared: Prepared[]): ImportReport[] {
  const reports = prepared.map((p) => p.report);
  try {
    if (request.dryRun) {
      for (const p of prepared) judge(inventory, p, request.skipRejected ?? false);
      return reports;
    }
    // Cheap early answer, without the lock: the same file was imported before.
    if (prepared.every((p) => alreadyImported(inventory, p.report))) return reports;
    return inventory.store.write(() => {
      for (const p of prepared) {
        assertKeyCurrent(inventory, p.generation); // sealed with the key this import started with: refuse if it was rotated since
        judge(inventory, p, request.skipRejected ?? false);
      }
      const refused = reports.find((r) => r.refusal !== undefined);
      if (refused) {
        for (const r of reports) if (r.refusal === undefined) r.refusal = `${r.fileName}: not imported, because ${refused.fileName} in the same delivery was refused`;
        return reports;
      }
      for (const p of prepared) commitImport(inventory, request, p);
      return reports;
    });
  } catch (error) {
    throw raceRefusal(error, reports) ?? error;
  } finally {
    for (const p of prepared) p.staging.drop();
  }
}

function alreadyImported(inventory: Inventory, report: ImportReport): boolean {
  const previous = inventory.store.imports.bySha256(report.sha256);
  if (!previous) return false;
  report.alreadyImported = true;
  report.importId = previous.id;
  report.refusal = `${report.fileName}: this file was already imported (import #${previous.id} at ${previous.importedAt}); nothing changed`;
  return true;
}

/** Fills in what the inventory says about this file: repeats, conflicts, what is new; and whether it is refused. */
function judge(inventory: Inventory, { report, staging, pipeline }: Prepared, skipRejected: boolean): void {
  if (alreadyImported(inventory, report)) return;
  const present = compareWithInventory(inventory, staging, report);
  report.added = report.records - report.alreadyPresent - report.conflicts.length;
  report.preassigned = pipeline.preassigned - present.filter((r) => r.preassignedUpn).length;
  report.groups = pipeline.groups(present);
  const { fileName, format } = report;

  if (report.conflicts.length > 0) {
    const first = report.conflicts[0]!;
    report.refusal =
      `${fileName}: ${report.conflicts.length} serial(s) are already in the inventory with a different secret ` +
      `(first: serial ${first.serial}, ${placeIn(format, first.where)}); ` +
      'the whole file was refused (a stored seed is never overwritten). Ask the vendor which file is right';
  } else if (report.rejects.length > 0 && !skipRejected) {
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
}

/**
 * Staged tokens whose serial is already stored: the same seed counts as already there, another
 * seed (or a purged one) is a conflict. Fills report.alreadyPresent and conflicts; returns the
 * ones already there (they are left out of the new tokens).
 */
function compareWithInventory(inventory: Inventory, staging: ImportStaging, report: ImportReport): StagedOverlap[] {
  if (!inventory.store.tokens.any()) return [];
  const present: StagedOverlap[] = [];
  for (const overlap of staging.overlaps()) {
    const where = { ...(overlap.line !== null ? { line: overlap.line } : {}), ...(overlap.keyId !== null ? { keyId: overlap.keyId } : {}) };
    if (overlap.stored === null) {
      report.conflicts.push({ serial: overlap.serial, where, reason: 'already in the inventory, its seed purged after upload' });
      continue;
    }
    const seed = inventory.vault.open(overlap.serial, overlap.stored);
    const incoming = inventory.vault.open(overlap.serial, overlap.staged);
    const same = seed.byteLength === incoming.byteLength && timingSafeEqual(seed, incoming);
    seed.fill(0);
    incoming.fill(0);
    if (same) {
      report.alreadyPresent++;
      present.push(overlap);
    } else report.conflicts.push({ serial: overlap.serial, where, reason: 'already in the inventory with a different secret' });
  }
  return present;
}

/** The import record, the new tokens (moved from staging) and the audit entry. Inside the caller's write. */
function commitImport(inventory: Inventory, request: ImportRequest, { report, staging }: Prepared): void {
  const { store, deskId } = inventory;
  const now = new Date().toISOString();
  // The import record and the audit entry say the same: what the file held and what was done with it.
  const file = { file: report.fileName, sha256: report.sha256, format: report.format };
  const counts = { added: report.added, alreadyPresent: report.alreadyPresent, rejected: report.rejects.length, skipped: report.skipped.length };
  const importId = store.imports.record({
    fileName: file.file,
    fileSize: report.size,
    sha256: file.sha256,
    format: file.format,
    ...counts,
    importedAt: now,
    importedBy: request.actor.name,
  });
  const moved = staging.moveInto(importId);
  if (moved !== report.added) throw new Error(`the import moved ${moved} tokens, expected ${report.added}`);
  store.audit.append({ actor: request.actor.name, deskId, action: 'import', at: now, subject: { ...file, ...counts, ...(request.allowShortSeeds ? { shortSeedsAllowed: true } : {}) } });
  report.importId = importId;
  report.committed = true;
}
