import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { initHome, openInventory, type Inventory } from '../../src/store/db.js';
import type { Actor } from '../../src/services/actor.js';

export const ADMIN: Actor = { name: 'test-admin', role: 'admin' };
export const STAFF: Actor = { name: 'test-staff', role: 'staff' };

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A fresh temp folder, removed after the test. */
export function tempDir(prefix = 'tokendesk-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An initialised home, opened; closed and removed after the test. */
export function freshInventory(deskId = 'test-desk'): Inventory {
  const dir = join(tempDir(), 'home');
  initHome(dir, { deskId });
  const inventory = openInventory(dir);
  cleanups.push(() => inventory.close());
  return inventory;
}

export function writeTemp(name: string, content: string | Uint8Array): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

/** Every row of every table, as text: equal snapshots mean the database did not change. */
export function snapshot(databaseFile: string): string {
  const sqlite = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>;
    return tables
      .map(({ name }) => `${name}:${JSON.stringify(sqlite.prepare(`SELECT * FROM "${name}"`).all(), (_k, v) => (Buffer.isBuffer(v) ? v.toString('hex') : v))}`)
      .join('\n');
  } finally {
    sqlite.close();
  }
}
