/**
 * Issue 11 defect 1: no seed left behind. Every file a batch writes is recorded (batch_files), and
 * `mark-uploaded --purge-seeds` overwrites and deletes every plaintext copy it can reach (HOME/exports
 * and any --out folder), naming each copy it cannot; `batch void` takes away all of the batch's files
 * the same way. A hard link to the file shows the overwrite happened before the delete.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportBatch, exportEncryptedBatch } from '../../src/services/batch/export.js';
import { newKeyPair } from '../../src/services/batch/encryption.js';
import { markUploaded, showBatch, voidBatch } from '../../src/services/batch/lifecycle.js';
import { seedCopiesLeft } from '../../src/services/batch/files.js';
import type { Inventory } from '../../src/store/db.js';
import { ADMIN, tempDir } from '../support/home.js';
import { makeTokens, type TestToken } from '../support/seedFiles.js';
import { NOW, desk } from '../fixtures/batches/desk.js';

async function handedOut(n = 3): Promise<{ inventory: Inventory; tokens: TestToken[] }> {
  const tokens = makeTokens(n);
  const inventory = await desk('hq', tokens, tokens.map((token, i) => ({ token, upn: `u${i}@example.com`, at: NOW + i })));
  return { inventory, tokens };
}

const recorded = (inventory: Inventory) =>
  inventory.sqlite.prepare('SELECT batch_id AS batchId, path, role, holds_seeds AS holdsSeeds, removed_at AS removedAt FROM batch_files ORDER BY id').all() as Array<{
    batchId: number;
    path: string;
    role: string;
    holdsSeeds: number;
    removedAt: string | null;
  }>;

const holdsSeed = (bytes: Buffer, tokens: TestToken[]) => tokens.some((t) => bytes.includes(t.base32));

describe('batch_files: every file a batch writes is recorded', () => {
  it('records the file and manifest of an export, a rewrite to another folder, and an encrypted export', async () => {
    const { inventory } = await handedOut();
    const first = exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    const elsewhere = join(tempDir(), 'stick');
    const again = exportBatch(inventory, { batch: 1, outDir: elsewhere, actor: ADMIN, now: NOW });
    expect(recorded(inventory)).toEqual([
      { batchId: 1, path: first.filePath, role: 'body', holdsSeeds: 1, removedAt: null },
      { batchId: 1, path: first.manifestPath, role: 'manifest', holdsSeeds: 0, removedAt: null },
      { batchId: 1, path: again.filePath, role: 'body', holdsSeeds: 1, removedAt: null },
      { batchId: 1, path: again.manifestPath, role: 'manifest', holdsSeeds: 0, removedAt: null },
    ]);
    // `batch show` names them, and after a purge says which were removed.
    markUploaded(inventory, { batch: 1, purgeSeeds: true, actor: ADMIN, now: NOW + 5 });
    expect(showBatch(inventory, 1).files.map((f) => [f.path, f.holdsSeeds, f.removedAt])).toEqual([
      [first.filePath, true, new Date(NOW + 5).toISOString()],
      [first.manifestPath, false, null],
      [again.filePath, true, new Date(NOW + 5).toISOString()],
      [again.manifestPath, false, null],
    ]);
  });
});

describe('mark-uploaded --purge-seeds shreds the plaintext copies', () => {
  it('overwrites then deletes the file in HOME/exports and in an --out folder; keeps the manifest', async () => {
    const { inventory, tokens } = await handedOut();
    const home = exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    const stick = exportBatch(inventory, { batch: 1, outDir: join(tempDir(), 'stick'), actor: ADMIN, now: NOW });
    // A second name for the same bytes on disk: after the purge it shows what the file held before the delete.
    const link = join(tempDir(), 'link.csv');
    linkSync(home.filePath!, link);
    expect(holdsSeed(readFileSync(link), tokens)).toBe(true);

    const result = markUploaded(inventory, { batch: 1, purgeSeeds: true, actor: ADMIN, now: NOW + 1000 });
    expect(result.files).toEqual({ removed: [home.filePath, stick.filePath], alreadyGone: [], left: [], kept: expect.any(Array) });
    expect(result.files!.kept.map((k) => k.path)).toEqual([home.manifestPath, stick.manifestPath]);
    expect(existsSync(home.filePath!)).toBe(false);
    expect(existsSync(stick.filePath!)).toBe(false);
    const overwritten = readFileSync(link);
    expect(overwritten.length).toBeGreaterThan(100);
    expect(overwritten.every((b) => b === 0)).toBe(true);
    expect(recorded(inventory).filter((f) => f.role === 'body').map((f) => f.removedAt)).toEqual([new Date(NOW + 1000).toISOString(), new Date(NOW + 1000).toISOString()]);
    // Nothing the desk wrote still holds a seed.
    for (const f of recorded(inventory)) if (existsSync(f.path)) expect(holdsSeed(readFileSync(f.path), tokens)).toBe(false);
  });

  it('names a copy it cannot reach, and removes it at the next purge once it can', async () => {
    const { inventory } = await handedOut();
    exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    const mount = join(tempDir(), 'mnt');
    const stick = join(mount, 'stick');
    const copy = exportBatch(inventory, { batch: 1, outDir: stick, actor: ADMIN, now: NOW });
    const unplugged = join(mount, 'unplugged');
    renameSync(stick, unplugged);

    expect(seedCopiesLeft(inventory)).toEqual([]); // not purged yet: the copies are expected
    const first = markUploaded(inventory, { batch: 1, purgeSeeds: true, actor: ADMIN, now: NOW });
    expect(first.files!.removed).toHaveLength(1);
    expect(first.files!.left).toEqual([{ path: copy.filePath, role: 'body', holdsSeeds: true, reason: expect.stringMatching(/folder cannot be reached/) }]);
    // doctor's list: the copy may still be on the stick.
    expect(seedCopiesLeft(inventory)).toEqual([{ batch: 'hq-20261129-1', path: copy.filePath, why: 'purged', present: false }]);

    renameSync(unplugged, stick);
    const second = markUploaded(inventory, { batch: 1, purgeSeeds: true, actor: ADMIN, now: NOW });
    expect(second).toMatchObject({ newlyMarked: false, purged: 0 });
    expect(second.files).toMatchObject({ removed: [copy.filePath], left: [] });
    expect(existsSync(copy.filePath!)).toBe(false);
    expect(seedCopiesLeft(inventory)).toEqual([]);
  });

  it('leaves a file that changed since export, and names it; counts one deleted by hand as gone', async () => {
    const { inventory } = await handedOut();
    const home = exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    const stick = exportBatch(inventory, { batch: 1, outDir: join(tempDir(), 'stick'), actor: ADMIN, now: NOW });
    writeFileSync(home.filePath!, `${readFileSync(home.filePath!, 'utf8')}edited\n`);
    const { rmSync } = await import('node:fs');
    rmSync(stick.filePath!);
    const result = markUploaded(inventory, { batch: 1, purgeSeeds: true, actor: ADMIN, now: NOW });
    expect(result.files).toMatchObject({ removed: [], alreadyGone: [stick.filePath], left: [{ path: home.filePath, holdsSeeds: true, reason: expect.stringMatching(/changed since tokendesk wrote it/) }] });
    expect(existsSync(home.filePath!)).toBe(true);
  });

  it('finds the file of a batch exported before batch_files existed in HOME/exports', async () => {
    const { inventory } = await handedOut();
    const home = exportBatch(inventory, { format: 'graph-json', actor: ADMIN, now: NOW });
    inventory.sqlite.prepare('DELETE FROM batch_files').run();
    const result = markUploaded(inventory, { batch: 1, purgeSeeds: true, actor: ADMIN, now: NOW });
    expect(result.files!.removed).toEqual([home.filePath]);
    expect(existsSync(home.filePath!)).toBe(false);
    expect(existsSync(home.manifestPath!)).toBe(true);
  });

  it('keeps an encrypted batch file (no plaintext seed) and says so', async () => {
    const { inventory } = await handedOut();
    const pair = await newKeyPair();
    const enc = await exportEncryptedBatch(inventory, { format: 'entra-csv', encryptTo: [pair.recipient], actor: ADMIN, now: NOW });
    const result = markUploaded(inventory, { batch: 1, purgeSeeds: true, actor: ADMIN, now: NOW });
    expect(result.files).toMatchObject({ removed: [], left: [], kept: [{ path: enc.filePath, role: 'encrypted' }, { path: enc.manifestPath, role: 'manifest' }] });
  });

  it('touches no file without --purge-seeds', async () => {
    const { inventory } = await handedOut();
    const home = exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    expect(markUploaded(inventory, { batch: 1, actor: ADMIN, now: NOW }).files).toBeNull();
    expect(existsSync(home.filePath!)).toBe(true);
  });
});

describe('batch void removes every file the batch wrote', () => {
  it('in the home and in --out folders, the .age file too, and names what it cannot reach', async () => {
    const { inventory } = await handedOut();
    const pair = await newKeyPair();
    const home = await exportEncryptedBatch(inventory, { format: 'entra-csv', encryptTo: [pair.recipient], actor: ADMIN, now: NOW });
    const stickDir = join(tempDir(), 'stick');
    const stick = exportBatch(inventory, { batch: 1, outDir: stickDir, actor: ADMIN, now: NOW });
    const gone = join(tempDir(), 'gone', 'share');
    mkdirSync(gone, { recursive: true });
    const share = exportBatch(inventory, { batch: 1, outDir: gone, actor: ADMIN, now: NOW });
    renameSync(gone, `${gone}-unmounted`);

    const result = voidBatch(inventory, { batch: 1, reason: 'wrong tenant', actor: ADMIN, now: NOW });
    expect(result.removedFiles.sort()).toEqual([home.filePath, home.manifestPath, stick.filePath, stick.manifestPath].sort());
    expect(result.leftFiles.map((f) => [f.path, f.holdsSeeds])).toEqual([
      [share.filePath, true],
      [share.manifestPath, false],
    ]);
    for (const path of result.removedFiles) expect(existsSync(path)).toBe(false);
    expect(seedCopiesLeft(inventory)).toEqual([{ batch: 'hq-20261129-1', path: share.filePath, why: 'void', present: false }]);
  });
});

describe('an export that fails before its commit', () => {
  it('overwrites its temp file (it held every seed) before removing it', async () => {
    const { inventory, tokens } = await handedOut();
    const link = join(tempDir(), 'temp-link');
    const faults = {
      at(step: string) {
        if (step === 'rendered') {
          const dir = inventory.paths.exports;
          const temp = readdirSync(dir).find((name) => name.startsWith('.tmp-') && !name.endsWith('.assign'));
          linkSync(join(dir, temp!), link);
          expect(holdsSeed(readFileSync(link), tokens)).toBe(true);
        }
        if (step === 'locked') throw new Error('crash test: stop under the lock');
      },
    };
    expect(() => exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW, faults })).toThrow(/crash test/);
    expect(readdirSync(inventory.paths.exports).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    const after = readFileSync(link);
    expect(after.length).toBeGreaterThan(100);
    expect(after.every((b) => b === 0)).toBe(true);
  });
});
