import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { codeAtStep, timeStep, type TotpToken } from '../../src/core/totp.js';
import { handOut } from '../../src/services/handOut.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { SELF_CHECK_LIMITS, selfCheck, type SelfCheckResult } from '../../src/services/selfCheck.js';
import { openInventory, type Inventory } from '../../src/store/db.js';
import { findToken } from '../../src/services/tokens.js';
import { ADMIN, STAFF, freshInventory, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';

const HANDED_OUT_AT = Date.UTC(2026, 10, 29, 9, 0, 10);
/** A week later, the employee comes back to check. */
const NOW = HANDED_OUT_AT + 7 * 24 * 3600_000;
const MINUTE = 60_000;
const UPN = 'jane.doe@example.com';

const totp = (t: TestToken): TotpToken => ({ secret: t.secret, algorithm: 'SHA1', digits: 6, period: 30 });
const codeFor = (t: TestToken, now = NOW, offset = 0) => codeAtStep(totp(t), timeStep(now, 30) + offset);

/** A code none of the steps within +-30 of now produce. */
function wrongCode(t: TestToken, now = NOW): string {
  const near = new Set(Array.from({ length: 61 }, (_, i) => codeFor(t, now, i - 30)));
  for (let n = 0; ; n++) {
    const guess = String(n).padStart(6, '0');
    if (!near.has(guess)) return guess;
  }
}

/** Six tokens; the first three handed out (to Jane and two others), the rest in stock. */
async function deskWithHandOuts(): Promise<{ inventory: Inventory; tokens: TestToken[] }> {
  const inventory = freshInventory();
  const tokens = makeTokens(6);
  await importSeeds(inventory, { file: writeTemp('seeds.csv', entraCsv(tokens)), actor: ADMIN });
  [UPN, 'b@example.com', 'c@example.com'].forEach((upn, i) => {
    const t = tokens[i]!;
    const result = handOut(inventory, { serial: t.serial, upn, code: codeFor(t, HANDED_OUT_AT), actor: STAFF, now: HANDED_OUT_AT });
    expect(result.ok).toBe(true);
  });
  return { inventory, tokens };
}

/** The assignments table alone, read through its own connection. */
function assignmentsTable(inventory: Inventory): string {
  const sqlite = new Database(inventory.paths.database, { readonly: true });
  try {
    return JSON.stringify(sqlite.prepare('SELECT * FROM assignments ORDER BY id').all());
  } finally {
    sqlite.close();
  }
}

describe('selfCheck', () => {
  it('says a working token works, shows only a masked UPN, and uses up the code', async () => {
    const { inventory, tokens } = await deskWithHandOuts();
    const t = tokens[0]!;
    const before = assignmentsTable(inventory);
    const result = selfCheck(inventory, { serial: ` ${t.serial} `, code: codeFor(t), now: NOW });
    expect(result).toEqual({
      outcome: 'works',
      maskedUpn: 'j***@example.com',
      offsetSteps: 0,
      message: 'your token works: it belongs to j***@example.com and its clock is on time',
    });
    expect(JSON.stringify(result)).not.toContain('jane');
    expect(findToken(inventory, t.serial)).toMatchObject({ status: 'assigned', lastAcceptedStep: timeStep(NOW, 30), failedAttempts: 0, driftSteps: 0 });
    // The same code again is a replay, here and at any hand-out.
    expect(selfCheck(inventory, { serial: t.serial, code: codeFor(t), now: NOW + 2000 }).outcome).toBe('replayed');
    expect(assignmentsTable(inventory)).toBe(before);
  });

  it("accepts a clock as far off as Entra's sign-in does, and sends a worse one to the desk in plain words", async () => {
    const { inventory, tokens } = await deskWithHandOuts();
    const [a, b] = tokens as [TestToken, TestToken];
    const slightlyFast = selfCheck(inventory, { serial: a.serial, code: codeFor(a, NOW, 2), now: NOW });
    expect(slightlyFast).toMatchObject({ outcome: 'works', offsetSteps: 2 });
    expect(slightlyFast.message).toMatch(/its clock is about 1 minute fast, which sign-in still accepts/);

    const drift = selfCheck(inventory, { serial: b.serial, code: codeFor(b, NOW, -6), now: NOW });
    expect(drift).toEqual({
      outcome: 'drift',
      message:
        "your token's clock is about 3 minutes slow; Microsoft sign-in allows about 1 minute, so its codes will be refused: please come to the desk for a new token",
    });
    expect(findToken(inventory, b.serial)?.lastAcceptedStep).toBe(timeStep(HANDED_OUT_AT, 30));
  });

  it('names every other outcome, never changing an assignment or counting towards a token lock', async () => {
    const { inventory, tokens } = await deskWithHandOuts();
    const before = assignmentsTable(inventory);
    const check = (serial: string, code: string): SelfCheckResult => selfCheck(inventory, { serial, code, now: NOW });
    const handedOut = tokens[0]!;
    const inStock = tokens[4]!;

    const wrong = check(handedOut.serial, wrongCode(handedOut));
    expect(wrong.outcome).toBe('wrong');
    expect(wrong.message).toMatch(/check the number on the back/);
    expect(check(handedOut.serial, '12 34').outcome).toBe('malformed');
    expect(check('bad serial', '123456').outcome).toBe('malformed');
    expect(check(inStock.serial, codeFor(inStock))).toMatchObject({ outcome: 'not-handed-out' });
    const unknown = check('0000000000000', '123456');
    expect(unknown.outcome).toBe('unknown-serial');
    expect(unknown.message).toMatch(/please come to the desk/);

    // A token whose batch was uploaded and whose seed was purged.
    inventory.sqlite.prepare("UPDATE tokens SET status = 'uploaded', sealed_secret = NULL, secret_purged_at = ? WHERE serial = ?").run(new Date(NOW).toISOString(), tokens[1]!.serial);
    expect(check(tokens[1]!.serial, codeFor(tokens[1]!))).toEqual({
      outcome: 'seed-purged',
      message: "this token's seed was deleted after upload; the desk cannot check it here — try signing in to a Microsoft service",
    });

    expect(assignmentsTable(inventory)).toBe(before);
    expect(findToken(inventory, handedOut.serial)).toMatchObject({ failedAttempts: 0, lockedUntilMs: null, status: 'assigned' });
    expect(findToken(inventory, inStock.serial)?.lastAcceptedStep).toBeNull();
  });

  it('audits each check with the serial and the outcome only: no code, no UPN, no typed unknown text', async () => {
    const { inventory, tokens } = await deskWithHandOuts();
    const t = tokens[0]!;
    const code = codeFor(t);
    selfCheck(inventory, { serial: t.serial, code, now: NOW });
    selfCheck(inventory, { serial: t.serial, code: wrongCode(t), now: NOW + 1000 });
    // Someone types their code into the serial field.
    selfCheck(inventory, { serial: '482913', code: '123456', now: NOW + 2000 });
    const rows = inventory.sqlite.prepare("SELECT actor, subject FROM audit_log WHERE action = 'self-check' ORDER BY seq").all() as Array<{ actor: string; subject: string }>;
    expect(rows.map((r) => [r.actor, JSON.parse(r.subject)])).toEqual([
      ['self-check', { serial: t.serial, outcome: 'works' }],
      ['self-check', { serial: t.serial, outcome: 'wrong' }],
      ['self-check', { serial: '(unknown)', outcome: 'unknown-serial' }],
    ]);
    const all = JSON.stringify(inventory.sqlite.prepare('SELECT * FROM audit_log WHERE action = ?').all('self-check'));
    expect(all).not.toContain(code);
    expect(all).not.toContain('482913');
    expect(all).not.toContain('example.com');
  });

  it('limits checks per token, and the limit survives a restart of the kiosk', async () => {
    const { inventory, tokens } = await deskWithHandOuts();
    const t = tokens[0]!;
    for (let i = 0; i < SELF_CHECK_LIMITS.perToken; i++) {
      expect(selfCheck(inventory, { serial: t.serial, code: wrongCode(t), now: NOW + i * 1000 }).outcome).toBe('wrong');
    }
    const dir = inventory.paths.dir;
    inventory.close();
    const reopened = openInventory(dir);
    try {
      // Even the right code is not looked at: the limit comes first.
      const limited = selfCheck(reopened, { serial: t.serial, code: codeFor(t, NOW + 5000), now: NOW + 5000 });
      // The first check leaves the 10-minute window 10 minutes after it was made.
      expect(limited).toMatchObject({ outcome: 'rate-limited', retryAfterMs: 10 * MINUTE - 5000 });
      expect(limited.message).toMatch(/try again in 10 minutes, or please come to the desk/);
      expect(findToken(reopened, t.serial)?.lastAcceptedStep).toBe(timeStep(HANDED_OUT_AT, 30));
      // Other tokens are not held up by this one.
      const other = tokens[1]!;
      expect(selfCheck(reopened, { serial: other.serial, code: codeFor(other, NOW + 5000), now: NOW + 5000 }).outcome).toBe('works');
      // Once the window has passed, the token can be checked again.
      const later = NOW + 10 * MINUTE + 1000;
      expect(selfCheck(reopened, { serial: t.serial, code: codeFor(t, later), now: later }).outcome).toBe('works');
    } finally {
      reopened.close();
    }
  });

  it('limits checks per desk, unknown serials included', async () => {
    const { inventory, tokens } = await deskWithHandOuts();
    for (let i = 0; i < SELF_CHECK_LIMITS.perDesk; i++) {
      const serial = `99${String(i).padStart(11, '0')}`;
      expect(selfCheck(inventory, { serial, code: '123456', now: NOW + i * 1000 }).outcome).toBe('unknown-serial');
    }
    const t = tokens[0]!;
    const limited = selfCheck(inventory, { serial: t.serial, code: codeFor(t), now: NOW + 40_000 });
    expect(limited).toMatchObject({ outcome: 'rate-limited', retryAfterMs: 10 * MINUTE - 40_000 });
    expect(limited.message).toMatch(/this kiosk has had many checks/);
    const later = NOW + 10 * MINUTE + 30_000;
    expect(selfCheck(inventory, { serial: t.serial, code: codeFor(t, later), now: later }).outcome).toBe('works');
  });
});
