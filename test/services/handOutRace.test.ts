/**
 * Two desks on one home: two real connections (two openInventory on the same SQLite file) racing
 * between the code check and the commit. The hand-out's `faults.at('verified')` hook is where the
 * other desk makes its change, so the interleaving is the same on every run. Whatever the rival
 * did, the loser must refuse with its own reason and write nothing.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { codeAtStep, timeStep, type TotpToken } from '../../src/core/totp.js';
import { undoHandOut } from '../../src/services/deskTools.js';
import { handOut, type HandOutRequest, type HandOutResult } from '../../src/services/handOut.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { assignmentsOfToken, findToken } from '../../src/services/tokens.js';
import { openInventory, type Inventory } from '../../src/store/db.js';
import { ADMIN, STAFF, freshInventory, snapshot, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';

const NOW = Date.UTC(2026, 10, 29, 9, 0, 10);
const RIVAL = { name: 'desk-b-staff', role: 'staff' } as const;

const totp = (t: TestToken): TotpToken => ({ secret: t.secret, algorithm: 'SHA1', digits: 6, period: 30 });
const codeFor = (t: TestToken, offset = 0) => codeAtStep(totp(t), timeStep(NOW, 30) + offset);

/** A code none of the steps within +-20 of now produce: a plain wrong guess. */
function wrongCode(t: TestToken): string {
  const near = new Set(Array.from({ length: 41 }, (_, i) => codeFor(t, i - 20)));
  for (let n = 0; ; n++) {
    const guess = String(n).padStart(6, '0');
    if (!near.has(guess)) return guess;
  }
}

/** Desk A (the home's first connection) and desk B (a second connection to the same file). */
async function twoDesks(count = 8): Promise<{ deskA: Inventory; deskB: Inventory; tokens: TestToken[] }> {
  const deskA = freshInventory();
  const tokens = makeTokens(count);
  await importSeeds(deskA, { file: writeTemp('seeds.csv', entraCsv(tokens)), actor: ADMIN });
  const deskB = openInventory(deskA.paths.dir);
  onTestFinished(() => deskB.close());
  expect(deskB.sqlite).not.toBe(deskA.sqlite);
  return { deskA, deskB, tokens };
}

function accepted(result: HandOutResult): number {
  if (!result.ok) throw new Error(`the rival's hand-out was refused: ${result.message}`);
  return result.assignmentId;
}

/**
 * Runs desk A's hand-out; at 'verified' runs `rival` on desk B and snapshots the file. Returns A's
 * refusal (or its result, for the failure message when there was none) and whether A wrote anything.
 */
function raceAgainst(deskA: Inventory, request: Omit<HandOutRequest, 'faults'>, rival: () => void): { refusal: Refusal; wroteNothing: boolean } {
  let afterRival: string | undefined;
  let outcome: HandOutResult | Refusal;
  try {
    outcome = handOut(deskA, {
      ...request,
      faults: {
        at(step) {
          if (step !== 'verified') return;
          rival();
          afterRival = snapshot(deskA.paths.database);
        },
      },
    });
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    outcome = error;
  }
  expect(afterRival, 'the hook ran').toBeDefined();
  if (!(outcome instanceof Refusal)) throw new Error(`desk A was not refused: ${JSON.stringify(outcome)}`);
  return { refusal: outcome, wroteNothing: snapshot(deskA.paths.database) === afterRival };
}

