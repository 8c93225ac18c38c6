/**
 * What an import is asked and what it reports, and the checks and messages around it that do not
 * need the pipeline: format choice, file access, refusals in the admin's words.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Refusal } from '../core/errors.js';
import { detectFormat, guessDeviceNames } from '../formats/index.js';
import { describeWhere } from '../formats/seedRules.js';
import type { HashAlgorithm, ParseWarning, Reject, SeedFileError, SeedFormat, SeedRecord, Skipped } from '../formats/types.js';
import type { Actor } from './actor.js';
import type { ImportGroup } from './importPipeline.js';

export const HEAD_BYTES = 64 * 1024;

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
  /** An encrypted delivery's key(s): the customer's PGP private key file(s), and its passphrase. `password` opens a ZIP or a password-only PGP message too. */
  pgpKeys?: Uint8Array[];
  pgpPassphrase?: string;
  /** Seeds under 128 bits (RFC 4226 asks for at least that) are refused unless this is set; recorded in the audit entry. */
  allowShortSeeds?: boolean;
}

/** Manufacturer and model for rows that name none: as given, else guessed from the file's name (box-token2-c202.csv). */
export function deviceNames(request: ImportRequest, fileName: string): { manufacturer?: string; model?: string } {
  const guessed = guessDeviceNames(fileName);
  const manufacturer = request.manufacturer ?? guessed.manufacturer;
  const model = request.model ?? guessed.model;
  return { ...(manufacturer !== undefined ? { manufacturer } : {}), ...(model !== undefined ? { model } : {}) };
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

/** The parser's rejects and the repeated serials found on staging, merged back into file order. */
export function inFileOrder(rejects: Reject[], duplicates: Reject[]): Reject[] {
  if (duplicates.length === 0) return rejects;
  const position = (r: Reject) => r.where.line ?? (r.where.keyId !== undefined && /^\d+$/.test(r.where.keyId) ? Number(r.where.keyId) : Infinity);
  return [...rejects, ...duplicates].sort((a, b) => (position(a) === position(b) ? 0 : position(a) < position(b) ? -1 : 1));
}

/** "line 4", "key k7 (line 30)", or for Graph JSON "element 3" (its keys are array indexes). */
export function placeIn(format: SeedFormat, where: SeedRecord['where']): string {
  return format === 'graph-json' && where.line === undefined && where.keyId !== undefined ? `element ${where.keyId}` : describeWhere(where);
}

/** "row", "key" or "token entry", counted, for refusals. */
export function unitsOf(format: SeedFormat, count: number): string {
  const unit = format === 'pskc' ? 'key' : format === 'graph-json' ? 'token entry' : 'row';
  return count === 1 ? unit : unit === 'token entry' ? 'token entries' : `${unit}s`;
}

/** A file the parser could not read as a whole: named, placed, and said once that nothing changed. */
export function seedFileRefusal(error: SeedFileError, fileName: string, format: SeedFormat): Refusal {
  const { line, keyId } = error.where ?? {};
  // Parser messages name the line themselves where it helps; add it only where they do not.
  const at = line !== undefined && !error.message.includes(`line ${line}`) ? ` line ${line}:` : keyId !== undefined ? ` key ${keyId}:` : '';
  const sentence = /[.!?]$/.test(error.message) ? error.message : `${error.message}.`;
  return new Refusal('bad-seed-file', `${fileName}:${at} ${sentence} Nothing was imported.`, { file: fileName, format });
}

/**
 * The last guard of the race between two imports at once: the write lock makes the loser find the
 * winner's import (judge), but should the database still say UNIQUE or stay busy past the timeout,
 * that is a refusal that changed nothing, not an unexpected error.
 */
export function raceRefusal(error: unknown, reports: ImportReport[]): Refusal | null {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string') return null;
  const names = reports.map((r) => r.fileName).join(', ');
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new Refusal('import-race', `${names}: another import added the same file or serials at the same moment; nothing was imported. Run the import again to see what is left`);
  }
  if (code.startsWith('SQLITE_BUSY')) {
    return new Refusal('import-busy', `${names}: the inventory stayed busy (another import or export is writing); nothing was imported. Try again in a moment`);
  }
  return null;
}

export function fileSize(file: string): number {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Refusal('not-a-file', `${file} is not a file`);
    return stat.size;
  } catch (error) {
    if (error instanceof Refusal) throw error;
    throw new Refusal('file-missing', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

export function readHead(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export function chooseFormat(request: ImportRequest, head: Uint8Array, fileName: string): SeedFormat {
  if (request.format && request.format !== 'auto') return request.format;
  if (head.length === 0) throw new Refusal('bad-seed-file', `${fileName} is empty; nothing was imported`);
  const detected = detectFormat(head);
  if (detected.format === null) {
    throw new Refusal('unknown-format', `${fileName}: could not tell the format (tried ${detected.tried.join('; ')}); name it with --format`);
  }
  return detected.format;
}
