/**
 * What batches and their files are called. A batch is <desk>-<yyyymmdd>-<n>: readable on a USB
 * stick, unique across desks sharing one seed file. Its file is tokendesk-<batch>.<ext> (plus .age
 * when encrypted) beside tokendesk-<batch>.manifest.json; a merge is merge-<yyyymmdd>-<8 hex>.
 */
import { TEMP_PREFIX } from '../../store/atomicFile.js';

export { manifestFileName } from '../../formats/manifest.js';

/** What an encrypted batch file's name ends with. */
export const AGE_SUFFIX = '.age';

export function batchFileName(batch: string, extension: string): string {
  return `tokendesk-${batch}.${extension}`;
}

function day(now: Date): string {
  return now.toISOString().slice(0, 10).replace(/-/g, '');
}

/** The part of a batch name shared by one desk's batches of one day: "hq-20261129-". */
export function batchNamePrefix(deskId: string, now: Date): string {
  return `${deskId}-${day(now)}-`;
}

/** The next name after the numbers already used with this prefix. */
export function nextBatchName(prefix: string, used: readonly number[]): string {
  return `${prefix}${used.reduce((highest, n) => Math.max(highest, n), 0) + 1}`;
}

/**
 * Where a new batch's file is streamed before the write lock, when its name is not known yet: the
 * temp file beside this name (.tmp-tokendesk-<desk>-staging.<ext>.<pid>.<random>) becomes
 * tokendesk-<batch>.<ext> under the lock. No file ever has this name itself.
 */
export function stagingFileName(deskId: string, extension: string): string {
  return `tokendesk-${deskId}-staging.${extension}`;
}

export function mergeName(now: Date, sha256: string): string {
  return `merge-${day(now)}-${sha256.slice(0, 8)}`;
}

/** This desk's files, and only this desk's: another desk may share the folder. */
export function deskFilePatterns(deskId: string): { batchFile: RegExp; tempFile: RegExp } {
  const desk = deskId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const temp = TEMP_PREFIX.replace('.', '\\.');
  return {
    // tokendesk-<batch>.<ext>, .<ext>.age, .assign.csv or .manifest.json; the batch name is group 1.
    batchFile: new RegExp(`^tokendesk-(${desk}-\\d{8}-\\d+)\\.(?:manifest\\.json|assign\\.csv|[a-z]+(?:\\.age)?)$`),
    tempFile: new RegExp(`^${temp}tokendesk-${desk}-(?:\\d{8}-\\d+|staging)\\.`),
  };
}
