/**
 * What interrupted exports left: this desk's batch files whose batch the database does not know
 * (moved to HOME/exports/orphaned/, never deleted: they hold seeds, so the admin decides) and
 * temp files whose writer is gone. It runs under the write lock, so it never touches the files of
 * an export that is putting its files in place in another process; a temp file streamed before the
 * lock is left alone while its writer lives. Cheap enough to run at every export and `batch list`.
 */
import { existsSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Inventory } from '../../store/db.js';
import { isStaleTemp, moveDurably } from '../../store/atomicFile.js';
import { deskFilePatterns } from './names.js';

export interface OrphanReport {
  /** Batch files whose batch the database does not know, moved to HOME/exports/orphaned/. */
  moved: Array<{ from: string; to: string }>;
  /** Temp files of interrupted writes, removed. */
  removedTemps: string[];
}

/** Sweeps HOME/exports and `dirs` (an export's --out folder), taking the write lock unless held. */
export function sweepOrphanedBatchFiles(inventory: Inventory, dirs: string[] = []): OrphanReport {
  const { store } = inventory;
  if (store.inTransaction) return sweepUnderLock(inventory, dirs);
  return store.write(() => sweepUnderLock(inventory, dirs));
}

/** The sweep itself; the caller holds the write lock. */
export function sweepUnderLock(inventory: Inventory, extraDirs: string[]): OrphanReport {
  const report: OrphanReport = { moved: [], removedTemps: [] };
  const exportsDir = resolve(inventory.paths.exports);
  const dirs = [...new Set([exportsDir, ...extraDirs.map((d) => resolve(d))])];
  const { batchFile, tempFile } = deskFilePatterns(inventory.deskId);
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (tempFile.test(name)) {
        if (!isStaleTemp(path)) continue;
        try {
          unlinkSync(path);
          report.removedTemps.push(path);
        } catch {
          // Gone meanwhile.
        }
        continue;
      }
      const match = batchFile.exec(name);
      if (!match || inventory.store.batches.exists(match[1]!)) continue;
      report.moved.push({ from: path, to: setAside(exportsDir, path) });
    }
  }
  return report;
}

function setAside(exportsDir: string, path: string): string {
  const folder = join(exportsDir, 'orphaned');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  let target = join(folder, basename(path));
  for (let i = 2; existsSync(target); i++) target = join(folder, `${basename(path)}.${i}`);
  moveDurably(path, target);
  return target;
}
