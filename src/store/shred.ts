/**
 * Removing a file that held seeds: overwrite it in place with zeros (same length), fsync, delete it,
 * fsync its folder. On a journaling or copy-on-write file system, or an SSD that remaps blocks, the
 * old bytes may survive on the device; the overwrite still takes them out of the file and its page
 * cache, and the delete out of every folder listing (docs-draft/seed-copies.md says so).
 *
 * It never follows a symlink, never touches what is not a regular file, and with `sha256` given
 * only a file whose bytes are still those: a file someone changed is left, and named.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, lstatSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDir } from './atomicFile.js';

export type ShredOutcome = { outcome: 'removed' } | { outcome: 'gone' } | { outcome: 'left'; reason: string };

const BLOCK = 64 * 1024;

export interface ShredOptions {
  /** Only when the file's bytes have this sha256 (hex); otherwise it is left and named. */
  sha256?: string;
  /** Only when the file's bytes pass this check (a manifest naming its batch). */
  accept?: (bytes: Buffer) => string | null;
}

export function shredFile(path: string, options: ShredOptions = {}): ShredOutcome {
  let size: number;
  try {
    const stat = lstatSync(path);
    if (!stat.isFile()) return { outcome: 'left', reason: 'it is not a regular file any more (a link or a folder): not touched' };
    size = stat.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      // The file gone from a folder that is there: somebody deleted it. No folder: a stick not plugged in.
      return existsSync(dirname(path)) ? { outcome: 'gone' } : { outcome: 'left', reason: 'its folder cannot be reached (removable media not plugged in, or a share not mounted?)' };
    }
    return { outcome: 'left', reason: `it cannot be read (${code ?? 'unreadable'})` };
  }
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (error) {
    return { outcome: 'left', reason: `it cannot be opened for writing (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  try {
    if (options.sha256 !== undefined || options.accept !== undefined) {
      const problem = check(fd, size, options);
      if (problem !== null) return { outcome: 'left', reason: problem };
    }
    const zeros = Buffer.alloc(Math.min(BLOCK, Math.max(size, 1)));
    for (let offset = 0; offset < size; ) {
      offset += writeSync(fd, zeros, 0, Math.min(zeros.byteLength, size - offset), offset);
    }
    fsyncSync(fd);
  } catch (error) {
    return { outcome: 'left', reason: `it could not be overwritten (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  } finally {
    closeSync(fd);
  }
  try {
    unlinkSync(path);
    fsyncDir(dirname(path));
  } catch (error) {
    return { outcome: 'left', reason: `it was overwritten with zeros but could not be deleted (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  return { outcome: 'removed' };
}

function check(fd: number, size: number, options: ShredOptions): string | null {
  if (options.accept) {
    const bytes = Buffer.alloc(size);
    for (let offset = 0; offset < size; ) {
      const n = readSync(fd, bytes, offset, size - offset, offset);
      if (n === 0) break;
      offset += n;
    }
    return options.accept(bytes);
  }
  const hash = createHash('sha256');
  const block = Buffer.alloc(BLOCK);
  for (let offset = 0; ; ) {
    const n = readSync(fd, block, 0, BLOCK, offset);
    if (n === 0) break;
    hash.update(block.subarray(0, n));
    offset += n;
  }
  return hash.digest('hex') === options.sha256 ? null : 'its bytes changed since tokendesk wrote it (edited, or another file under that name): not touched; check it and delete it by hand';
}