describe('handOut: re-checks under the write lock, against another desk', () => {
  it('refuses a token the other desk handed out after this code was checked', async () => {
    const { deskA, deskB, tokens } = await twoDesks();
    const t = tokens[0]!;
    const { refusal, wroteNothing } = raceAgainst(deskA, { serial: t.serial, upn: 'a@example.com', code: codeFor(t), actor: STAFF, now: NOW }, () => {
      // An earlier step than A's, so only the status can tell A the token is gone.
      accepted(handOut(deskB, { serial: t.serial, upn: 'b@example.com', code: codeFor(t, -1), actor: RIVAL, now: NOW }));
    });
    expect(refusal.code).toBe('already-assigned');
    expect(refusal.message).toMatch(/just handed out at another desk/);
    expect(wroteNothing).toBe(true);
    const token = findToken(deskA, t.serial)!;
    expect(assignmentsOfToken(deskA, token.id).map((a) => a.upn)).toEqual(['b@example.com']);
  });

  it("refuses a code whose time step the other desk accepted meanwhile", async () => {
    const { deskA, deskB, tokens } = await twoDesks();
    const t = tokens[0]!;
    const { refusal, wroteNothing } = raceAgainst(deskA, { serial: t.serial, upn: 'a@example.com', code: codeFor(t), actor: STAFF, now: NOW }, () => {
      // Desk B uses the same code, then undoes its hand-out: the token is back in stock, its step used.
      const id = accepted(handOut(deskB, { serial: t.serial, upn: 'b@example.com', code: codeFor(t), actor: RIVAL, now: NOW }));
      undoHandOut(deskB, { assignmentId: id, reason: 'wrong employee', actor: RIVAL, now: NOW });
    });
    expect(refusal.code).toBe('code-replayed');
    expect(wroteNothing).toBe(true);
    expect(findToken(deskA, t.serial)).toMatchObject({ status: 'in-stock', lastAcceptedStep: timeStep(NOW, 30) });
  });

  it("refuses when the other desk gave the employee a fifth token meanwhile", async () => {
    const { deskA, deskB, tokens } = await twoDesks();
    const upn = 'five@example.com';
    for (const t of tokens.slice(0, 4)) accepted(handOut(deskA, { serial: t.serial, upn, code: codeFor(t), actor: STAFF, now: NOW }));
    const mine = tokens[4]!;
    const theirs = tokens[5]!;
    const { refusal, wroteNothing } = raceAgainst(deskA, { serial: mine.serial, upn, code: codeFor(mine), actor: STAFF, now: NOW }, () => {
      accepted(handOut(deskB, { serial: theirs.serial, upn, code: codeFor(theirs), actor: RIVAL, now: NOW }));
    });
    expect(refusal.code).toBe('upn-full');
    expect(refusal.message).toMatch(/five@example\.com reached Entra's limit of 5 tokens meanwhile/);
    expect(wroteNothing).toBe(true);
    expect(findToken(deskA, mine.serial)?.status).toBe('in-stock');
  });

  it('refuses a right code for a token the other desk locked with wrong codes meanwhile', async () => {
    const { deskA, deskB, tokens } = await twoDesks();
    const t = tokens[0]!;
    let lockedUntilMs: number | undefined;
    const { refusal, wroteNothing } = raceAgainst(deskA, { serial: t.serial, upn: 'a@example.com', code: codeFor(t), actor: STAFF, now: NOW }, () => {
      for (let i = 0; i < deskB.settings.maxFailedAttempts; i++) {
        const result = handOut(deskB, { serial: t.serial, upn: 'b@example.com', code: wrongCode(t), actor: RIVAL, now: NOW });
        if (!result.ok && result.outcome === 'locked') lockedUntilMs = result.lockedUntilMs;
      }
    });
    expect(lockedUntilMs).toBeGreaterThan(NOW);
    expect(refusal.code).toBe('token-locked');
    expect(wroteNothing).toBe(true);
    expect(findToken(deskA, t.serial)).toMatchObject({ status: 'in-stock', lockedUntilMs });
  });
});

describe('handOut: wrong codes from two desks at once', () => {
  it('counts a wrong code on top of the one the other desk counted meanwhile, and locks at the limit', async () => {
    const { deskA, deskB, tokens } = await twoDesks();
    const t = tokens[0]!;
    const max = deskA.settings.maxFailedAttempts;
    // Desk A has seen max-2 failures when it checks its code; desk B adds one before A writes.
    for (let i = 0; i < max - 2; i++) handOut(deskA, { serial: t.serial, upn: 'a@example.com', code: wrongCode(t), actor: STAFF, now: NOW });
    const result = handOut(deskA, {
      serial: t.serial,
      upn: 'a@example.com',
      code: wrongCode(t),
      actor: STAFF,
      now: NOW,
      faults: {
        at: () => {
          const theirs = handOut(deskB, { serial: t.serial, upn: 'b@example.com', code: wrongCode(t), actor: RIVAL, now: NOW });
          expect(theirs).toMatchObject({ ok: false, outcome: 'wrong', attemptsLeft: 1 });
        },
      },
    });
    expect(result).toMatchObject({ ok: false, outcome: 'locked', attemptsLeft: 0 });
    expect(findToken(deskA, t.serial)).toMatchObject({ failedAttempts: 0, lockedUntilMs: NOW + deskA.settings.lockoutMinutes * 60_000 });
  });

  it("does not count, clear or move a lock the other desk set after this code was checked", async () => {
    const { deskA, deskB, tokens } = await twoDesks();
    const t = tokens[0]!;
    const later = NOW + 60_000; // desk A's clock is a minute on: its own lock would end later
    const { refusal, wroteNothing } = raceAgainst(deskA, { serial: t.serial, upn: 'a@example.com', code: wrongCode(t), actor: STAFF, now: later }, () => {
      for (let i = 0; i < deskB.settings.maxFailedAttempts; i++) {
        handOut(deskB, { serial: t.serial, upn: 'b@example.com', code: wrongCode(t), actor: RIVAL, now: NOW });
      }
    });
    expect(refusal.code).toBe('token-locked');
    expect(wroteNothing).toBe(true);
    expect(findToken(deskA, t.serial)).toMatchObject({ failedAttempts: 0, lockedUntilMs: NOW + deskA.settings.lockoutMinutes * 60_000 });
  });
});
