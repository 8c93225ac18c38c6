/**
 * `tokendesk key rotate`: every stored seed re-encrypted under a new data key in one transaction.
 * Killed with SIGKILL at each step, and at random moments again and again, the home opens
 * afterwards and every seed verifies: the key file always holds the key the database uses.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { keyStatus, rotateDataKey, type RotationStep } from '../../src/services/keys.js';
import { initHome, openInventory, type Inventory } from '../../src/store/db.js';
import { homePaths } from '../../src/store/home.js';
import { deriveKekSync, keysOf, readKeyFile } from '../../src/store/keyFile.js';
import { findToken, openSeed } from '../../src/services/tokens.js';
import { ADMIN, snapshot, tempDir, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';
import { CLI } from '../support/cli.js';

const CHILD = fileURLToPath(new URL('../fixtures/keys/rotateChild.mjs', import.meta.url));
void CLI; // importing support/cli.js checks that the package was built

const FAST = { N: 2 ** 12, r: 8, p: 1 };
const PASSPHRASE = 'correct horse battery staple';
const STEPS: RotationStep[] = ['pending-written', 'seeds-resealed', 'committed', 'finalised'];
type Mode = 'file' | 'passphrase';

interface Desk {
  home: string;
  tokens: TestToken[];
  /** Serials whose seeds were purged after upload: nothing to re-encrypt. */
  purged: Set<string>;
  passphrase?: string;
}

async function deskWith(count: number, mode: Mode): Promise<Desk> {
  const home = join(tempDir(), 'home');
  const passphrase = mode === 'passphrase' ? PASSPHRASE : undefined;
  initHome(home, { deskId: 'hq', passphrase, scrypt: FAST });
  const tokens = makeTokens(count);
  const inventory = openInventory(home, { passphrase });
  try {
    const report = await importSeeds(inventory, { file: writeTemp('seeds.csv', entraCsv(tokens)), actor: ADMIN });
    expect(report.added).toBe(count);
    const purged = new Set(tokens.slice(0, 3).map((t) => t.serial));
    const purge = inventory.sqlite.prepare("UPDATE tokens SET sealed_secret = NULL, secret_purged_at = '2026-11-29T09:00:00Z', status = 'uploaded' WHERE serial = ?");
    for (const serial of purged) purge.run(serial);
    return { home, tokens, purged, passphrase };
  } finally {
    inventory.close();
  }
}

function open(desk: Desk): Inventory {
  return openInventory(desk.home, { passphrase: desk.passphrase });
}

