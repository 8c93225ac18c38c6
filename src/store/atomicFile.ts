/**
 * Files that must be whole or absent: written to a temp file beside the target, fsynced, renamed
 * over the target, and the folder fsynced. A crash leaves the old file or the new one, plus at worst
 * a `.tmp-` file that the next sweep clears.
 *
 * A temp file's name carries its writer's process id (`.tmp-<target>.<pid>.<random>`), so a sweep
 * can tell a file some running process is still writing (a batch streamed before the write lock,
 * for seconds at a million rows) from one a crash left: only the latter is removed.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  openSync,
  readSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Refusal } from '../core/errors.js';

export const TEMP_PREFIX = '.tmp-';

/** A temp file whose writer is alive is still left alone after this long only if it is younger. */
const LIVE_WRITER_MAX_AGE_MS = 24 * 60 * 60_000;

/** The points a test can interrupt a publish at: after the temp file is durable, after the rename. */
export type PublishStep = 'file-temp-written' | 'file-in-place' | 'manifest-temp-written' | 'manifest-in-place';

export interface PublishFaults {
  at(step: PublishStep): void;
}

export interface PlaceOptions {
  /** Refuse when the target exists (a new file), instead of replacing it (the same bytes again). */
  exclusive: boolean;
  /** Which kind of file, for the step hooks. */
  step?: 'file' | 'manifest';
  faults?: PublishFaults;
  /** Called right after the rename, before anything else can fail: the caller now owns `target`. */
  placed?: (target: string) => void;
}

/**
 * A temp file being written beside its target: write, then `finish()` (fsync, close), then
 * `placeAt()`. `discard()` removes it and is safe to call at any point, also after it was placed.
 */
export class TempFile {
  readonly path: string;
  #fd: number | null;
  #placed = false;
  bytes = 0;

  constructor(target: string, mode = 0o600) {
    this.path = tempPathFor(target);
    this.#fd = openSync(this.path, 'wx', mode);
  }

  write(bytes: Uint8Array): void {
    if (this.#fd === null) throw new Error(`${this.path} is already closed`);
    let offset = 0;
    while (offset < bytes.byteLength) offset += writeSync(this.#fd, bytes, offset, bytes.byteLength - offset);
    this.bytes += bytes.byteLength;
  }

  /** Appends another file's bytes (a part rendered earlier), a block at a time. */
  append(path: string): void {
    const fd = openSync(path, 'r');
    const block = Buffer.alloc(64 * 1024);
    try {
      for (let n = readSync(fd, block); n > 0; n = readSync(fd, block)) this.write(block.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }

  /** Durable on disk and closed: ready to be put in place. */
  finish(): this {
    if (this.#fd === null) return this;
    const fd = this.#fd;
    this.#fd = null;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return this;
  }

  /** Renames the finished file over `target` (see PlaceOptions), then makes the rename durable. */
  placeAt(target: string, options: PlaceOptions): void {
    this.finish();
    const step = options.step ?? 'file';
    options.faults?.at(`${step}-temp-written`);
    if (options.exclusive && existsSync(target)) {
      throw new Refusal('file-exists', `${target} appeared meanwhile; nothing was written`);
    }
    renameSync(this.path, target);
    this.#placed = true;
    options.placed?.(target);
    fsyncDir(dirname(target));
    options.faults?.at(`${step}-in-place`);
  }

  discard(): void {
    if (this.#fd !== null) {
      closeSync(this.#fd);
      this.#fd = null;
    }
    if (!this.#placed && existsSync(this.path)) unlinkSync(this.path);
  }
}

/** Temp file, fsync, rename, fsync the folder: `target` is whole or absent. */
export function publishFile(target: string, bytes: Uint8Array, options: PlaceOptions): void {
  const temp = new TempFile(target);
  try {
    temp.write(bytes);
    temp.placeAt(target, options);
  } finally {
    temp.discard();
  }
}

export function writeFileAtomic(target: string, data: string | Uint8Array, options: { mode?: number } = {}): void {
  const temp = new TempFile(target, options.mode ?? 0o600);
  try {
    temp.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    temp.placeAt(target, { exclusive: false });
  } finally {
    temp.discard();
  }
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

/**
 * Moves a file for good: a rename, or across file systems (a USB stick) a copy made durable
 * before the original goes. `to` must not exist.
 */
export function moveDurably(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    copyFileSync(from, to);
    const fd = openSync(to, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(from);
    fsyncDir(dirname(from));
  }
  fsyncDir(dirname(to));
}

function tempPathFor(target: string): string {
  return join(dirname(target), `${TEMP_PREFIX}${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}`);
}

/**
 * True when a crash left this temp file: its writer's process is gone, its name carries no
 * process id (an older tokendesk), or it is older than any write takes.
 */
export function isStaleTemp(path: string, now = Date.now()): boolean {
  const pid = /\.(\d{1,10})\.[0-9a-f]{8}$/.exec(basename(path))?.[1];
  if (pid === undefined || !processIsAlive(Number(pid))) return true;
  try {
    return now - statSync(path).mtimeMs > LIVE_WRITER_MAX_AGE_MS;
  } catch {
    return false; // gone meanwhile: nothing to remove
  }
}

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** Temp files a crash left in `dir` (never one a live process is writing); returns the names removed. */
export function removeStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX) || !isStaleTemp(join(dir, name))) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // Removed by another process meanwhile.
    }
  }
  return removed;
}
