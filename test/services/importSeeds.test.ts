import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { findToken, openSeed } from '../../src/services/tokens.js';
import { ADMIN, STAFF, freshInventory, snapshot, writeTemp } from '../support/home.js';
import { ENTRA_HEADER, entraCsv, makeTokens } from '../support/seedFiles.js';

async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('importSeeds (Entra CSV)', () => {
  it('imports every token, sealed, in one go', async () => {
    const inventory = freshInventory();
    const tokens = makeTokens(50);
    const file = writeTemp('seeds.csv', entraCsv(tokens));
    const report = await importSeeds(inventory, { file, actor: ADMIN });
    expect(report).toMatchObject({ format: 'entra-csv', committed: true, added: 50, alreadyPresent: 0, rejects: [] });
    expect(report.groups).toEqual([{ manufacturer: 'Token2', model: 'C202', algorithm: 'SHA1', digits: 6, period: 30, count: 50 }]);
    const stored = findToken(inventory, tokens[7]!.serial)!;
    expect(stored).toMatchObject({ status: 'in-stock', algorithm: 'SHA1', digits: 6, period: 30 });
    expect(Buffer.from(openSeed(inventory, stored.id)).toString('hex')).toBe(tokens[7]!.secretHex);
    // The secret is not in the database file in any readable form.
    const raw = inventory.sqlite.prepare('SELECT sealed_secret FROM tokens').all() as Array<{ sealed_secret: Buffer }>;
    for (const row of raw) expect(row.sealed_secret.includes(Buffer.from(tokens[7]!.secret))).toBe(false);
  });

  it('keeps leading zeros of serials', async () => {
    const inventory = freshInventory();
    const tokens = makeTokens(3, { prefix: '000' });
    await importSeeds(inventory, { file: writeTemp('s.csv', entraCsv(tokens)), actor: ADMIN });
    expect(findToken(inventory, tokens[0]!.serial)?.serial).toBe('0000000000000');
  });

  it('dry run writes nothing and reports the same counts', async () => {
    const inventory = freshInventory();
    const file = writeTemp('seeds.csv', entraCsv(makeTokens(10)));
    const before = snapshot(inventory.paths.database);
    const report = await importSeeds(inventory, { file, actor: ADMIN, dryRun: true });
    expect(report).toMatchObject({ dryRun: true, committed: false, added: 10 });
    expect(snapshot(inventory.paths.database)).toBe(before);
  });

  it('importing the same file twice changes nothing and says so', async () => {
    const inventory = freshInventory();
    const file = writeTemp('seeds.csv', entraCsv(makeTokens(10)));
    await importSeeds(inventory, { file, actor: ADMIN });
    const before = snapshot(inventory.paths.database);
    const again = await importSeeds(inventory, { file, actor: ADMIN });
    expect(again).toMatchObject({ alreadyImported: true, committed: false });
    expect(again.refusal).toMatch(/already imported/);
    expect(snapshot(inventory.paths.database)).toBe(before);
  });

  it('skips tokens already stored with the same secret (another file, same box)', async () => {
    const inventory = freshInventory();
    const tokens = makeTokens(10);
    await importSeeds(inventory, { file: writeTemp('a.csv', entraCsv(tokens.slice(0, 6))), actor: ADMIN });
    const report = await importSeeds(inventory, { file: writeTemp('b.csv', entraCsv(tokens)), actor: ADMIN });
    expect(report).toMatchObject({ committed: true, added: 4, alreadyPresent: 6 });
  });

  it('refuses the whole file when a serial is stored with another secret', async () => {
    const inventory = freshInventory();
    const tokens = makeTokens(5);
    await importSeeds(inventory, { file: writeTemp('a.csv', entraCsv(tokens)), actor: ADMIN });
    const before = snapshot(inventory.paths.database);
    const changed = [...makeTokens(3, { prefix: '77' }), { ...makeTokens(1)[0]!, serial: tokens[2]!.serial }];
    const report = await importSeeds(inventory, { file: writeTemp('b.csv', entraCsv(changed)), actor: ADMIN });
    expect(report.committed).toBe(false);
    expect(report.conflicts).toEqual([{ serial: tokens[2]!.serial, where: { line: 5 }, reason: 'already in the inventory with a different secret' }]);
    expect(report.refusal).toMatch(/never overwritten/);
    expect(snapshot(inventory.paths.database)).toBe(before);
  });

  const badFiles: Array<[string, string | Uint8Array, RegExp]> = [
    ['empty file', '', /empty/],
    ['wrong header', 'name,serial,key\nx,1,JBSWY3DPEHPK3PXP\n', /header|format/i],
    ['binary garbage', new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)), /./],
  ];
  it.each(badFiles)('refuses %s with a clear message and no change', async (_name, content, message) => {
    const inventory = freshInventory();
    const before = snapshot(inventory.paths.database);
    const file = writeTemp('bad.csv', content);
    const error = await refusal(importSeeds(inventory, { file, actor: ADMIN, format: 'entra-csv' }));
    expect(error.message).toMatch(message);
    expect(error.message).toContain('bad.csv');
    expect(snapshot(inventory.paths.database)).toBe(before);
  });

  const badRows: Array<[string, string, RegExp]> = [
    ['invalid Base32', `,0099000000001,NOT*BASE32!,30,Token2,C202`, /secret/i],
    ['interval 45', `,0099000000001,JBSWY3DPEHPK3PXP,45,Token2,C202`, /interval|30|60/i],
    ['missing serial', `,,JBSWY3DPEHPK3PXP,30,Token2,C202`, /serial/i],
  ];
  it.each(badRows)('refuses a file with %s, naming the line, and changes nothing', async (_name, row, reason) => {
    const inventory = freshInventory();
    const before = snapshot(inventory.paths.database);
    const good = makeTokens(2).map((t) => `,${t.serial},${t.base32},30,Token2,C202`);
    const file = writeTemp('rows.csv', [ENTRA_HEADER, ...good, row, ''].join('\n'));
    const report = await importSeeds(inventory, { file, actor: ADMIN });
    expect(report.committed).toBe(false);
    expect(report.rejects).toHaveLength(1);
    expect(report.rejects[0]!.where.line).toBe(4);
    expect(report.rejects[0]!.reason).toMatch(reason);
    expect(report.rejects[0]!.reason).not.toContain('NOT*BASE32');
    expect(report.refusal).toMatch(/--skip-rejected/);
    expect(snapshot(inventory.paths.database)).toBe(before);
  });

  it('imports the good rows with --skip-rejected', async () => {
    const inventory = freshInventory();
    const good = makeTokens(2).map((t) => `,${t.serial},${t.base32},30,Token2,C202`);
    const file = writeTemp('rows.csv', [ENTRA_HEADER, ...good, ',x,JBSWY3DPEHPK3PXP,45,Token2,C202', ''].join('\n'));
    const report = await importSeeds(inventory, { file, actor: ADMIN, skipRejected: true });
    expect(report).toMatchObject({ committed: true, added: 2 });
    expect(report.rejects).toHaveLength(1);
  });

  it('is for admins only', async () => {
    const inventory = freshInventory();
    const error = await refusal(importSeeds(inventory, { file: writeTemp('s.csv', entraCsv(makeTokens(1))), actor: STAFF }));
    expect(error.code).toBe('not-allowed');
  });

  it('writes one audit entry without secrets', async () => {
    const inventory = freshInventory();
    const tokens = makeTokens(3);
    await importSeeds(inventory, { file: writeTemp('s.csv', entraCsv(tokens)), actor: ADMIN });
    const rows = inventory.sqlite.prepare('SELECT action, subject FROM audit_log').all() as Array<{ action: string; subject: string }>;
    expect(rows.map((r) => r.action)).toEqual(['import']);
    for (const t of tokens) {
      expect(rows[0]!.subject).not.toContain(t.base32);
      expect(rows[0]!.subject).not.toContain(t.secretHex);
    }
  });
});
