/**
 * handOut: the desk's core use case. An employee holds a token, types its live code; if the code
 * proves they hold that exact token with a good clock, the assignment is stored. The kiosk and
 * `tokendesk assign` both come through here, so every rule (lockout, replay, drift, Entra's
 * five-token limit) holds the same everywhere.
 */
import { Refusal } from '../core/errors.js';
import { MAX_TOKENS_PER_USER, normaliseSerial, normaliseUpn, serialProblem, upnProblem } from '../core/identity.js';
import { describeOffset, driftAdvice } from '../core/drift.js';
import type { Inventory } from '../store/db.js';
import { authorise, type Actor } from './actor.js';
import { driftVerdictNote, recordCodeCheck, recordLockout, recordOutOfWindow } from './lifecycle/evidence.js';
import { checkPreassigned } from './lifecycle/preassigned.js';
import { checkReplacement } from './lifecycle/replace.js';
import { checkCode, findToken, liveTokenCountOf, type TokenStatus, type TokenView } from './tokens.js';

export const MAX_DISPLAY_NAME_LENGTH = 64;

export interface HandOutRequest {
  serial: string;
  upn: string;
  /** Defaults to "<manufacturer> <model>". */
  displayName?: string;
  /** A roster is loaded and the UPN is not in it; the desk confirmed it (recorded in the audit). */
  notInRoster?: boolean;
  code: string;
  actor: Actor;
  /** The kiosk clock, Unix ms. */
  now?: number;
  /** Test hook: called at each step; a test makes a rival change there (another desk, same home). */
  faults?: HandOutFaults;
  /** A replacement: the hand-out it replaces (ended as 'replaced' by replaceToken, same person). */
  replacesAssignmentId?: number;
  /** The desk confirmed handing out a token its seed file pre-assigned to somebody else. */
  confirmPreassigned?: boolean;
}

/** The points a test can stop a hand-out at: 'verified' is after the code was checked, before anything is written. */
export const HAND_OUT_STEPS = ['verified'] as const;
export type HandOutStep = (typeof HAND_OUT_STEPS)[number];

export interface HandOutFaults {
  at(step: HandOutStep): void;
}

export type HandOutResult =
  | {
      ok: true;
      assignmentId: number;
      serial: string;
      upn: string;
      displayName: string;
      offsetSteps: number;
      /** The token's time step in seconds, to say the offset in minutes. */
      period: number;
      verifiedAt: string;
    }
  | {
      ok: false;
      outcome: 'wrong' | 'replayed' | 'out-of-window' | 'malformed' | 'locked';
      /** What to tell the person, in plain words. */
      message: string;
      attemptsLeft?: number;
      offsetSteps?: number;
      lockedUntilMs?: number;
      /** Out of window or locked out (again): the token was quarantined on this evidence. */
      quarantined?: boolean;
      /** Out of window: the kiosk clock itself looks off (say so at the Verify step). */
      clockWarning?: string;
    };

/** Step 1 of the hand-out: is this UPN well-formed and under Entra's limit? */
export function checkEmployee(inventory: Inventory, rawUpn: string): { upn: string; tokensHeld: number } {
  const upn = normaliseUpn(rawUpn);
  const problem = upnProblem(upn);
  if (problem) throw new Refusal('bad-upn', `${problem}`);
  const tokensHeld = liveTokenCountOf(inventory, upn);
  if (tokensHeld >= MAX_TOKENS_PER_USER) {
    throw new Refusal(
      'upn-full',
      `${upn} already holds ${tokensHeld} tokens, Entra's limit is ${MAX_TOKENS_PER_USER}: one of them must be taken back before another can be handed out; ask an admin`,
    );
  }
  return { upn, tokensHeld };
}

