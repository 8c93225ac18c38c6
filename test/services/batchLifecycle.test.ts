/**
 * After export: what waits, what a batch holds, void (back to waiting, then a new batch) and mark
 * uploaded with the seed purge checked in the raw database file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { exportBatch } from '../../src/services/batch/export.js';
import { countWaitingForExport, listBatches, listWaitingAssignments, markUploaded, showBatch, voidBatch } from '../../src/services/batch/lifecycle.js';
import { findToken, openSeed } from '../../src/services/tokens.js';
import type { Inventory } from '../../src/store/db.js';
import { ADMIN, STAFF } from '../support/home.js';
import { makeTokens, type TestToken } from '../support/seedFiles.js';
import { NOW, desk } from '../fixtures/batches/desk.js';

function refusalOf(run: () => unknown): Refusal {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(Refusal);
    return error as Refusal;
  }
  throw new Error('expected a refusal');
}

async function threeHandedOut(): Promise<{ inventory: Inventory; tokens: TestToken[] }> {
  const tokens = makeTokens(5);
  const inventory = await desk('hq', tokens, [
    { token: tokens[0]!, upn: 'ann@example.com', name: 'Ann fob', at: NOW },
    { token: tokens[1]!, upn: 'bob@example.com', offsetSteps: 1, at: NOW + 1000 },
    { token: tokens[2]!, upn: 'cyd@example.com', offsetSteps: -1, at: NOW + 2000 },
  ]);
  return { inventory, tokens };
}

const auditActions = (inventory: Inventory) =>
  (inventory.sqlite.prepare('SELECT action, subject FROM audit_log ORDER BY seq').all() as Array<{ action: string; subject: string }>).map(
    (r) => [r.action, JSON.parse(r.subject) as Record<string, unknown>] as const,
  );

describe('waiting hand-outs and batch contents', () => {
  it('lists what the next export takes, in file order, and a batch\'s rows without secrets', async () => {
    const { inventory, tokens } = await threeHandedOut();
    expect(countWaitingForExport(inventory)).toBe(3);
    expect(listWaitingAssignments(inventory)).toEqual([
      { assignmentId: 1, serial: tokens[0]!.serial, upn: 'ann@example.com', displayName: 'Ann fob', verifiedAt: new Date(NOW).toISOString(), offsetSteps: 0, deskId: 'hq' },
      { assignmentId: 2, serial: tokens[1]!.serial, upn: 'bob@example.com', displayName: 'Token2 C202', verifiedAt: new Date(NOW + 1000).toISOString(), offsetSteps: 1, deskId: 'hq' },
      { assignmentId: 3, serial: tokens[2]!.serial, upn: 'cyd@example.com', displayName: 'Token2 C202', verifiedAt: new Date(NOW + 2000).toISOString(), offsetSteps: -1, deskId: 'hq' },
    ]);
    expect(listWaitingAssignments(inventory, { since: new Date(NOW + 1000).toISOString() }).map((w) => w.assignmentId)).toEqual([2, 3]);

    exportBatch(inventory, { format: 'graph-json', actor: ADMIN, now: NOW });
    expect(countWaitingForExport(inventory)).toBe(0);
    expect(listBatches(inventory)).toMatchObject([{ name: 'hq-20261129-1', status: 'exported', rowCount: 3, format: 'graph-json' }]);

    const shown = showBatch(inventory, 'hq-20261129-1');
    expect(showBatch(inventory, '1')).toEqual(shown);
    expect(shown.batch).toMatchObject({ id: 1, name: 'hq-20261129-1', status: 'exported' });
    expect(shown.rows.map((r) => [r.serial, r.upn, r.displayName, r.offsetSteps, r.tokenStatus])).toEqual([
      [tokens[0]!.serial, 'ann@example.com', 'Ann fob', 0, 'exported'],
      [tokens[1]!.serial, 'bob@example.com', 'Token2 C202', 1, 'exported'],
      [tokens[2]!.serial, 'cyd@example.com', 'Token2 C202', -1, 'exported'],
    ]);
    const text = JSON.stringify(shown);
    for (const t of tokens) {
      expect(text).not.toContain(t.base32);
      expect(text).not.toContain(t.secretHex);
    }
    expect(refusalOf(() => showBatch(inventory, 'hq-20261129-9')).code).toBe('unknown-batch');
  });
});

describe('voidBatch', () => {
  it('returns the hand-outs to waiting, removes the file, and a new export takes them as a new batch', async () => {
    const { inventory, tokens } = await threeHandedOut();
    const first = exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    const result = voidBatch(inventory, { batch: 'hq-20261129-1', reason: 'uploaded to the wrong tenant? no: typo in a UPN', actor: ADMIN, now: NOW });
    expect(result).toEqual({ batch: 'hq-20261129-1', returnedToWaiting: 3, removedFiles: [first.filePath, first.manifestPath], leftFiles: [] });
    expect(existsSync(first.filePath!)).toBe(false);
    expect(countWaitingForExport(inventory)).toBe(3);
    expect(findToken(inventory, tokens[0]!.serial)?.status).toBe('assigned');
    const batch = showBatch(inventory, 1);
    expect(batch.batch).toMatchObject({ status: 'void', voidReason: 'uploaded to the wrong tenant? no: typo in a UPN', voidedAt: new Date(NOW).toISOString() });
    expect(batch.rows).toEqual([]);

    const again = exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    expect(again.manifest).toMatchObject({ batch: 'hq-20261129-2', count: 3 });
    expect(readFileSync(again.filePath!, 'utf8')).toContain(`ann@example.com,${tokens[0]!.serial},${tokens[0]!.base32},30`);
    expect(showBatch(inventory, 2).rows.map((r) => r.serial)).toEqual(tokens.slice(0, 3).map((t) => t.serial));
    expect(auditActions(inventory).filter(([a]) => a === 'void-batch')).toEqual([
      ['void-batch', { batch: 'hq-20261129-1', count: 3, reason: 'uploaded to the wrong tenant? no: typo in a UPN' }],
    ]);
  });

  it('is for admins, needs a reason, and refuses void or uploaded batches', async () => {
    const { inventory } = await threeHandedOut();
    exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    expect(refusalOf(() => voidBatch(inventory, { batch: 1, reason: 'x', actor: STAFF })).code).toBe('not-allowed');
    expect(refusalOf(() => voidBatch(inventory, { batch: 1, reason: '  ', actor: ADMIN })).code).toBe('reason-needed');
    markUploaded(inventory, { batch: 1, actor: ADMIN });
    expect(refusalOf(() => voidBatch(inventory, { batch: 1, reason: 'late', actor: ADMIN })).code).toBe('batch-uploaded');
    expect(countWaitingForExport(inventory)).toBe(0);
  });
});

describe('markUploaded', () => {
  it('records the upload, and refuses to do it twice or on a void batch', async () => {
    const { inventory, tokens } = await threeHandedOut();
    exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    const result = markUploaded(inventory, { batch: 'hq-20261129-1', actor: ADMIN, now: NOW + 60_000 });
    expect(result).toEqual({ batch: 'hq-20261129-1', uploadedAt: new Date(NOW + 60_000).toISOString(), newlyMarked: true, purged: 0, alreadyPurged: 0, walCleared: null, files: null, removalsDone: null });
    expect(findToken(inventory, tokens[0]!.serial)).toMatchObject({ status: 'uploaded', seedPurged: false });
    expect(listBatches(inventory)[0]).toMatchObject({ status: 'uploaded', uploadedAt: new Date(NOW + 60_000).toISOString() });
    expect(refusalOf(() => markUploaded(inventory, { batch: 1, actor: ADMIN })).code).toBe('already-uploaded');
    expect(refusalOf(() => markUploaded(inventory, { batch: 1, purgeSeeds: true, actor: STAFF })).code).toBe('not-allowed');
    expect(auditActions(inventory).at(-1)).toEqual(['mark-uploaded', { batch: 'hq-20261129-1', count: 3 }]);
  });

  it('--purge-seeds deletes the seeds from the database file itself, and the batch can no longer be written', async () => {
    const tokens = makeTokens(4);
    const inventory = await desk('hq', tokens, tokens.slice(0, 3).map((token, i) => ({ token, upn: `u${i}@example.com` })));
    exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    const sealedOf = (serial: string) =>
      (inventory.sqlite.prepare('SELECT sealed_secret AS s FROM tokens WHERE serial = ?').get(serial) as { s: Buffer | null }).s;
    const purgedSeals = tokens.slice(0, 3).map((t) => sealedOf(t.serial)!);
    const keptSeal = sealedOf(tokens[3]!.serial)!;
    const rawDatabase = () => {
      inventory.sqlite.pragma('wal_checkpoint(TRUNCATE)');
      const wal = `${inventory.paths.database}-wal`;
      return Buffer.concat([readFileSync(inventory.paths.database), existsSync(wal) ? readFileSync(wal) : Buffer.alloc(0)]);
    };
    // The check can fail: before the purge the sealed bytes are in the file.
    const before = rawDatabase();
    for (const seal of purgedSeals) expect(before.includes(seal)).toBe(true);

    const result = markUploaded(inventory, { batch: 1, purgeSeeds: true, actor: ADMIN, now: NOW });
    expect(result).toMatchObject({ newlyMarked: true, purged: 3, alreadyPurged: 0, walCleared: true });
    const after = rawDatabase();
    for (const seal of purgedSeals) expect(after.includes(seal)).toBe(false);
    expect(after.includes(keptSeal)).toBe(true);
    expect(findToken(inventory, tokens[0]!.serial)).toMatchObject({ status: 'uploaded', seedPurged: true });
    const purgedAt = inventory.sqlite.prepare('SELECT DISTINCT secret_purged_at AS at FROM tokens WHERE sealed_secret IS NULL').all();
    expect(purgedAt).toEqual([{ at: new Date(NOW).toISOString() }]);
    expect(auditActions(inventory).slice(-2)).toEqual([
      ['mark-uploaded', { batch: 'hq-20261129-1', count: 3 }],
      ['purge-seeds', { batch: 'hq-20261129-1', purged: 3 }],
    ]);

    // A later export of those tokens refuses, saying why; so does verifying them.
    const rewrite = refusalOf(() => exportBatch(inventory, { batch: 1, actor: ADMIN }));
    expect(rewrite.code).toBe('seeds-purged');
    expect(rewrite.message).toMatch(/seeds of 3 of its 3 token\(s\) were purged/);
    expect(() => openSeed(inventory, 1)).toThrow(/deleted after its batch was uploaded/);
    inventory.sqlite.prepare('UPDATE assignments SET batch_id = NULL WHERE id = 1').run();
    inventory.sqlite.prepare("UPDATE tokens SET status = 'assigned' WHERE id = 1").run();
    expect(refusalOf(() => exportBatch(inventory, { format: 'entra-csv', actor: ADMIN })).code).toBe('seed-purged');

    // Purging again says there was nothing left to purge.
    expect(markUploaded(inventory, { batch: 1, purgeSeeds: true, actor: ADMIN })).toMatchObject({ newlyMarked: false, purged: 0, alreadyPurged: 2 });
  });
});
