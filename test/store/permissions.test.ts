/**
 * Files readable by others (issue 11, item 8): the home is 0700 and everything in it 0600 — the
 * database and its -wal and -shm, the key file, the head file, the config, the exports — whatever
 * the umask; `init` into an existing looser folder tightens it, and opening a looser home fixes
 * it and says what it fixed.
 */
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initHome, openInventory } from '../../src/store/db.js';
import { tempDir } from '../support/home.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** Every file and folder of the home with its mode. */
function modes(dir: string): Record<string, string> {
  const found: Record<string, string> = { '.': modeOf(dir).toString(8) };
  for (const name of readdirSync(dir)) {
    found[name] = modeOf(join(dir, name)).toString(8);
    if (name === 'exports') for (const inner of readdirSync(join(dir, name))) found[`exports/${inner}`] = modeOf(join(dir, name, inner)).toString(8);
  }
  return found;
}

describe.skipIf(process.platform === 'win32')('the home', () => {
  it('is created 0700 with every file 0600 under a permissive umask, -wal and -shm included', () => {
    const previous = process.umask(0o022);
    try {
      const dir = join(tempDir(), 'home');
      initHome(dir);
      const inventory = openInventory(dir);
      try {
        inventory.store.write(() => inventory.store.audit.append({ actor: 'a', deskId: 'd', action: 'x', subject: {} }));
        const found = modes(dir);
        expect(Object.keys(found)).toEqual(expect.arrayContaining(['tokendesk.db-wal', 'tokendesk.db-shm', 'audit-head.json', 'tokendesk.key']));
        for (const [name, mode] of Object.entries(found)) expect([name, mode]).toEqual([name, name === '.' || name === 'exports' ? '700' : '600']);
      } finally {
        inventory.close();
      }
    } finally {
      process.umask(previous);
    }
  });

  it('is tightened when init creates it in an existing 0755 folder, with a note; files not its own are left alone', () => {
    const dir = join(tempDir(), 'shared');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'notes.txt'), 'not ours', { mode: 0o644 });
    chmodSync(join(dir, 'notes.txt'), 0o644);
    const result = initHome(dir);
    expect(modeOf(dir)).toBe(0o700);
    expect(result.notes.join('\n')).toMatch(/readable by other users; tightened to 0700\/0600: .*shared \(was 755\)/);
    expect(modeOf(join(dir, 'notes.txt'))).toBe(0o644);
  });

  it('is tightened when it is opened looser, everything in it, saying what was fixed', () => {
    const dir = join(tempDir(), 'home');
    const { paths } = initHome(dir);
    const first = openInventory(dir);
    try {
      first.store.write(() => first.store.audit.append({ actor: 'a', deskId: 'd', action: 'x', subject: {} }));
      writeFileSync(paths.config, '{}', { mode: 0o644 });
      writeFileSync(join(paths.exports, 'tokendesk-hq-20261129-1.csv'), 'x', { mode: 0o644 });
      for (const path of [dir, paths.exports]) chmodSync(path, 0o755);
      for (const path of [paths.database, `${paths.database}-wal`, `${paths.database}-shm`, paths.keyFile, paths.auditHead, paths.config, join(paths.exports, 'tokendesk-hq-20261129-1.csv')]) {
        chmodSync(path, 0o644);
      }
      const second = openInventory(dir);
      second.close();
      const notes = second.notes.join('\n');
      for (const name of ['tokendesk.db', 'tokendesk.db-wal', 'tokendesk.db-shm', 'tokendesk.key', 'audit-head.json', 'config.json', 'tokendesk-hq-20261129-1.csv']) {
        expect(notes).toContain(`${name} (was 644)`);
      }
      expect(notes).toContain('tokendesk key rotate');
      for (const [name, mode] of Object.entries(modes(dir))) expect([name, mode]).toEqual([name, name === '.' || name === 'exports' ? '700' : '600']);
      // Nothing left to fix: no note the next time.
      const third = openInventory(dir);
      third.close();
      expect(third.notes).toEqual([]);
    } finally {
      first.close();
    }
  });
});
