import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { codeAtStep, timeStep, type TotpToken } from '../../src/core/totp.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { checkEmployee, checkTokenForHandOut, handOut, triesLeft } from '../../src/services/handOut.js';
import { findToken } from '../../src/services/tokens.js';
import { ADMIN, STAFF, freshInventory, snapshot, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';

const NOW = Date.UTC(2026, 10, 29, 9, 0, 10);

async function stocked(count = 10) {
  const inventory = freshInventory();
  const tokens = makeTokens(count);
  await importSeeds(inventory, { file: writeTemp('seeds.csv', entraCsv(tokens)), actor: ADMIN });
  return { inventory, tokens };
}

const totp = (t: TestToken): TotpToken => ({ secret: t.secret, algorithm: 'SHA1', digits: 6, period: 30 });
const codeFor = (t: TestToken, offset = 0, now = NOW) => codeAtStep(totp(t), timeStep(now, 30) + offset);

function refusalOf(fn: () => unknown): Refusal {
  try {
    fn();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

/** A code none of the steps within +-20 of now produce: a plain wrong guess. */
function wrongCode(t: TestToken): string {
  const near = new Set(Array.from({ length: 41 }, (_, i) => codeFor(t, i - 20)));
  for (let n = 0; ; n++) {
    const guess = String(n).padStart(6, '0');
    if (!near.has(guess)) return guess;
  }
}

describe('handOut', () => {
  it('records a verified hand-out with its offset and an audit entry', async () => {
    const { inventory, tokens } = await stocked();
    const t = tokens[0]!;
    const result = handOut(inventory, { serial: ` ${t.serial} `, upn: 'J.Doe@Example.com', code: codeFor(t, 1), actor: STAFF, now: NOW });
    expect(result).toMatchObject({ ok: true, serial: t.serial, upn: 'j.doe@example.com', displayName: 'Token2 C202', offsetSteps: 1 });
    expect(findToken(inventory, t.serial)).toMatchObject({ status: 'assigned', driftSteps: 1, lastAcceptedStep: timeStep(NOW, 30) + 1 });
    const audit = inventory.sqlite.prepare("SELECT subject FROM audit_log WHERE action = 'hand-out'").get() as { subject: string };
    expect(JSON.parse(audit.subject)).toEqual({ serial: t.serial, upn: 'j.doe@example.com', name: 'Token2 C202', offsetSteps: 1 });
    expect(audit.subject).not.toContain(codeFor(t, 1));
  });

  it('takes a custom token name', async () => {
    const { inventory, tokens } = await stocked();
    const result = handOut(inventory, { serial: tokens[0]!.serial, upn: 'a@example.com', displayName: ' Key fob  ', code: codeFor(tokens[0]!), actor: STAFF, now: NOW });
    expect(result).toMatchObject({ ok: true, displayName: 'Key fob' });
  });

  it('refuses the same token twice', async () => {
    const { inventory, tokens } = await stocked();
    const t = tokens[0]!;
    handOut(inventory, { serial: t.serial, upn: 'a@example.com', code: codeFor(t), actor: STAFF, now: NOW });
    const error = refusalOf(() => handOut(inventory, { serial: t.serial, upn: 'b@example.com', code: codeFor(t, 0, NOW + 30_000), actor: STAFF, now: NOW + 30_000 }));
    expect(error.code).toBe('already-assigned');
  });

  it('refuses a replayed code with its own message', async () => {
    const { inventory, tokens } = await stocked();
    const t = tokens[0]!;
    // Accept step+1, then (another employee, same token after an undo would be needed; here we test the verifier path
    // by pretending the token returned to stock).
    handOut(inventory, { serial: t.serial, upn: 'a@example.com', code: codeFor(t, 1), actor: STAFF, now: NOW });
    inventory.sqlite.exec("UPDATE tokens SET status = 'in-stock'; UPDATE assignments SET undone_at = 'x'");
    const result = handOut(inventory, { serial: t.serial, upn: 'a@example.com', code: codeFor(t, 0), actor: STAFF, now: NOW });
    expect(result).toMatchObject({ ok: false, outcome: 'replayed' });
    if (!result.ok) expect(result.message).toMatch(/already used/);
  });

  it('explains drift in plain words and does not count it as a wrong guess', async () => {
    const { inventory, tokens } = await stocked();
    const t = tokens[0]!;
    const result = handOut(inventory, { serial: t.serial, upn: 'a@example.com', code: codeFor(t, 6), actor: STAFF, now: NOW });
    expect(result).toEqual({
      ok: false,
      outcome: 'out-of-window',
      offsetSteps: 6,
      message: "this token's clock is about 3 minutes fast; Entra sign-in allows about 1 minute: give the employee another token",
    });
    expect(findToken(inventory, t.serial)).toMatchObject({ status: 'in-stock', failedAttempts: 0 });
  });

  it('locks a token after five wrong codes, then refuses even the right code', async () => {
    const { inventory, tokens } = await stocked();
    const t = tokens[0]!;
    const attempt = (code: string, now = NOW) => handOut(inventory, { serial: t.serial, upn: 'a@example.com', code, actor: STAFF, now });
    const results = [1, 2, 3, 4].map(() => attempt(wrongCode(t)));
    expect(results.map((r) => (r.ok ? null : r.attemptsLeft))).toEqual([4, 3, 2, 1]);
    expect(attempt(wrongCode(t))).toMatchObject({ ok: false, outcome: 'locked', attemptsLeft: 0 });
    const before = snapshot(inventory.paths.database);
    const error = refusalOf(() => attempt(codeFor(t)));
    expect(error.code).toBe('token-locked');
    expect(error.message).toMatch(/locked .* try again in 5 minutes or take another token/);
    expect(snapshot(inventory.paths.database)).toBe(before);
    // After the lockout the right code works.
    const later = NOW + 5 * 60_000 + 1000;
    expect(attempt(codeFor(t, 0, later), later)).toMatchObject({ ok: true });
  });

  it('says how many tries a token has left, and none while it is locked', async () => {
    const { inventory, tokens } = await stocked();
    const t = tokens[0]!;
    const attempt = () => handOut(inventory, { serial: t.serial, upn: 'a@example.com', code: wrongCode(t), actor: STAFF, now: NOW });
    expect(triesLeft(inventory, t.serial, NOW)).toBe(5);
    attempt();
    attempt();
    expect(triesLeft(inventory, ` ${t.serial} `, NOW)).toBe(3);
    [1, 2, 3].forEach(attempt);
    expect(triesLeft(inventory, t.serial, NOW)).toBe(0);
    // The lock ends and the count starts afresh.
    expect(triesLeft(inventory, t.serial, NOW + 5 * 60_000 + 1)).toBe(5);
  });

  it('does not count a malformed code', async () => {
    const { inventory, tokens } = await stocked();
    const result = handOut(inventory, { serial: tokens[0]!.serial, upn: 'a@example.com', code: '12345', actor: STAFF, now: NOW });
    expect(result).toMatchObject({ ok: false, outcome: 'malformed' });
    expect(findToken(inventory, tokens[0]!.serial)?.failedAttempts).toBe(0);
  });

  it("holds Entra's limit of five tokens per user", async () => {
    const { inventory, tokens } = await stocked(6);
    for (const t of tokens.slice(0, 5)) {
      expect(handOut(inventory, { serial: t.serial, upn: 'a@example.com', code: codeFor(t), actor: STAFF, now: NOW }).ok).toBe(true);
    }
    expect(refusalOf(() => checkEmployee(inventory, 'a@example.com')).code).toBe('upn-full');
    expect(refusalOf(() => handOut(inventory, { serial: tokens[5]!.serial, upn: 'a@example.com', code: codeFor(tokens[5]!), actor: STAFF, now: NOW })).code).toBe('upn-full');
  });

  it('checks each step with its own message', async () => {
    const { inventory } = await stocked(1);
    expect(refusalOf(() => checkEmployee(inventory, 'not-a-upn')).message).toMatch(/name@example.com/);
    expect(refusalOf(() => checkTokenForHandOut(inventory, '999')).code).toBe('unknown-serial');
    expect(refusalOf(() => checkTokenForHandOut(inventory, 'a b')).code).toBe('bad-serial');
  });
});
