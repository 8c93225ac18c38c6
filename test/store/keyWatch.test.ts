/**
 * A long-running process (the kiosk) after `tokendesk key rotate` in another (issue 11, item 10):
 * two inventories on one home. It notices that the home's key changed instead of calling the
 * seed damaged: in file mode, or when the passphrase is the same, it takes the new key from the
 * key file and carries on; when it cannot (a new passphrase), it says to restart.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { changePassphrase, rotateDataKey } from '../../src/services/keys.js';
import { addStaff, signIn } from '../../src/services/staff.js';
import { initHome, openInventory, type Inventory } from '../../src/store/db.js';
import { findToken, openSeed } from '../../src/services/tokens.js';
import { ADMIN, tempDir, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';

const FAST = { N: 2 ** 12, r: 8, p: 1 };
const PASSPHRASE = 'correct horse battery staple';
const tokens = makeTokens(2);

async function home(passphrase?: string): Promise<{ dir: string; open: () => Inventory }> {
  const dir = join(tempDir(), 'home');
  initHome(dir, { deskId: 'hq', passphrase, scrypt: FAST });
  const open = () => openInventory(dir, { passphrase });
  const setup = open();
  await importSeeds(setup, { file: writeTemp('seeds.csv', entraCsv(tokens)), actor: ADMIN });
  addStaff(setup, { name: 'anna', role: 'admin', pin: '90817263', actor: ADMIN });
  setup.close();
  return { dir, open };
}

const seedOf = (inventory: Inventory, i: number) => Buffer.from(openSeed(inventory, findToken(inventory, tokens[i]!.serial)!.id));

function refusalOf(fn: () => unknown): Refusal {
  try {
    fn();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('a process that opened the home before another rotated its key', () => {
  it('takes the new key from the key file (file mode): seeds open, its audit entries verify', async () => {
    const { open } = await home();
    const kiosk = open();
    const admin = open();
    try {
      expect(seedOf(kiosk, 0).equals(Buffer.from(tokens[0]!.secret))).toBe(true);
      rotateDataKey(admin, { actor: ADMIN });
      expect(seedOf(kiosk, 1).equals(Buffer.from(tokens[1]!.secret))).toBe(true);
      signIn(kiosk, { name: 'anna', pin: '90817263' });
      expect(admin.store.audit.verify()).toMatchObject({ ok: true });
      expect(kiosk.store.audit.list().at(-1)).toMatchObject({ action: 'sign-in' });
    } finally {
      kiosk.close();
      admin.close();
    }
  });

  it('follows a rotation in passphrase mode too while the passphrase is the same', async () => {
    const { open } = await home(PASSPHRASE);
    const kiosk = open();
    const admin = open();
    try {
      rotateDataKey(admin, { actor: ADMIN });
      expect(seedOf(kiosk, 0).equals(Buffer.from(tokens[0]!.secret))).toBe(true);
    } finally {
      kiosk.close();
      admin.close();
    }
  });

  it('says to restart, not that a row is damaged, when the new key is behind a new passphrase; writes nothing', async () => {
    const { dir, open } = await home(PASSPHRASE);
    const kiosk = open();
    try {
      const admin = open();
      await changePassphrase(admin, { actor: ADMIN, passphrase: 'a brand new passphrase', scrypt: FAST });
      rotateDataKey(admin, { actor: ADMIN });
      admin.close();

      const seed = refusalOf(() => seedOf(kiosk, 0));
      expect(seed.code).toBe('key-rotated');
      expect(seed.message).toMatch(/the home's key was changed \(tokendesk key rotate.*\) since this kiosk started: restart it/);
      expect(seed.message).not.toMatch(/damaged|another home/);

      const entries = kiosk.store.audit.list().length;
      expect(refusalOf(() => signIn(kiosk, { name: 'anna', pin: '90817263' })).code).toBe('key-rotated');
      expect(kiosk.store.audit.list()).toHaveLength(entries);
    } finally {
      kiosk.close();
    }
    const restarted = openInventory(dir, { passphrase: 'a brand new passphrase' });
    try {
      expect(seedOf(restarted, 0).equals(Buffer.from(tokens[0]!.secret))).toBe(true);
      expect(restarted.store.audit.verify().ok).toBe(true);
    } finally {
      restarted.close();
    }
  });

  it('still calls a seed that does not open under the current key damaged', async () => {
    const { open } = await home();
    const kiosk = open();
    try {
      kiosk.sqlite.prepare("UPDATE tokens SET sealed_secret = zeroblob(40) WHERE serial = ?").run(tokens[0]!.serial);
      expect(refusalOf(() => seedOf(kiosk, 0))).toMatchObject({ code: 'seed-unreadable', message: expect.stringMatching(/damaged row/) });
    } finally {
      kiosk.close();
    }
  });
});
