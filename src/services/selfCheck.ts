/**
 * Employee self-check: at the kiosk, without staff, someone types their token's serial and a code
 * to learn whether the token still works for Microsoft sign-in.
 *
 * It never changes an assignment and never shows a full UPN. An accepted code moves the token's
 * last accepted step on (so that code cannot be replayed anywhere) and nothing else. Wrong codes
 * do not lock the token (that would let a passer-by lock someone else's token); instead checks are
 * rate-limited per token and per desk, counted in the database so a restart does not reset them.
 */
import { describeOffset, humanDuration, signInToleranceSeconds, signInToleranceSteps } from '../core/drift.js';
import { maskUpn, normaliseSerial, serialProblem } from '../core/identity.js';
import { normaliseCode } from '../core/totp.js';
import type { Inventory } from '../store/db.js';
import { checkCode, findToken } from './tokens.js';
import type { TokenView } from './tokens.js';
import { recordCodeCheck } from './lifecycle/evidence.js';

export type SelfCheckResult =
  | { outcome: 'works'; maskedUpn: string; offsetSteps: number; message: string }
  | {
      outcome: 'drift' | 'wrong' | 'replayed' | 'malformed' | 'not-handed-out' | 'unknown-serial' | 'seed-purged' | 'rate-limited';
      message: string;
      retryAfterMs?: number;
    };

export type SelfCheckOutcome = SelfCheckResult['outcome'];

export interface SelfCheckLimits {
  /** Checks of one token per window. */
  perToken: number;
  /** Checks at this desk per window, all tokens together. */
  perDesk: number;
  windowMs: number;
}

export const SELF_CHECK_LIMITS: SelfCheckLimits = { perToken: 5, perDesk: 30, windowMs: 10 * 60_000 };

/** The audit actor: nobody is signed in. */
const SELF_CHECK_ACTOR = 'self-check';

const COME_TO_DESK = 'please come to the desk';

/**
 * Before a code is asked: a token the desk cannot check at all (its seed was purged after upload)
 * is said at once. Null for anything else (including an unknown serial: the check itself says so,
 * counted against the rate limit). Reads only; nothing is counted or written.
 */
export function selfCheckBlocked(inventory: Inventory, rawSerial: string): SelfCheckResult | null {
  const serial = normaliseSerial(rawSerial);
  if (serialProblem(serial)) return null;
  const token = findToken(inventory, serial);
  return token?.seedPurged ? { outcome: 'seed-purged', message: SEED_PURGED } : null;
}

const SEED_PURGED = "this token's seed was deleted after upload; the desk cannot check it here — try signing in to a Microsoft service";