/** What a person relies on after any crash: the home opens, and every seed decrypts to what was imported. */
function expectEverySeedVerifies(desk: Desk): void {
  const inventory = open(desk);
  try {
    expect(inventory.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    const stored = new Map(
      (inventory.sqlite.prepare('SELECT serial, sealed_secret AS sealed FROM tokens').all() as Array<{ serial: string; sealed: Buffer | null }>).map((r) => [r.serial, r.sealed]),
    );
    expect(stored.size).toBe(desk.tokens.length);
    const wrong: string[] = [];
    for (const t of desk.tokens) {
      const sealed = stored.get(t.serial);
      if (desk.purged.has(t.serial)) {
        if (sealed !== null) wrong.push(`${t.serial} (should be purged)`);
        continue;
      }
      if (!sealed || !Buffer.from(inventory.vault.open(t.serial, sealed)).equals(Buffer.from(t.secret))) wrong.push(t.serial);
    }
    expect(wrong).toEqual([]);
  } finally {
    inventory.close();
  }
  expect(keyStatus(desk.home).rotationPending).toBe(false);
}

const keyFileJson = (home: string) => JSON.parse(readFileSync(homePaths(home).keyFile, 'utf8')) as Record<string, unknown>;

/** The data keys in the key file now, in hex (unwrapped with the passphrase in passphrase mode). */
function keysNow(desk: Desk): { current: string; pending?: string } {
  const body = readKeyFile(homePaths(desk.home));
  const keys = keysOf(body, body.mode === 'passphrase' ? { kek: deriveKekSync(desk.passphrase!, body.kdf) } : undefined)!;
  const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');
  return { current: hex(keys.dataKey), ...(keys.pendingKey ? { pending: hex(keys.pendingKey) } : {}) };
}
const sealedColumn = (inventory: Inventory) =>
  (inventory.sqlite.prepare('SELECT sealed_secret AS s FROM tokens WHERE sealed_secret IS NOT NULL ORDER BY id').all() as Array<{ s: Buffer }>).map((r) => r.s.toString('hex'));

describe('key rotation', () => {
  for (const mode of ['file', 'passphrase'] as const) {
    it(`re-encrypts every seed under a new key; old key files open nothing (${mode} mode)`, async () => {
      const desk = await deskWith(500, mode);
      const oldKeyFile = join(tempDir(), 'old.key');
      copyFileSync(homePaths(desk.home).keyFile, oldKeyFile);
      const before = keyFileJson(desk.home);
      const keysBefore = keysNow(desk);

      const inventory = open(desk);
      const sealedBefore = sealedColumn(inventory);
      const steps: RotationStep[] = [];
      const report = rotateDataKey(inventory, { actor: ADMIN, onStep: (s) => steps.push(s) });
      expect(report).toEqual({ seeds: 497, keyMode: mode });
      expect(steps).toEqual(STEPS);
      // Every sealed value changed; the same inventory keeps working with the new key.
      const sealedAfter = sealedColumn(inventory);
      expect(sealedAfter).toHaveLength(497);
      expect(sealedAfter.filter((hex, i) => hex === sealedBefore[i])).toEqual([]);
      expect(Buffer.from(openSeed(inventory, findToken(inventory, desk.tokens[10]!.serial)!.id)).equals(Buffer.from(desk.tokens[10]!.secret))).toBe(true);
      const audit = inventory.sqlite.prepare("SELECT actor, subject FROM audit_log WHERE action = 'key-rotate'").all();
      expect(audit).toEqual([{ actor: ADMIN.name, subject: JSON.stringify({ mode, tokens: 497 }) }]);
      inventory.close();

      const after = keyFileJson(desk.home);
      expect(after.mode).toBe(mode);
      expect(keysNow(desk).current).not.toBe(keysBefore.current);
      expect(keysNow(desk).pending).toBeUndefined();
      if (mode === 'passphrase') expect(after.kdf).toEqual(before.kdf);
      expectEverySeedVerifies(desk);

      // A backup of the old key file no longer opens this database.
      copyFileSync(oldKeyFile, homePaths(desk.home).keyFile);
      expect(() => open(desk)).toThrow(expect.objectContaining({ code: 'key-mismatch' }));
    });
  }

  it('refuses as a whole when one stored seed cannot be decrypted, leaving the database and key file as they were', async () => {
    const desk = await deskWith(50, 'file');
    const inventory = open(desk);
    const serial = desk.tokens[20]!.serial;
    const row = inventory.sqlite.prepare('SELECT sealed_secret AS s FROM tokens WHERE serial = ?').get(serial) as { s: Buffer };
    row.s[15]! ^= 1;
    inventory.sqlite.prepare('UPDATE tokens SET sealed_secret = ? WHERE serial = ?').run(row.s, serial);
    const before = snapshot(inventory.paths.database);
    const keyBefore = keyFileJson(desk.home);
    let refusal: unknown;
    try {
      rotateDataKey(inventory, { actor: ADMIN });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(Refusal);
    expect(refusal).toMatchObject({ code: 'seed-unreadable' });
    expect((refusal as Refusal).message).toContain(serial);
    expect(snapshot(inventory.paths.database)).toBe(before);
    expect(keyFileJson(desk.home)).toEqual(keyBefore);
    inventory.close();
  });

  it('an import through an inventory opened before the rotation is refused, not sealed under the old key', async () => {
    const desk = await deskWith(5, 'file');
    const stale = open(desk);
    const rotating = open(desk);
    rotateDataKey(rotating, { actor: ADMIN });
    rotating.close();
    const more = makeTokens(3, { prefix: '0099' });
    await expect(importSeeds(stale, { file: writeTemp('more.csv', entraCsv(more)), actor: ADMIN })).rejects.toMatchObject({ code: 'key-changed' });
    expect(findToken(stale, more[0]!.serial)).toBeUndefined();
    stale.close();
    expectEverySeedVerifies(desk);
  });
});

describe('key rotation killed with SIGKILL', () => {
  for (const mode of ['file', 'passphrase'] as const) {
    for (const step of STEPS) {
      it(`at "${step}" (${mode} mode): the home opens on one key, old or new, and every seed verifies`, async () => {
        const desk = await deskWith(300, mode);
        const before = keysNow(desk);
        const dbBefore = snapshot(homePaths(desk.home).database);
        const child = spawnSync(process.execPath, [CHILD, desk.home, desk.passphrase ?? '-', step], { encoding: 'utf8' });
        expect(child.signal, child.stderr).toBe('SIGKILL');
        expect(child.stdout.trim().split('\n').at(-1)).toBe(step);

        const crashed = keysNow(desk);
        const committed = step === 'committed' || step === 'finalised';
        if (step === 'finalised') {
          expect(crashed.pending).toBeUndefined();
          expect(crashed.current).not.toBe(before.current);
        } else {
          // Both keys in the file: the old one in use, the new one pending.
          expect(crashed.current).toBe(before.current);
          expect(crashed.pending).toBeDefined();
        }
        if (!committed) expect(snapshot(homePaths(desk.home).database)).toBe(dbBefore);
        else expect(snapshot(homePaths(desk.home).database)).not.toBe(dbBefore);

        expectEverySeedVerifies(desk);
        // Not committed: the old key stays. Committed: the pending key became the key.
        expect(keysNow(desk)).toEqual({ current: committed ? (crashed.pending ?? crashed.current) : before.current });
      });
    }
  }

  it('at random moments, again and again: after each, the home opens and every seed verifies', async () => {
    const seen = new Map<string, number>();
    for (const [mode, rounds] of [['file', 6], ['passphrase', 4]] as const) {
      const desk = await deskWith(2000, mode);
      for (let round = 0; round < rounds; round++) {
        const child = spawn(process.execPath, [CHILD, desk.home, desk.passphrase ?? '-', 'loop'], { stdio: ['ignore', 'pipe', 'pipe'] });
        const delayMs = Math.floor(Math.random() * 400);
        const outcome = await new Promise<string>((resolveRun) => {
          let shown = '';
          let timer: NodeJS.Timeout | undefined;
          child.stdout.on('data', (chunk: Buffer) => {
            shown += chunk.toString();
            if (timer === undefined && shown.includes('start\n')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
          });
          child.stderr.on('data', (chunk: Buffer) => (shown += chunk.toString()));
          child.on('exit', (_code, signal) => {
            clearTimeout(timer);
            resolveRun(signal === 'SIGKILL' ? `killed after ${shown.trim().split('\n').at(-1)}` : `exited: ${shown}`);
          });
        });
        expect(outcome).toMatch(/^killed after (start|pending-written|seeds-resealed|committed|finalised)$/);
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
        expectEverySeedVerifies(desk);
      }
    }
    console.log(`rotation kills: ${[...seen].map(([k, n]) => `${k} x${n}`).join(', ')}`);
  });
});
