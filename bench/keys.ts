/**
 * Key bench (`node dist/bench/keys.js`): each figure beside a floor measured in the same run.
 *   1. unlocking a passphrase-mode home (scrypt at the cost calibrated here, then unwrapping the
 *      data key) vs scrypt alone with the same parameters
 *   2. `key rotate` of 100,000 seeds (every seed opened and sealed again in one transaction, the
 *      key file written twice) vs re-encrypting the same sealed bytes in memory (AES-256-GCM open +
 *      seal with node:crypto, no database), each in its own process so its peak memory is its own
 *   3. a sign-in with a wrong PIN (the try counted under the write lock, the PIN checked, the audit
 *      entry authenticated and the head file written) vs the one scrypt run it cannot do without
 *
 * The measured runs are this same file started again with `--child rotate|floor HOME`.
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { rotateDataKey } from '../src/services/keys.js';
import { addStaff, hashPin, pinMatches, signIn, unlockStaff } from '../src/services/staff.js';
import { initHome, openInventory } from '../src/store/db.js';
import { deriveKek, readKeyFile } from '../src/store/keyFile.js';
import { homePaths } from '../src/store/home.js';
import { unlockHome } from '../src/store/unlock.js';

const SEEDS = Number(process.env.BENCH_KEY_SEEDS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PASSPHRASE = 'bench passphrase, not a secret';
const self = fileURLToPath(import.meta.url);

interface ChildRun {
  ms: number;
  seeds: number;
  maxRssMb: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function line(label: string, value: string, floor: string, ratio: number, target: number): void {
  const verdict = ratio <= target ? 'ok' : 'OVER TARGET';
  console.log(`${label.padEnd(34)} ${value.padStart(14)}   floor ${floor.padStart(14)}   ${ratio.toFixed(2)}x (target <= ${target}x) ${verdict}`);
}

/** A home holding `count` sealed seeds, stored as an import would store them. */
function homeWithSeeds(home: string, count: number): void {
  initHome(home, { deskId: 'bench' });
  const inventory = openInventory(home);
  try {
    const { sqlite, vault } = inventory;
    const importId = Number(
      sqlite
        .prepare("INSERT INTO imports (file_name, file_size, sha256, format, added, already_present, rejected, skipped, imported_at, imported_by) VALUES ('bench', 0, 'bench', 'entra-csv', 0, 0, 0, 0, '', 'bench')")
        .run().lastInsertRowid,
    );
    const insert = sqlite.prepare(
      "INSERT INTO tokens (serial, sealed_secret, algorithm, digits, period, manufacturer, model, import_id) VALUES (?, ?, 'SHA1', 6, 30, 'Token2', 'C202', ?)",
    );
    sqlite.transaction(() => {
      for (let i = 0; i < count; i++) {
        const serial = String(60_000_000_000 + i).padStart(13, '0');
        insert.run(serial, vault.seal(serial, randomBytes(20)), importId);
      }
    })();
  } finally {
    inventory.close();
  }
}