export function selfCheck(
  inventory: Inventory,
  request: { serial: string; code: string; now?: number; limits?: SelfCheckLimits },
): SelfCheckResult {
  const now = request.now ?? Date.now();
  const limits = request.limits ?? SELF_CHECK_LIMITS;
  const deskScope = `desk:${inventory.deskId}`;

  const serial = normaliseSerial(request.serial);
  const serialIssue = serialProblem(serial);
  if (serialIssue) {
    // Nothing looked up, nothing counted: a typo is not a probe.
    return { outcome: 'malformed', message: `${serialIssue}; scan the barcode on the back of your token, or type the number printed there` };
  }

  const deskLimit = limitReached(inventory, deskScope, limits.perDesk, limits.windowMs, now);
  if (deskLimit !== null) {
    return finish(inventory, now, { serial, counted: [] }, {
      outcome: 'rate-limited',
      retryAfterMs: deskLimit,
      message: `this kiosk has had many checks in the last few minutes; try again in ${waitText(deskLimit)}, or ${COME_TO_DESK}`,
    });
  }

  const token = findToken(inventory, serial);
  if (!token) {
    // The typed text is not written anywhere: it may be a code typed into the wrong field.
    return finish(inventory, now, { serial: null, counted: [deskScope] }, {
      outcome: 'unknown-serial',
      message: `token ${serial} is not one of this desk's tokens: check the number on the back of your token, or ${COME_TO_DESK}`,
    });
  }

  const tokenScope = `token:${token.serial}`;
  const tokenLimit = limitReached(inventory, tokenScope, limits.perToken, limits.windowMs, now);
  if (tokenLimit !== null) {
    return finish(inventory, now, { serial: token.serial, counted: [] }, {
      outcome: 'rate-limited',
      retryAfterMs: tokenLimit,
      message: `this token was checked several times in the last few minutes; try again in ${waitText(tokenLimit)}, or ${COME_TO_DESK}`,
    });
  }

  const typed = normaliseCode(request.code, token.digits);
  if ('reason' in typed) {
    return { outcome: 'malformed', message: `${typed.reason}; press the token's button and type the ${token.digits} digits it shows` };
  }

  const counted = [deskScope, tokenScope];
  const upn = inventory.store.assignments.liveUpnOfToken(token.id);
  if (!['assigned', 'exported', 'uploaded'].includes(token.status) || upn === null) {
    return finish(inventory, now, { serial: token.serial, counted }, {
      outcome: 'not-handed-out',
      message: `token ${token.serial} has not been handed out to anyone, so there is nothing to check; ${COME_TO_DESK}`,
    });
  }
  if (token.seedPurged) {
    return finish(inventory, now, { serial: token.serial, counted }, {
      outcome: 'seed-purged',
      message: SEED_PURGED,
    });
  }

  // Accept anything Entra's sign-in would accept; look further only to say how far off the clock is.
  const tolerance = signInToleranceSteps(token.period);
  const outcome = checkCode(inventory, token, typed.code, now, tolerance);

  switch (outcome.kind) {
    case 'accepted': {
      const clock = outcome.offsetSteps === 0 ? 'its clock is on time' : `its clock is ${describeOffset(outcome.offsetSteps, token.period)}, which sign-in still accepts`;
      return finish(inventory, now, { serial: token.serial, counted, acceptStep: { tokenId: token.id, step: outcome.step }, codeCheck: { token, offsetSteps: outcome.offsetSteps } }, {
        outcome: 'works',
        maskedUpn: maskUpn(upn),
        offsetSteps: outcome.offsetSteps,
        message: `your token works: it belongs to ${maskUpn(upn)} and ${clock}`,
      });
    }
    case 'replayed':
      return finish(inventory, now, { serial: token.serial, counted }, {
        outcome: 'replayed',
        message: 'that code was already used; press the button for a new code and type that one',
      });
    case 'out-of-window':
      return finish(inventory, now, { serial: token.serial, counted, codeCheck: { token, offsetSteps: outcome.offsetSteps } }, {
        outcome: 'drift',
        message:
          `your token's clock is ${describeOffset(outcome.offsetSteps, token.period)}; Microsoft sign-in allows about ` +
          `${humanDuration(signInToleranceSeconds(token.period))}, so its codes will be refused: ${COME_TO_DESK} for a new token`,
      });
    case 'wrong':
      return finish(inventory, now, { serial: token.serial, counted }, {
        outcome: 'wrong',
        message: `that code is not token ${token.serial}'s: check the number on the back, press the button and type the new code`,
      });
    case 'malformed':
      return { outcome: 'malformed', message: `${outcome.reason}; press the token's button and type the ${token.digits} digits it shows` };
  }
}

/** Null when another check is allowed; else milliseconds until the oldest counted check leaves the window. */
function limitReached(inventory: Inventory, scope: string, limit: number, windowMs: number, now: number): number | null {
  const { n, oldestMs } = inventory.store.selfChecks.recent(scope, now - windowMs, now);
  if (n < limit || oldestMs === null) return null;
  return Math.max(1000, oldestMs + windowMs - now);
}

/** Counts the check, moves the token's last accepted step on when a code was accepted, audits: one transaction. */
function finish(
  inventory: Inventory,
  now: number,
  record: {
    serial: string | null;
    counted: string[];
    acceptStep?: { tokenId: number; step: number };
    /** Evidence for the kiosk-clock check (lifecycle/evidence.ts); a held token is never quarantined from here. */
    codeCheck?: { token: Pick<TokenView, 'id' | 'importId'>; offsetSteps: number };
  },
  result: SelfCheckResult,
): SelfCheckResult {
  const { store, deskId } = inventory;
  let outcome = result;
  store.write(() => {
    for (const scope of record.counted) store.selfChecks.count(scope, now);
    // Old attempts are no use to any limit: keep the table small.
    store.selfChecks.forgetBefore(now - 24 * 60 * 60_000);
    if (record.codeCheck) recordCodeCheck(inventory, record.codeCheck.token, 'self-check', record.codeCheck.offsetSteps, now);
    // Another check or hand-out used this code a moment ago.
    if (record.acceptStep && !store.tokens.acceptStep(record.acceptStep.tokenId, record.acceptStep.step)) {
      outcome = { outcome: 'replayed', message: 'that code was already used; press the button for a new code and type that one' };
    }
    store.audit.append({
      actor: SELF_CHECK_ACTOR,
      deskId,
      action: 'self-check',
      at: new Date(now).toISOString(),
      subject: { serial: record.serial ?? '(unknown)', outcome: outcome.outcome },
    });
  });
  return outcome;
}

function waitText(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  return minutes <= 1 ? 'a minute' : `${minutes} minutes`;
}
