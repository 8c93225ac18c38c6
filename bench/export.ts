/**
 * Export figures for `npm run bench`: a batch of 100,000 verified hand-outs vs the floor of the
 * raw SELECT of the same rows plus writing the same number of bytes (fsync'd), each in its own
 * process so peak memory is its own.
 *
 *   export.js                 run the comparison
 *   export.js child MODE HOME run one measurement (MODE: export | floor)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { encodeBase32 } from '../src/core/secretCodec.js';
import { initHome, openInventory } from '../src/store/db.js';
import { importSeeds } from '../src/services/importSeeds.js';
import { exportBatch } from '../src/services/exportBatch.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ADMIN = { name: 'bench', role: 'admin' } as const;

async function child(mode: string, home: string, bytes: number): Promise<void> {
  const inventory = openInventory(home);
  const start = performance.now();
  let written = 0;
  if (mode === 'export') {
    const result = exportBatch(inventory, { format: 'entra-csv', outDir: join(home, 'out'), actor: ADMIN });
    written = result.manifest?.count ?? 0;
  } else {
    const rows = inventory.sqlite
      .prepare(
        `SELECT t.serial, t.sealed_secret, t.period, t.manufacturer, t.model, a.upn FROM assignments a JOIN tokens t ON t.id = a.token_id
          WHERE a.batch_id IS NULL AND a.undone_at IS NULL AND t.status = 'assigned' ORDER BY a.verified_at, a.id`,
      )
      .all();
    const fd = openSync(join(home, 'floor.csv'), 'w', 0o600);
    const block = Buffer.alloc(bytes, 0x41);
    writeSync(fd, block);
    fsyncSync(fd);
    closeSync(fd);
    written = rows.length;
  }
  const ms = performance.now() - start;
  inventory.close();
  process.stdout.write(`${JSON.stringify({ ms, rows: written, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

/** A home with ROWS verified hand-outs waiting (set up directly: the hand-out itself is not measured here). */
async function prepare(dir: string): Promise<void> {
  initHome(dir, { deskId: 'bench' });
  const inventory = openInventory(dir);
  const lines = ['upn,serial number,secret key,time interval,manufacturer,model'];
  for (let i = 0; i < ROWS; i++) lines.push(`,${String(80_000_000_000 + i).padStart(13, '0')},${encodeBase32(randomBytes(20))},30,Token2,C202`);
  writeFileSync(join(dir, 'seeds.csv'), `${lines.join('\n')}\n`);
  await importSeeds(inventory, { file: join(dir, 'seeds.csv'), actor: ADMIN });
  inventory.sqlite.exec(`
    UPDATE tokens SET status = 'assigned';
    INSERT INTO assignments (token_id, upn, display_name, verified_at, offset_steps, assigned_by, desk_id)
      SELECT id, 'user' || id || '@example.com', 'Token2 C202', '2026-11-29T09:00:00.000Z', 0, 'bench', 'bench' FROM tokens;`);
  inventory.close();
  rmSync(join(dir, 'seeds.csv'));
}

const [, , command, mode, home, bytes] = process.argv;
if (command === 'child') {
  await child(mode!, home!, Number(bytes));
} else {
  const self = fileURLToPath(import.meta.url);
  const work = mkdtempSync(join(tmpdir(), 'tokendesk-bench-export-'));
  try {
    const runs: Record<'export' | 'floor', Array<{ ms: number; maxRssMb: number }>> = { export: [], floor: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const home = join(work, `home-${round}`);
      await prepare(home);
      const exported = JSON.parse(execFileSync(process.execPath, [self, 'child', 'export', home, '0'], { encoding: 'utf8' })) as { ms: number; maxRssMb: number; rows: number };
      if (exported.rows !== ROWS) throw new Error(`exported ${exported.rows} rows, expected ${ROWS}`);
      const size = Number(execFileSync('sh', ['-c', `cat ${join(home, 'out')}/*.csv | wc -c`], { encoding: 'utf8' }).trim());
      // The floor reads the same rows from a fresh copy (the export marked them exported).
      rmSync(home, { recursive: true, force: true });
      await prepare(home);
      runs.floor.push(JSON.parse(execFileSync(process.execPath, [self, 'child', 'floor', home, String(size)], { encoding: 'utf8' })));
      runs.export.push(exported);
      rmSync(home, { recursive: true, force: true });
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    const ms = median(runs.export.map((r) => r.ms));
    const floor = median(runs.floor.map((r) => r.ms));
    const peak = Math.max(...runs.export.map((r) => r.maxRssMb));
    const floorPeak = Math.max(...runs.floor.map((r) => r.maxRssMb));
    console.log(`${`export ${ROWS.toLocaleString('en-US')} hand-outs (Entra CSV)`.padEnd(34)} ${`${ms.toFixed(0)} ms`.padStart(14)}   floor ${`${floor.toFixed(0)} ms`.padStart(14)}   ${(ms / floor).toFixed(2)}x (no target set; floor = raw SELECT + write the same bytes)`);
    console.log(`${'peak memory of the export'.padEnd(34)} ${`${peak.toFixed(0)} MB`.padStart(14)}   floor ${`${floorPeak.toFixed(0)} MB`.padStart(14)}   (target < 200 MB) ${peak < 200 ? 'ok' : 'OVER TARGET'}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
