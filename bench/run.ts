/**
 * `npm run bench`: each figure beside a floor measured in the same run, on the same machine.
 *   1. importing 100,000 Entra CSV rows vs the raw better-sqlite3 prepared insert of the same rows
 *   2. verify calls per second vs three raw node:crypto HMACs (what a +-1 step window costs)
 *   3. peak memory of the import process, at 100,000 rows and at 1,000,000 (BENCH_BIG_ROWS; 0 skips it)
 */
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { encodeBase32 } from '../src/core/secretCodec.js';
import { codeAt, verifyTotp, type TotpToken } from '../src/core/totp.js';
import { initHome } from '../src/store/db.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BIG_ROWS = Number(process.env.BENCH_BIG_ROWS ?? 1_000_000);
const child = fileURLToPath(new URL('./import-child.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tokendesk-bench-'));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function line(label: string, value: string, floor: string, ratio: number, target: number): void {
  const verdict = ratio <= target ? 'ok' : 'OVER TARGET';
  console.log(`${label.padEnd(34)} ${value.padStart(14)}   floor ${floor.padStart(14)}   ${ratio.toFixed(2)}x (target <= ${target}x) ${verdict}`);
}

try {
  // ---- 1 + 3: import -------------------------------------------------------------------------
  const entraFile = (rows: number, name: string): string => {
    const file = join(work, name);
    writeFileSync(file, 'upn,serial number,secret key,time interval,manufacturer,model\r\n');
    for (let start = 0; start < rows; start += 50_000) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(rows, start + 50_000); i++) lines.push(`,${String(60_000_000_000 + i).padStart(13, '0')},${encodeBase32(randomBytes(20))},30,Token2,C202\r\n`);
      appendFileSync(file, lines.join(''));
    }
    return file;
  };
  const file = entraFile(ROWS, 'box.csv');

  const runs: Record<'import' | 'floor', Array<{ ms: number; maxRssMb: number }>> = { import: [], floor: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['floor', 'import'] as const) {
      const home = join(work, `${mode}-${round}`);
      initHome(home, { deskId: 'bench' });
      const out = execFileSync(process.execPath, [child, mode, file, home], { encoding: 'utf8' });
      runs[mode].push(JSON.parse(out) as { ms: number; maxRssMb: number });
    }
  }
  const importMs = median(runs.import.map((r) => r.ms));
  const floorMs = median(runs.floor.map((r) => r.ms));
  console.log(`tokendesk bench (${ROWS.toLocaleString('en-US')} rows, median of ${ROUNDS}; node ${process.version})`);
  line(`import ${ROWS.toLocaleString('en-US')} Entra CSV rows`, `${importMs.toFixed(0)} ms`, `${floorMs.toFixed(0)} ms`, importMs / floorMs, 2);

  // ---- 2: verify, SHA-1 and SHA-256 ---------------------------------------------------------
  const seconds = 1.0;
  const rate = (fn: () => void): number => {
    for (let i = 0; i < 2000; i++) fn(); // warm-up
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      for (let i = 0; i < 500; i++) fn();
      n += 500;
    }
    return n / ((performance.now() - start) / 1000);
  };
  for (const algorithm of ['SHA1', 'SHA256'] as const) {
    const token: TotpToken = { secret: new Uint8Array(randomBytes(algorithm === 'SHA1' ? 20 : 32)), algorithm, digits: 6, period: 30 };
    const now = Date.now();
    const code = codeAt(token, now);
    const key = Buffer.from(token.secret);
    const counter = Buffer.alloc(8);
    const hash = algorithm.toLowerCase();
    const verifyRates: number[] = [];
    const floorRates: number[] = [];
    // Interleaved rounds, so a busy moment on a shared machine hits both sides alike.
    for (let round = 0; round < Math.max(ROUNDS, 5); round++) {
      floorRates.push(
        rate(() => {
          for (let s = 0; s < 3; s++) {
            counter.writeBigUInt64BE(BigInt(s));
            createHmac(hash, key).update(counter).digest();
          }
        }),
      );
      verifyRates.push(
        rate(() => {
          if (verifyTotp({ token, code, now }).kind !== 'accepted') throw new Error('bench code not accepted');
        }),
      );
    }
    const verifyRate = median(verifyRates);
    const floorRate = median(floorRates);
    line(`verify ${algorithm} (accepted, +-1)`, `${Math.round(verifyRate).toLocaleString('en-US')}/s`, `${Math.round(floorRate).toLocaleString('en-US')}/s`, floorRate / verifyRate, 1.5);
  }

  // ---- 3: memory -----------------------------------------------------------------------------
  const peak = Math.max(...runs.import.map((r) => r.maxRssMb));
  const floorPeak = Math.max(...runs.floor.map((r) => r.maxRssMb));
  console.log(
    `${'peak memory of the import'.padEnd(34)} ${`${peak.toFixed(0)} MB`.padStart(14)}   floor ${`${floorPeak.toFixed(0)} MB`.padStart(14)}   (target < 300 MB) ${peak < 300 ? 'ok' : 'OVER TARGET'}`,
  );

  // ---- 3b: a million rows: the same import, memory flat (the floor is not run: it holds every row) ----
  if (BIG_ROWS > 0) {
    const big = entraFile(BIG_ROWS, 'big.csv');
    const home = join(work, 'big');
    initHome(home, { deskId: 'bench' });
    const run = JSON.parse(execFileSync(process.execPath, [child, 'import', big, home], { encoding: 'utf8' })) as { ms: number; maxRssMb: number; rows: number };
    if (run.rows !== BIG_ROWS) throw new Error(`the ${BIG_ROWS}-row import added ${run.rows}`);
    const label = `import ${BIG_ROWS.toLocaleString('en-US')} rows: time, peak`;
    console.log(
      `${label.padEnd(34)} ${`${(run.ms / 1000).toFixed(1)} s`.padStart(14)}   peak ${`${run.maxRssMb.toFixed(0)} MB`.padStart(15)}   (target < 300 MB) ${run.maxRssMb < 300 ? 'ok' : 'OVER TARGET'}`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
