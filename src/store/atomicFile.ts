/**
 * Files that must be whole or absent: write a temp file beside the target, fsync it, rename it
 * over the target, fsync the folder. A crash leaves the old file or the new one, plus at worst a
 * `.tmp-` file that `removeStaleTempFiles` clears at the next start.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const TEMP_PREFIX = '.tmp-';

export function writeFileAtomic(target: string, data: string | Uint8Array, options: { mode?: number } = {}): void {
  const dir = dirname(target);
  const temp = join(dir, `${TEMP_PREFIX}${basename(target)}.${randomBytes(4).toString('hex')}`);
  const fd = openSync(temp, 'wx', options.mode ?? 0o600);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  renameSync(temp, target);
  fsyncDir(dir);
}

export function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Temp files left by a crash mid-write; returns the names removed. */
export function removeStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const stale = names.filter((name) => name.startsWith(TEMP_PREFIX));
  for (const name of stale) unlinkSync(join(dir, name));
  return stale;
}
