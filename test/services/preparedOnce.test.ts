/**
 * The desk's hot paths prepare their statements once per open home: a second hand-out, wrong code
 * or self-check compiles no SQL, and an import prepares as many statements for 200 rows as for 2.
 * Counted on the connection's own prepare(), so a query built and run on the fly shows up here.
 */
import { describe, expect, it, vi } from 'vitest';
import { codeAtStep, timeStep, type TotpToken } from '../../src/core/totp.js';
import { handOut } from '../../src/services/handOut.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { selfCheck } from '../../src/services/selfCheck.js';
import type { Inventory } from '../../src/store/db.js';
import { ADMIN, STAFF, freshInventory, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';

const NOW = Date.UTC(2026, 10, 29, 9, 0, 10);
const totp = (t: TestToken): TotpToken => ({ secret: t.secret, algorithm: 'SHA1', digits: 6, period: 30 });
const codeFor = (t: TestToken, now = NOW) => codeAtStep(totp(t), timeStep(now, 30));

/** How many statements `run` compiles on the inventory's connection. */
function preparesDuring(inventory: Inventory, run: () => unknown): number {
  const spy = vi.spyOn(inventory.sqlite, 'prepare');
  try {
    run();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

async function stocked(count: number, prefix?: string) {
  const inventory = freshInventory();
  const tokens = makeTokens(count, { prefix });
  await importSeeds(inventory, { file: writeTemp('seeds.csv', entraCsv(tokens)), actor: ADMIN });
  return { inventory, tokens };
}

describe('hot paths prepare once', () => {
  it('a second hand-out, wrong code and self-check compile no SQL', async () => {
    const { inventory, tokens } = await stocked(4);
    const give = (t: TestToken, upn: string) => handOut(inventory, { serial: t.serial, upn, code: codeFor(t), actor: STAFF, now: NOW });
    const guess = (t: TestToken) => handOut(inventory, { serial: t.serial, upn: 'z@example.com', code: '000000', actor: STAFF, now: NOW });
    const check = (t: TestToken) => selfCheck(inventory, { serial: t.serial, code: codeFor(t, NOW + 60_000), now: NOW + 60_000 });

    // The first of each builds the repositories it needs.
    expect(give(tokens[0]!, 'a@example.com').ok).toBe(true);
    guess(tokens[2]!);
    check(tokens[0]!);

    expect(preparesDuring(inventory, () => expect(give(tokens[1]!, 'b@example.com').ok).toBe(true))).toBe(0);
    expect(preparesDuring(inventory, () => guess(tokens[3]!))).toBe(0);
    expect(preparesDuring(inventory, () => expect(check(tokens[1]!).outcome).toBe('works'))).toBe(0);
  });

  it('an import prepares the same statements for 200 rows as for 2', async () => {
    const { inventory } = await stocked(1, '0070');
    const preparesFor = async (count: number, prefix: string) => {
      const spy = vi.spyOn(inventory.sqlite, 'prepare');
      try {
        const report = await importSeeds(inventory, { file: writeTemp(`${prefix}.csv`, entraCsv(makeTokens(count, { prefix }))), actor: ADMIN });
        expect(report.added).toBe(count);
        return spy.mock.calls.length;
      } finally {
        spy.mockRestore();
      }
    };
    const small = await preparesFor(2, '0080');
    expect(await preparesFor(200, '0090')).toBe(small);
  });
});
