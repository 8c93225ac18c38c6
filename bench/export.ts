/**
 * Export figures for `npm run bench`, each in its own process so its peak memory is its own:
 *
 *   export 100,000 hand-outs (Entra CSV)  vs the floor: a raw SELECT of the same rows, read a row
 *                                          at a time, plus writing the same number of bytes (fsync'd)
 *   peak memory of that export             vs the floor's
 *   export 100,000 encrypted (age)         vs the same export in the clear
 *   write lock held by that export         vs the floor: the two set-based UPDATEs that mark the same
 *                                          rows, run raw (the lock is what hand-outs wait for)
 *   export 1,000,000 hand-outs + memory    vs the floor at 1,000,000 (BENCH_EXPORT_MILLION=0 skips it)
 *
 * The first floor leaves out two things every export must do: open each sealed seed (AES-256-GCM)
 * and mark the rows exported (the UPDATEs under the lock, which the export's time includes). The
 * "all-in floor" adds both, raw: SELECT a row at a time + open each seed + write the same bytes +
 * the same marking UPDATEs. Both are printed; the all-in one is the fair comparison.
 *
 *   export.js                          run the comparison
 *   export.js child MODE HOME BYTES    run one measurement (MODE: export | encrypted | floor | floor-all-in)
 *   export.js prepare HOME ROWS        make a home to measure by hand (e.g. with node --cpu-prof)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, cpSync, fsyncSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { initHome, openInventory } from '../src/store/db.js';
import { exportBatch, exportEncryptedBatch } from '../src/services/batch/export.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MILLION = Number(process.env.BENCH_EXPORT_MILLION ?? 1_000_000);
const ADMIN = { name: 'bench', role: 'admin' } as const;
const BLOCK = 64 * 1024;

interface Run {
  ms: number;
  rows: number;
  maxRssMb: number;
  /** export: from taking the write lock to the commit; floor: the raw marking UPDATEs alone. */
  lockMs: number;
}

