import { chmodSync, copyFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initHome, openInventory } from '../../src/store/db.js';
import { homePaths } from '../../src/store/home.js';
import { readKeyFile } from '../../src/store/keyFile.js';
import { SeedVault } from '../../src/store/seedVault.js';
import { Refusal } from '../../src/core/errors.js';
import { snapshot, tempDir } from '../support/home.js';

function refusalOf(fn: () => unknown): Refusal {
  try {
    fn();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('tokendesk home', () => {
  it('init creates the database, a 0600 key file and the desk id', () => {
    const dir = join(tempDir(), 'home');
    const { paths, deskId } = initHome(dir, { deskId: 'hq-1' });
    expect(deskId).toBe('hq-1');
    expect(statSync(paths.keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(paths.dir).mode & 0o777).toBe(0o700);
    const inventory = openInventory(dir);
    expect(inventory.deskId).toBe('hq-1');
    expect(inventory.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(inventory.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(inventory.sqlite.pragma('secure_delete', { simple: true })).toBe(1);
    inventory.close();
  });

  it('refuses to init over an existing home', () => {
    const dir = join(tempDir(), 'home');
    initHome(dir);
    const before = readFileSync(homePaths(dir).keyFile);
    expect(refusalOf(() => initHome(dir)).code).toBe('home-exists');
    expect(readFileSync(homePaths(dir).keyFile)).toEqual(before);
  });

  it('refuses a bad desk id', () => {
    expect(refusalOf(() => initHome(join(tempDir(), 'h'), { deskId: 'no spaces please' })).code).toBe('bad-desk-id');
  });

  it('says how to start when there is no home', () => {
    const error = refusalOf(() => openInventory(join(tempDir(), 'nowhere')));
    expect(error.code).toBe('not-initialised');
    expect(error.message).toContain('tokendesk init');
  });

  it('refuses a missing key file and changes nothing', () => {
    const dir = join(tempDir(), 'home');
    const { paths } = initHome(dir);
    const before = snapshot(paths.database);
    rmSync(paths.keyFile);
    const error = refusalOf(() => openInventory(dir));
    expect(error.code).toBe('key-missing');
    expect(error.message).toContain(paths.keyFile);
    expect(snapshot(paths.database)).toBe(before);
  });

  it("refuses another home's key file and changes nothing", () => {
    const a = initHome(join(tempDir(), 'a')).paths;
    const b = initHome(join(tempDir(), 'b')).paths;
    const before = snapshot(a.database);
    copyFileSync(b.keyFile, a.keyFile);
    const error = refusalOf(() => openInventory(a.dir));
    expect(error.code).toBe('key-mismatch');
    expect(error.message).toMatch(/does not belong to this database/);
    expect(snapshot(a.database)).toBe(before);
  });

  it('tightens a key file others can read when it opens, and says to rotate the key', () => {
    const { paths } = initHome(join(tempDir(), 'home'));
    chmodSync(paths.keyFile, 0o644);
    const inventory = openInventory(paths.dir);
    inventory.close();
    expect(statSync(paths.keyFile).mode & 0o777).toBe(0o600);
    expect(inventory.notes.join('\n')).toMatch(/tokendesk\.key \(was 644\)[\s\S]*tokendesk key rotate/);
  });

  it('still refuses a key file others can read where nothing tightened it first', () => {
    const { paths } = initHome(join(tempDir(), 'home'));
    chmodSync(paths.keyFile, 0o644);
    expect(refusalOf(() => readKeyFile(paths)).code).toBe('key-permissions');
  });

  it('refuses a damaged key file', () => {
    const { paths } = initHome(join(tempDir(), 'home'));
    writeFileSync(paths.keyFile, 'not json', { mode: 0o600 });
    expect(refusalOf(() => openInventory(paths.dir)).code).toBe('key-unreadable');
  });
});

describe('seed vault', () => {
  const vault = new SeedVault(new Uint8Array(32).fill(7));
  const secret = new Uint8Array(Buffer.from('12345678901234567890'));

  it('round-trips a secret with a fresh nonce each time', () => {
    const a = vault.seal('0001', secret);
    const b = vault.seal('0001', secret);
    expect(a.equals(b)).toBe(false);
    expect(Buffer.from(vault.open('0001', a)).toString()).toBe('12345678901234567890');
    expect(a.includes(Buffer.from(secret))).toBe(false);
  });

  it('binds the secret to its serial', () => {
    const sealed = vault.seal('0001', secret);
    expect(() => vault.open('0002', sealed)).toThrow(/cannot be decrypted/);
  });

  it('detects a flipped bit', () => {
    const sealed = vault.seal('0001', secret);
    sealed[14]! ^= 1;
    expect(() => vault.open('0001', sealed)).toThrow(/cannot be decrypted/);
  });

  it('does not open with another key', () => {
    const other = new SeedVault(new Uint8Array(32).fill(8));
    expect(() => other.open('0001', vault.seal('0001', secret))).toThrow(Refusal);
  });
});

