import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { codeAtStep, timeStep, type TotpToken } from '../../src/core/totp.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { handOut } from '../../src/services/handOut.js';
import { findToken } from '../../src/services/tokens.js';
import { driftReport, kioskClockSuspicion } from '../../src/services/lifecycle/index.js';
import { ADMIN, STAFF, freshInventory, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';

const NOW = Date.UTC(2026, 10, 29, 9, 0, 10);
const totp = (t: TestToken): TotpToken => ({ secret: t.secret, algorithm: 'SHA1', digits: 6, period: 30 });
/** The code a token shows at true time `at`. */
const shows = (t: TestToken, at: number) => codeAtStep(totp(t), timeStep(at, 30));

/** Two seed files: two imports. Tokens alternate between them. */
async function twoImports() {
  const inventory = freshInventory();
  const a = makeTokens(4, { prefix: '0061' });
  const b = makeTokens(4, { prefix: '0062' });
  await importSeeds(inventory, { file: writeTemp('a.csv', entraCsv(a)), actor: ADMIN });
  await importSeeds(inventory, { file: writeTemp('b.csv', entraCsv(b)), actor: ADMIN });
  return { inventory, alternating: [a[0]!, b[0]!, a[1]!, b[1]!, a[2]!, b[2]!, a[3]!, b[3]!] };
}

describe('drift quarantine and the kiosk clock', () => {
  it('with the kiosk clock 2 minutes off, five good tokens from two imports are not quarantined and the warning appears', async () => {
    const { inventory, alternating } = await twoImports();
    const kioskAhead = 2 * 60_000;
    const results = alternating.slice(0, 5).map((t, i) => {
      const kioskNow = NOW + i * 7_000;
      return handOut(inventory, { serial: t.serial, upn: `p${i}@example.com`, code: shows(t, kioskNow - kioskAhead), actor: STAFF, now: kioskNow });
    });
    for (const [i, r] of results.entries()) {
      expect(r).toMatchObject({ ok: false, outcome: 'out-of-window', offsetSteps: -4 });
      expect(findToken(inventory, alternating[i]!.serial)).toMatchObject({ status: 'in-stock', quarantineReason: null });
    }
    // From the third token on, the evidence points at the kiosk, and the Verify step says so.
    expect(results.slice(0, 2).map((r) => (r.ok ? 'ok' : (r.clockWarning ?? null)))).toEqual([null, null]);
    for (const r of results.slice(2)) {
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.clockWarning).toMatch(/^the kiosk clock looks 2 minutes off \(ahead\)/);
      expect(r.message).toContain('the kiosk clock looks 2 minutes off');
    }
    expect(kioskClockSuspicion(inventory, NOW + 40_000)).toMatchObject({ minutes: 2, direction: 'ahead', tokens: 5, imports: 2 });
  });

  it('a clock that was right this morning and jumped 2 minutes: the tokens an early verdict quarantined are released once the evidence points at the kiosk', async () => {
    const { inventory, alternating } = await twoImports();
    const morning = NOW - 3 * 60 * 60_000;
    const first = alternating[7]!;
    expect(handOut(inventory, { serial: first.serial, upn: 'early@example.com', code: shows(first, morning), actor: STAFF, now: morning }).ok).toBe(true);
    const kioskAhead = 2 * 60_000;
    const results = alternating.slice(0, 5).map((t, i) => {
      const kioskNow = NOW + i * 7_000;
      return handOut(inventory, { serial: t.serial, upn: `p${i}@example.com`, code: shows(t, kioskNow - kioskAhead), actor: STAFF, now: kioskNow });
    });
    // The morning's good check vouched for the clock, so the first two looked drifted...
    expect(results.slice(0, 2).map((r) => !r.ok && r.quarantined)).toEqual([true, true]);
    // ...until the third made the pattern: none is quarantined now, and the warning is shown.
    for (const t of alternating.slice(0, 5)) expect(findToken(inventory, t.serial)?.status).toBe('in-stock');
    expect(results.slice(2).every((r) => !r.ok && /kiosk clock looks 2 minutes off/.test(r.message))).toBe(true);
    const released = inventory.sqlite.prepare("SELECT subject FROM audit_log WHERE action = 'token-released'").all() as Array<{ subject: string }>;
    expect(released.map((r) => JSON.parse(r.subject)).map((s) => [s.serial, s.automatic]).sort()).toEqual([
      [alternating[0]!.serial, true],
      [alternating[1]!.serial, true],
    ]);
  });

  it('one truly drifted token among good ones is quarantined, and refused at the next hand-out with its reason', async () => {
    const { inventory, alternating } = await twoImports();
    alternating.slice(0, 3).forEach((t, i) => {
      const now = NOW + i * 7_000;
      expect(handOut(inventory, { serial: t.serial, upn: `p${i}@example.com`, code: shows(t, now), actor: STAFF, now }).ok).toBe(true);
    });
    const drifted = alternating[3]!;
    const now = NOW + 30_000;
    const result = handOut(inventory, { serial: drifted.serial, upn: 'q@example.com', code: shows(drifted, now + 180_000), actor: STAFF, now });
    expect(result).toMatchObject({ ok: false, outcome: 'out-of-window', offsetSteps: 6, quarantined: true });
    if (!result.ok) expect(result.message).toMatch(/is now quarantined \(clock about 3 minutes fast\)/);
    expect(findToken(inventory, drifted.serial)).toMatchObject({ status: 'quarantined', quarantineReason: 'drift', quarantineOffsetSteps: 6 });
    expect(kioskClockSuspicion(inventory, now)).toBeNull();

    let refusal: unknown;
    try {
      handOut(inventory, { serial: drifted.serial, upn: 'q@example.com', code: shows(drifted, now + 60_000), actor: STAFF, now: now + 60_000 });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(Refusal);
    expect((refusal as Refusal).code).toBe('quarantined');
    expect((refusal as Refusal).message).toMatch(/quarantined \(its clock was about 3 minutes fast\) until an admin looks at it/);

    const report = driftReport(inventory);
    expect(report.map((r) => [r.tokens, r.quarantinedForDrift, r.maxOffsetSteps])).toEqual([
      [4, 0, 0],
      [4, 1, 6],
    ]);
  });

  it('the first far-off token at a desk nobody vouched for yet is refused but not quarantined', async () => {
    const { inventory, alternating } = await twoImports();
    const t = alternating[0]!;
    const result = handOut(inventory, { serial: t.serial, upn: 'a@example.com', code: shows(t, NOW + 180_000), actor: STAFF, now: NOW });
    expect(result).toMatchObject({ ok: false, outcome: 'out-of-window' });
    expect(findToken(inventory, t.serial)?.status).toBe('in-stock');
  });

  it('a code just outside the kiosk window but inside what sign-in accepts is never evidence of drift', async () => {
    const { inventory, alternating } = await twoImports();
    alternating.slice(0, 2).forEach((t, i) => handOut(inventory, { serial: t.serial, upn: `p${i}@example.com`, code: shows(t, NOW), actor: STAFF, now: NOW }));
    const t = alternating[2]!;
    expect(handOut(inventory, { serial: t.serial, upn: 'x@example.com', code: shows(t, NOW + 60_000), actor: STAFF, now: NOW })).toMatchObject({ ok: false, offsetSteps: 2 });
    expect(findToken(inventory, t.serial)?.status).toBe('in-stock');
  });
});

describe('lockout quarantine', () => {
  /** A code none of the steps within +-20 of `at` produce. */
  const wrongFor = (t: TestToken, at: number) => {
    const near = new Set(Array.from({ length: 41 }, (_, i) => codeAtStep(totp(t), timeStep(at, 30) + i - 20)));
    for (let n = 0; ; n++) if (!near.has(String(n).padStart(6, '0'))) return String(n).padStart(6, '0');
  };

  it('a first lockout ends by itself; a token that locks out again is quarantined with that reason', async () => {
    const { inventory, alternating } = await twoImports();
    const t = alternating[0]!;
    const lockOut = (at: number) => {
      const results = Array.from({ length: inventory.settings.maxFailedAttempts }, () =>
        handOut(inventory, { serial: t.serial, upn: 'a@example.com', code: wrongFor(t, at), actor: STAFF, now: at }),
      );
      return results.at(-1)!;
    };
    expect(lockOut(NOW)).toMatchObject({ ok: false, outcome: 'locked' });
    expect(findToken(inventory, t.serial)?.status).toBe('in-stock');
    const later = NOW + (inventory.settings.lockoutMinutes + 1) * 60_000;
    const second = lockOut(later);
    expect(second).toMatchObject({ ok: false, outcome: 'locked', quarantined: true });
    if (!second.ok) expect(second.message).toMatch(/locked out again, so it is now quarantined/);
    expect(findToken(inventory, t.serial)).toMatchObject({ status: 'quarantined', quarantineReason: 'locked-out' });
    let refusal: unknown;
    try {
      handOut(inventory, { serial: t.serial, upn: 'a@example.com', code: shows(t, later + 600_000), actor: STAFF, now: later + 600_000 });
    } catch (error) {
      refusal = error;
    }
    expect((refusal as Refusal).message).toMatch(/quarantined \(it locked out after too many wrong codes\)/);
    // Lockouts are not clock evidence.
    expect(kioskClockSuspicion(inventory, later)).toBeNull();
  });
});