/** Step 2: can this token be handed out now? */
export function checkTokenForHandOut(inventory: Inventory, rawSerial: string, now = Date.now()): TokenView {
  const serial = normaliseSerial(rawSerial);
  const problem = serialProblem(serial);
  if (problem) throw new Refusal('bad-serial', `${problem}; scan the barcode on the back of the token`);
  const token = findToken(inventory, serial);
  if (!token) {
    const match = withLeadingZeros(inventory, serial);
    if (match) throw new Refusal('unknown-serial', `token ${serial} is not in this inventory; did you mean ${match}? Type the serial with its leading zeros, or scan it`);
    throw new Refusal('unknown-serial', `token ${serial} is not in this inventory: check the serial, or import its box's seed file first`);
  }
  const unavailable = token.status === 'quarantined' ? quarantinedRefusal(token) : notInStock(serial, token.status);
  if (unavailable) throw unavailable;
  if (token.seedPurged) throw new Refusal('seed-purged', `token ${serial} has no seed stored any more; take another token`);
  if (token.lockedUntilMs !== null && token.lockedUntilMs > now) {
    throw lockedRefusal(serial, token.lockedUntilMs, now);
  }
  return token;
}

/** A quarantined token, with why: the measured drift or the lockout. */
function quarantinedRefusal(token: TokenView): Refusal {
  const why =
    token.quarantineReason === 'drift' && token.quarantineOffsetSteps !== null
      ? `its clock was ${describeOffset(token.quarantineOffsetSteps, token.period)}`
      : token.quarantineReason === 'locked-out'
        ? 'it locked out after too many wrong codes'
        : 'an admin set it aside';
  return new Refusal('quarantined', `token ${token.serial} is quarantined (${why}) until an admin looks at it; put it aside and take another token`, {
    reason: token.quarantineReason,
    offsetSteps: token.quarantineOffsetSteps,
  });
}

/** The inventory serial this one is with leading zeros put back (typed from a label that drops them). */
function withLeadingZeros(inventory: Inventory, serial: string): string | null {
  if (!/^[1-9][0-9]*$/.test(serial)) return null;
  for (let zeros = 1; zeros <= 8; zeros++) {
    const candidate = '0'.repeat(zeros) + serial;
    if (findToken(inventory, candidate)) return candidate;
  }
  return null;
}

/** Why a token in this state cannot be handed out, or null when it is in stock. */
function notInStock(serial: string, status: TokenStatus, meanwhile = false): Refusal | null {
  switch (status) {
    case 'in-stock':
      return null;
    case 'assigned':
      return meanwhile
        ? new Refusal('already-assigned', `token ${serial} was just handed out at another desk; take another token from the box`)
        : new Refusal('already-assigned', `token ${serial} was already handed out; take another token from the box`);
    case 'exported':
    case 'uploaded':
      return new Refusal('already-assigned', `token ${serial} was handed out and exported; take another token from the box`);
    case 'returned':
      return new Refusal('not-in-stock', `token ${serial} was returned and is not back in stock yet: an admin checks it first; take another token`);
    case 'quarantined':
      return new Refusal('quarantined', `token ${serial} is quarantined until an admin looks at it; put it aside and take another token`);
    case 'lost':
    case 'broken':
    case 'retired':
      return new Refusal('out-of-service', `token ${serial} is ${status} and out of service; put it aside and take another token`);
  }
}

export function defaultDisplayName(token: Pick<TokenView, 'manufacturer' | 'model'>): string {
  return `${token.manufacturer} ${token.model}`.trim() || 'Hardware token';
}

/** Step 3: a token name Entra will show the employee. */
export function checkDisplayName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0) throw new Refusal('bad-name', 'the token needs a name, e.g. "Token2 C202"');
  if (trimmed.length > MAX_DISPLAY_NAME_LENGTH) throw new Refusal('bad-name', `a token name has at most ${MAX_DISPLAY_NAME_LENGTH} characters`);
  if (/[\x00-\x1f\x7f]/.test(trimmed)) throw new Refusal('bad-name', 'a token name cannot hold control characters');
  return trimmed;
}

/** Wrong codes this token may still take before it locks (0 while it is locked). */
export function triesLeft(inventory: Inventory, rawSerial: string, now = Date.now()): number {
  const token = findToken(inventory, normaliseSerial(rawSerial));
  if (!token) return inventory.settings.maxFailedAttempts;
  if (token.lockedUntilMs !== null && token.lockedUntilMs > now) return 0;
  return Math.max(0, inventory.settings.maxFailedAttempts - token.failedAttempts);
}

