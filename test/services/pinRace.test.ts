/**
 * Wrong PINs from many processes at once (issue 11, item 3): the lock holds. Each child is a real
 * process with its own connection to the same SQLite file; a preloaded hook counts every scrypt
 * run, which is every PIN actually checked. However many try at once, at most MAX_FAILED_PINS are
 * checked before the name locks, the lock is set, and no failure clears it.
 * TOKENDESK_PIN_RACE_PROCS sets how many children (default 50).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_FAILED_PINS, addStaff, listStaff, signIn } from '../../src/services/staff.js';
import { initHome, openInventory } from '../../src/store/db.js';
import { ADMIN, tempDir } from '../support/home.js';
import { CLI } from '../support/cli.js';

void CLI; // importing support/cli.js checks that the package was built (the children run dist/)
const CHILD = fileURLToPath(new URL('../fixtures/staff/signInChild.mjs', import.meta.url));
const COUNTER = fileURLToPath(new URL('../fixtures/staff/countScrypt.mjs', import.meta.url));
const PROCESSES = Number(process.env.TOKENDESK_PIN_RACE_PROCS ?? 50);
const PIN = '90817263';

interface Child {
  ready: Promise<void>;
  outcome: Promise<string>;
}

function startChild(home: string, pin: string, go: string, log: string): Child {
  const child = spawn(process.execPath, ['--import', COUNTER, CHILD, home, 'anna', pin, go], {
    env: { ...process.env, TOKENDESK_TEST_SCRYPT_LOG: log },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const outcome = new Promise<string>((resolve) =>
    child.on('close', (code) => {
      markReady(); // a child that died early must not hold up the start
      resolve(code === 0 ? out.replace('ready\n', '').trim() : `exit ${code}: ${err.trim()}`);
    }),
  );
  return { ready, outcome };
}

describe(`${PROCESSES} processes guessing one PIN at once`, () => {
  it(`check at most ${MAX_FAILED_PINS} PINs, then find the name locked; the lock survives them all`, async () => {
    const dir = tempDir();
    const home = join(dir, 'home');
    initHome(home, { deskId: 'race' });
    const setup = openInventory(home);
    addStaff(setup, { name: 'anna', role: 'admin', pin: PIN, actor: ADMIN });
    setup.close();

    const go = join(dir, 'go');
    const log = join(dir, 'scrypt.log');
    writeFileSync(log, '');
    // Fifty different wrong PINs, so no cache or coincidence could make two count as one.
    const children = Array.from({ length: PROCESSES }, (_, i) => startChild(home, String(10_000_000 + i), go, log));
    await Promise.all(children.map((c) => c.ready));
    writeFileSync(go, 'go');
    const outcomes = await Promise.all(children.map((c) => c.outcome));

    const checked = readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
    expect(outcomes.filter((o) => !['bad-pin', 'staff-locked'].includes(o)), outcomes.join('\n')).toEqual([]);
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(MAX_FAILED_PINS);
    expect(outcomes.filter((o) => o === 'bad-pin').length).toBeLessThan(MAX_FAILED_PINS);

    // Locked afterwards: even the right PIN is refused, and the audit trail still verifies.
    const after = openInventory(home);
    try {
      expect(listStaff(after).find((s) => s.name === 'anna')?.lockedUntilMs).toBeGreaterThan(Date.now());
      expect(() => signIn(after, { name: 'anna', pin: PIN })).toThrow(/locked until/);
      expect(after.store.audit.verify().ok).toBe(true);
    } finally {
      after.close();
    }
  }, 180_000);
});