async function child(mode: string, home: string, bytes: number): Promise<void> {
  const inventory = openInventory(home);
  const out = join(home, 'out');
  const start = performance.now();
  let rows = 0;
  let lockMs = 0;
  let locked = 0;
  const faults = {
    at(step: string) {
      if (step === 'locked') locked = performance.now();
      if (step === 'committed') lockMs = performance.now() - locked;
    },
  };
  if (mode === 'export') {
    rows = exportBatch(inventory, { format: 'entra-csv', outDir: out, actor: ADMIN, faults }).manifest?.count ?? 0;
  } else if (mode === 'encrypted') {
    const recipient = await identityToRecipient(await generateX25519Identity());
    rows = (await exportEncryptedBatch(inventory, { format: 'entra-csv', outDir: out, encryptTo: [recipient], actor: ADMIN })).manifest?.count ?? 0;
  } else {
    // The floor: the same rows read a row at a time, and the same number of bytes written in blocks.
    const select = inventory.sqlite.prepare(
      `SELECT t.serial, t.sealed_secret, t.period, t.manufacturer, t.model, a.upn FROM assignments a JOIN tokens t ON t.id = a.token_id
        WHERE a.batch_id IS NULL AND a.undone_at IS NULL AND t.status = 'assigned' ORDER BY a.verified_at, a.id`,
    );
    const open = mode === 'floor-all-in';
    for (const row of select.iterate() as Iterable<{ serial: string; sealed_secret: Buffer }>) {
      rows++;
      if (open) inventory.vault.open(row.serial, row.sealed_secret).fill(0);
    }
    const fd = openSync(join(home, 'floor.csv'), 'w', 0o600);
    const block = Buffer.alloc(BLOCK, 0x41);
    for (let left = bytes; left > 0; left -= BLOCK) writeSync(fd, block, 0, Math.min(BLOCK, left));
    fsyncSync(fd);
    closeSync(fd);
  }
  let ms = performance.now() - start;
  if (mode === 'floor' || mode === 'floor-all-in') lockMs = rawMarking(inventory.sqlite);
  if (mode === 'floor-all-in') ms += lockMs;
  inventory.close();
  process.stdout.write(`${JSON.stringify({ ms, rows, lockMs, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

/** The floor of the lock: a batch row and the two set-based UPDATEs of every waiting row, raw, durably. */
function rawMarking(sqlite: ReturnType<typeof openInventory>['sqlite']): number {
  const ids = sqlite.prepare('SELECT id FROM assignments WHERE batch_id IS NULL ORDER BY verified_at, id').pluck().all() as number[];
  const start = performance.now();
  sqlite.pragma('synchronous = FULL');
  sqlite.transaction(() => {
    const batch = sqlite
      .prepare(`INSERT INTO batches (name, desk_id, format, file_name, row_count, sha256, created_at, created_by) VALUES ('floor', 'bench', 'entra-csv', 'f', ?, '', '', 'bench')`)
      .run(ids.length).lastInsertRowid;
    sqlite.prepare('UPDATE assignments SET batch_id = ? WHERE id IN (SELECT value FROM json_each(?)) AND batch_id IS NULL AND undone_at IS NULL').run(batch, JSON.stringify(ids));
    sqlite.prepare("UPDATE tokens SET status = 'exported' WHERE status = 'assigned' AND id IN (SELECT token_id FROM assignments WHERE batch_id = ?)").run(batch);
  }).immediate();
  return performance.now() - start;
}

/** A home with `rows` verified hand-outs waiting, made directly (neither import nor hand-out is measured here). */
function prepare(dir: string, rows: number): void {
  initHome(dir, { deskId: 'bench' });
  const inventory = openInventory(dir);
  const { sqlite, vault } = inventory;
  sqlite.transaction(() => {
    const importId = sqlite
      .prepare(
        `INSERT INTO imports (file_name, file_size, sha256, format, added, already_present, rejected, skipped, imported_at, imported_by)
         VALUES ('bench.csv', 0, ?, 'entra-csv', ?, 0, 0, 0, '2026-11-29T08:00:00.000Z', 'bench')`,
      )
      .run(randomBytes(32).toString('hex'), rows).lastInsertRowid;
    const token = sqlite.prepare(
      `INSERT INTO tokens (serial, sealed_secret, algorithm, digits, period, manufacturer, model, status, import_id)
       VALUES (?, ?, 'SHA1', 6, 30, 'Token2', 'C202', 'assigned', ?)`,
    );
    const secret = Buffer.alloc(20);
    for (let i = 0; i < rows; i++) {
      const serial = String(80_000_000_000 + i).padStart(13, '0');
      randomBytes(20).copy(secret);
      token.run(serial, vault.seal(serial, secret), importId);
    }
    sqlite.exec(`INSERT INTO assignments (token_id, upn, display_name, verified_at, offset_steps, assigned_by, desk_id)
      SELECT id, 'user' || id || '@example.com', 'Token2 C202', '2026-11-29T09:00:00.000Z', 0, 'bench', 'bench' FROM tokens`);
  })();
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  inventory.close();
}

function run(self: string, mode: string, home: string, bytes = 0): Run {
  return JSON.parse(execFileSync(process.execPath, [self, 'child', mode, home, String(bytes)], { encoding: 'utf8' })) as Run;
}

/** Bytes of the batch file the export wrote (its .csv). */
function writtenBytes(home: string): number {
  const out = join(home, 'out');
  return readdirSync(out)
    .filter((name) => name.endsWith('.csv'))
    .reduce((sum, name) => sum + statSync(join(out, name)).size, 0);
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const label = (text: string) => text.padEnd(34);
const mb = (n: number) => `${n.toFixed(0)} MB`.padStart(14);
const msText = (n: number) => `${n.toFixed(0)} ms`.padStart(14);

function line(name: string, value: number, floor: number, target: number, floorName: string): void {
  const ratio = value / floor;
  console.log(`${label(name)} ${msText(value)}   floor ${msText(floor)}   ${ratio.toFixed(2)}x (target <= ${target}x; floor = ${floorName}) ${ratio <= target ? 'ok' : 'OVER TARGET'}`);
}

function memory(name: string, peak: number, floorPeak: number): void {
  console.log(`${label(name)} ${mb(peak)}   floor ${mb(floorPeak)}   (target < 200 MB) ${peak < 200 ? 'ok' : 'OVER TARGET'}`);
}

const [, , command, mode, home, bytes] = process.argv;
if (command === 'child') {
  await child(mode!, home!, Number(bytes));
} else if (command === 'prepare') {
  prepare(mode!, Number(home));
} else {
  const self = fileURLToPath(import.meta.url);
  const work = mkdtempSync(join(tmpdir(), 'tokendesk-bench-export-'));
  try {
    const pristine = join(work, 'pristine');
    prepare(pristine, ROWS);
    const fresh = (name: string) => {
      const dir = join(work, name);
      rmSync(dir, { recursive: true, force: true });
      cpSync(pristine, dir, { recursive: true });
      return dir;
    };
    const runs: Record<'export' | 'floor' | 'allIn' | 'encrypted', Run[]> = { export: [], floor: [], allIn: [], encrypted: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const exportHome = fresh(`export-${round}`);
      const exported = run(self, 'export', exportHome);
      if (exported.rows !== ROWS) throw new Error(`exported ${exported.rows} rows, expected ${ROWS}`);
      runs.export.push(exported);
      runs.floor.push(run(self, 'floor', fresh(`floor-${round}`), writtenBytes(exportHome)));
      runs.allIn.push(run(self, 'floor-all-in', fresh(`floor-${round}`), writtenBytes(exportHome)));
      runs.encrypted.push(run(self, 'encrypted', fresh(`encrypted-${round}`)));
      for (const name of [`export-${round}`, `floor-${round}`, `encrypted-${round}`]) rmSync(join(work, name), { recursive: true, force: true });
    }
    const rows = ROWS.toLocaleString('en-US');
    const exportMs = median(runs.export.map((r) => r.ms));
    line(`export ${rows} hand-outs (Entra CSV)`, exportMs, median(runs.floor.map((r) => r.ms)), 2, 'raw SELECT a row at a time + write the same bytes');
    line(`export ${rows}, all-in floor`, exportMs, median(runs.allIn.map((r) => r.ms)), 2, 'raw SELECT + open each seed + write + mark the rows');
    memory(`peak memory of the export`, Math.max(...runs.export.map((r) => r.maxRssMb)), Math.max(...runs.floor.map((r) => r.maxRssMb)));
    line(`write lock held by that export`, median(runs.export.map((r) => r.lockMs)), median(runs.floor.map((r) => r.lockMs)), 2, 'the same marking UPDATEs, raw');
    line(`export ${rows}, encrypted (age)`, median(runs.encrypted.map((r) => r.ms)), exportMs, 2, 'the same export in the clear');
    memory(`peak memory, encrypted`, Math.max(...runs.encrypted.map((r) => r.maxRssMb)), Math.max(...runs.export.map((r) => r.maxRssMb)));

    if (MILLION > 0) {
      rmSync(pristine, { recursive: true, force: true });
      prepare(pristine, MILLION);
      const exportHome = fresh('export-million');
      const exported = run(self, 'export', exportHome);
      if (exported.rows !== MILLION) throw new Error(`exported ${exported.rows} rows, expected ${MILLION}`);
      const floor = run(self, 'floor', fresh('floor-million'), writtenBytes(exportHome));
      const allIn = run(self, 'floor-all-in', fresh('floor-million'), writtenBytes(exportHome));
      const million = MILLION.toLocaleString('en-US');
      line(`export ${million} hand-outs`, exported.ms, floor.ms, 2, 'raw SELECT a row at a time + write the same bytes');
      line(`export ${million}, all-in floor`, exported.ms, allIn.ms, 2, 'raw SELECT + open each seed + write + mark the rows');
      line(`write lock held at ${million}`, exported.lockMs, floor.lockMs, 2, 'the same marking UPDATEs, raw');
      memory(`peak memory at ${million}`, exported.maxRssMb, floor.maxRssMb);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