/**
 * Step 4: verify the code and, when it is good, record the assignment in one transaction.
 *
 * The code is checked before the write lock is taken, so the lock is held only for the writes;
 * what another desk may have changed meanwhile is read again under the lock: the token's status
 * and lock, the step last accepted, the UPN's live tokens.
 */
export function handOut(inventory: Inventory, request: HandOutRequest): HandOutResult {
  authorise(request.actor, 'hand-out');
  const now = request.now ?? Date.now();
  const { upn } = checkEmployee(inventory, request.upn);
  const token = checkTokenForHandOut(inventory, request.serial, now);
  const displayName = checkDisplayName(request.displayName ?? defaultDisplayName(token));
  const { settings, deskId, store } = inventory;
  if (request.replacesAssignmentId !== undefined) checkReplacement(inventory, request.replacesAssignmentId, upn);
  // Before the code is checked: a refused hand-out must not use up the employee's code.
  checkPreassigned(token, upn, request.confirmPreassigned ?? false);
  const at = new Date(now).toISOString();

  const outcome = checkCode(inventory, token, request.code, now, settings.acceptWindowSteps);
  request.faults?.at('verified');

  switch (outcome.kind) {
    case 'accepted': {
      const assignmentId = store.write((): number => {
        const current = store.tokens.verificationState(token.id);
        if (!current) throw new Error(`token #${token.id} vanished`);
        const unavailable = notInStock(token.serial, current.status, true);
        if (unavailable) throw unavailable;
        if (current.lockedUntilMs !== null && current.lockedUntilMs > now) throw lockedRefusal(token.serial, current.lockedUntilMs, now);
        if (current.lastAcceptedStep !== null && outcome.step <= current.lastAcceptedStep) {
          throw new Refusal('code-replayed', 'that code was just used; wait for the next code');
        }
        if (store.assignments.liveCountOf(upn) >= MAX_TOKENS_PER_USER) {
          throw new Refusal('upn-full', `${upn} reached Entra's limit of ${MAX_TOKENS_PER_USER} tokens meanwhile`);
        }
        if (request.replacesAssignmentId !== undefined) checkReplacement(inventory, request.replacesAssignmentId, upn);
        store.tokens.markHandedOut(token.id, { step: outcome.step, driftSteps: outcome.offsetSteps, at });
        recordCodeCheck(inventory, token, 'hand-out', outcome.offsetSteps, now);
        const id = store.assignments.record({
          replacesAssignmentId: request.replacesAssignmentId ?? null,
          tokenId: token.id,
          upn,
          displayName,
          verifiedAt: at,
          offsetSteps: outcome.offsetSteps,
          assignedBy: request.actor.name,
          deskId,
        });
        store.audit.append({
          actor: request.actor.name,
          deskId,
          action: 'hand-out',
          at,
          subject: {
            serial: token.serial,
            upn,
            name: displayName,
            offsetSteps: outcome.offsetSteps,
            ...(request.replacesAssignmentId !== undefined ? { replaces: request.replacesAssignmentId } : {}),
            ...(token.preassignedUpn !== null && token.preassignedUpn !== upn ? { preassignedTo: token.preassignedUpn, confirmed: true } : {}),
            ...(request.notInRoster && { notInRoster: 'confirmed' }),
          },
        });
        return id;
      });
      return { ok: true, assignmentId, serial: token.serial, upn, displayName, offsetSteps: outcome.offsetSteps, period: token.period, verifiedAt: at };
    }

    case 'malformed':
      // A typo is not a guess: it does not count towards the lockout.
      return { ok: false, outcome: 'malformed', message: `${outcome.reason}; type the ${token.digits} digits the token shows` };

    case 'replayed':
      recordRefusedCode(inventory, request.actor, token, at, 'replayed', outcome.offsetSteps);
      return {
        ok: false,
        outcome: 'replayed',
        message: 'that code was already used; wait for the token to show a new code (press its button again) and type that',
      };

    case 'out-of-window': {
      // The code proves the token is this one, so it is no guess; but its clock is off.
      const verdict = recordOutOfWindow(inventory, request.actor.name, token, { at, now, offsetSteps: outcome.offsetSteps });
      return {
        ok: false,
        outcome: 'out-of-window',
        offsetSteps: outcome.offsetSteps,
        message: driftAdvice(outcome.offsetSteps, token.period) + driftVerdictNote(token.serial, verdict, outcome.offsetSteps, token.period),
        ...(verdict.kind === 'drifted' ? { quarantined: true } : {}),
        ...(verdict.kind === 'clock-suspect' ? { clockWarning: verdict.clock.message } : {}),
      };
    }

    case 'wrong': {
      const { attemptsLeft, lockedUntilMs, quarantined } = recordWrongCode(inventory, request.actor, token, now, at);
      if (lockedUntilMs !== null && quarantined) {
        return {
          ok: false,
          outcome: 'locked',
          attemptsLeft: 0,
          lockedUntilMs,
          quarantined: true,
          message: `wrong code, and that was the last try: token ${token.serial} locked out again, so it is now quarantined: put it aside for an admin and take another token`,
        };
      }
      if (lockedUntilMs !== null) {
        return {
          ok: false,
          outcome: 'locked',
          attemptsLeft: 0,
          lockedUntilMs,
          message: `wrong code, and that was the last try: token ${token.serial} is locked for ${settings.lockoutMinutes} minutes. Check it is the token that was scanned, or take another token`,
        };
      }
      return {
        ok: false,
        outcome: 'wrong',
        attemptsLeft,
        message: `that code is not this token's: check the serial on the back matches ${token.serial}, press the button and type the new code (${attemptsLeft} ${attemptsLeft === 1 ? 'try' : 'tries'} left)`,
      };
    }
  }
}

