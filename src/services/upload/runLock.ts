/**
 * One Graph run per home at a time. Two runs over the same tokens would each read "pending" and
 * each send a create: the tenant refuses a serial twice today, but exactly-once should not rest on
 * that. The lock is a file holding the process id, made with O_EXCL; a lock whose process is gone
 * (killed, power cut) is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Refusal } from '../../core/errors.js';

export const RUN_LOCK_FILE = 'graph-run.lock';

export interface RunLock {
  release(): void;
}

export function takeRunLock(homeDir: string, what: string): RunLock {
  const path = join(homeDir, RUN_LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = lockHolder(path);
      if (holder !== null && holder !== process.pid && alive(holder)) {
        throw new Refusal('graph-run-busy', `another upload or reconcile is running on this home (process ${holder}): wait for it to finish, then ${what} again`);
      }
      // Left by a process that is gone: take it over.
      try {
        unlinkSync(path);
      } catch {
        // Someone else took it over first; try again.
      }
      continue;
    }
    writeSync(fd, String(process.pid));
    closeSync(fd);
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        if (lockHolder(path) === process.pid) unlinkSync(path);
      },
    };
  }
  throw new Refusal('graph-run-busy', `cannot take the run lock ${path}: remove it if no tokendesk upload or reconcile is running, then ${what} again`);
}

function lockHolder(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