/** One measured run in this process (started by the parent with --child). */
function child(mode: string, home: string): ChildRun {
  const inventory = openInventory(home);
  try {
    if (mode === 'rotate') {
      const start = performance.now();
      const report = rotateDataKey(inventory, { actor: { name: 'bench', role: 'admin' } });
      return { ms: performance.now() - start, seeds: report.seeds, maxRssMb: 0 };
    }
    // The floor: the same sealed bytes, already in memory (reading them is not timed), opened and
    // sealed again under a new key with node:crypto alone, as SeedVault does per row.
    const rows = inventory.sqlite.prepare('SELECT serial, sealed_secret AS sealed FROM tokens WHERE sealed_secret IS NOT NULL').all() as Array<{
      serial: string;
      sealed: Buffer;
    }>;
    const keyFile = readKeyFile(inventory.paths);
    if (keyFile.mode !== 'file') throw new Error('the rotation bench home is in file mode');
    const oldKey = Buffer.from(keyFile.dataKey, 'base64');
    const newKey = randomBytes(32);
    const out: Buffer[] = new Array(rows.length);
    const start = performance.now();
    const nonces = randomBytes(12 * rows.length);
    rows.forEach((row, i) => {
      const aad = Buffer.from(`tokendesk/seed/v1/${row.serial}`, 'utf8');
      const decipher = createDecipheriv('aes-256-gcm', oldKey, row.sealed.subarray(0, 12));
      decipher.setAAD(aad);
      decipher.setAuthTag(row.sealed.subarray(row.sealed.length - 16));
      const secret = Buffer.concat([decipher.update(row.sealed.subarray(12, row.sealed.length - 16)), decipher.final()]);
      const nonce = nonces.subarray(i * 12, i * 12 + 12);
      const cipher = createCipheriv('aes-256-gcm', newKey, nonce);
      cipher.setAAD(aad);
      out[i] = Buffer.concat([nonce, cipher.update(secret), cipher.final(), cipher.getAuthTag()]);
    });
    return { ms: performance.now() - start, seeds: out.length, maxRssMb: 0 };
  } finally {
    inventory.close();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tokendesk-bench-keys-'));
  try {
    console.log(`tokendesk key bench (median of ${ROUNDS}; node ${process.version})`);

    // ---- 1: unlock -------------------------------------------------------------------------------
    const locked = join(work, 'locked');
    initHome(locked, { deskId: 'bench', passphrase: PASSPHRASE }); // scrypt calibrated here, as `init --passphrase` does
    const keyFile = readKeyFile(homePaths(locked));
    if (keyFile.mode !== 'passphrase') throw new Error('expected a passphrase-mode key file');
    const unlockMs: number[] = [];
    const scryptMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let start = performance.now();
      await deriveKek(PASSPHRASE, keyFile.kdf);
      scryptMs.push(performance.now() - start);
      start = performance.now();
      await unlockHome(locked, PASSPHRASE);
      unlockMs.push(performance.now() - start);
    }
    const { N, r, p } = keyFile.kdf;
    line(
      `unlock (scrypt N=2^${Math.log2(N)} r=${r} p=${p})`,
      `${median(unlockMs).toFixed(0)} ms`,
      `${median(scryptMs).toFixed(0)} ms`,
      median(unlockMs) / median(scryptMs),
      1.1,
    );

    // ---- 2: rotation -----------------------------------------------------------------------------
    const home = join(work, 'seeds');
    homeWithSeeds(home, SEEDS);
    const runs: Record<'rotate' | 'floor', ChildRun[]> = { rotate: [], floor: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of ['floor', 'rotate'] as const) {
        const out = execFileSync(process.execPath, [self, '--child', mode, home], { encoding: 'utf8' });
        runs[mode].push(JSON.parse(out) as ChildRun);
      }
    }
    for (const run of [...runs.rotate, ...runs.floor]) if (run.seeds !== SEEDS) throw new Error(`a run re-encrypted ${run.seeds} seeds, not ${SEEDS}`);
    const rotateMs = median(runs.rotate.map((r) => r.ms));
    const floorMs = median(runs.floor.map((r) => r.ms));
    line(`key rotate, ${SEEDS.toLocaleString('en-US')} seeds`, `${rotateMs.toFixed(0)} ms`, `${floorMs.toFixed(0)} ms`, rotateMs / floorMs, 4);
    const peak = Math.max(...runs.rotate.map((r) => r.maxRssMb));
    const floorPeak = Math.max(...runs.floor.map((r) => r.maxRssMb));
    console.log(
      `${'peak memory of the rotation'.padEnd(34)} ${`${peak.toFixed(0)} MB`.padStart(14)}   floor ${`${floorPeak.toFixed(0)} MB`.padStart(14)}   (target < 200 MB) ${peak < 200 ? 'ok' : 'OVER TARGET'}`,
    );

    // ---- 3: sign-in ------------------------------------------------------------------------------
    const desk = join(work, 'desk');
    initHome(desk, { deskId: 'bench' });
    const inventory = openInventory(desk);
    try {
      const admin = { name: 'bench', role: 'admin' } as const;
      addStaff(inventory, { name: 'anna', role: 'admin', pin: '90817263', actor: admin });
      const stored = hashPin('90817263');
      const signInMs: number[] = [];
      const scryptOnlyMs: number[] = [];
      for (let round = 0; round < Math.max(ROUNDS, 5); round++) {
        let start = performance.now();
        pinMatches('00000000', stored);
        scryptOnlyMs.push(performance.now() - start);
        start = performance.now();
        try {
          signIn(inventory, { name: 'anna', pin: '00000000' });
        } catch {
          // The wrong PIN is the point.
        }
        signInMs.push(performance.now() - start);
        unlockStaff(inventory, { name: 'anna', actor: admin }); // never reach the lock
      }
      line('sign-in, wrong PIN', `${median(signInMs).toFixed(1)} ms`, `${median(scryptOnlyMs).toFixed(1)} ms`, median(signInMs) / median(scryptOnlyMs), 1.5);
    } finally {
      inventory.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  const run = child(args[1]!, args[2]!);
  process.stdout.write(`${JSON.stringify({ ...run, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
} else {
  await main();
}