/**
 * Checks the lock, counts the wrong code and locks at the limit in one immediate transaction, the
 * count read inside it: two desks guessing at once cannot both see four failures and stay under
 * the limit. A guess that lands on a token another desk just locked is refused, not counted, and
 * never clears or shortens that lock.
 */
function recordWrongCode(
  inventory: Inventory,
  actor: Actor,
  token: TokenView,
  now: number,
  at: string,
): { attemptsLeft: number; lockedUntilMs: number | null; quarantined: boolean } {
  const { store, settings, deskId } = inventory;
  return store.write(() => {
    const current = store.tokens.verificationState(token.id);
    if (!current) throw new Error(`token #${token.id} vanished`);
    if (current.lockedUntilMs !== null && current.lockedUntilMs > now) throw lockedRefusal(token.serial, current.lockedUntilMs, now);
    const attempts = current.failedAttempts + 1;
    const locks = attempts >= settings.maxFailedAttempts;
    const lockedUntilMs = locks ? now + settings.lockoutMinutes * 60_000 : null;
    if (lockedUntilMs !== null) store.tokens.lock(token.id, lockedUntilMs);
    else store.tokens.countWrongCode(token.id, attempts);
    store.audit.append({ actor: actor.name, deskId, action: 'wrong-code', at, subject: { serial: token.serial, attempt: attempts } });
    let quarantined = false;
    if (locks) {
      store.audit.append({ actor: actor.name, deskId, action: 'token-locked', at, subject: { serial: token.serial, minutes: settings.lockoutMinutes } });
      quarantined = recordLockout(inventory, token, { now, at, actor: actor.name });
    }
    return { attemptsLeft: Math.max(0, settings.maxFailedAttempts - attempts), lockedUntilMs, quarantined };
  });
}

function recordRefusedCode(inventory: Inventory, actor: Actor, token: TokenView, at: string, outcome: 'replayed', offsetSteps: number): void {
  const { store, deskId } = inventory;
  store.write(() => {
    store.audit.append({ actor: actor.name, deskId, action: `code-${outcome}`, at, subject: { serial: token.serial, offsetSteps } });
  });
}

function lockedRefusal(serial: string, lockedUntilMs: number, now: number): Refusal {
  const minutes = Math.max(1, Math.ceil((lockedUntilMs - now) / 60_000));
  return new Refusal(
    'token-locked',
    `token ${serial} is locked after too many wrong codes; try again in ${minutes} minute${minutes === 1 ? '' : 's'} or take another token`,
    { lockedUntilMs },
  );
}
