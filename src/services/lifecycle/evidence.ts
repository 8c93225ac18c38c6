/**
 * Drift evidence: every code check at the desk is kept for a while with the offset it matched at
 * (code_checks). A token whose code matched outside what sign-in accepts goes to quarantine, but
 * only when the kiosk's own clock is vouched for: TOTP makes a wrong kiosk clock look like every
 * token drifting the same way. So first:
 *
 * - Clock suspicion: the latest checks of recent tokens (at least 3 tokens, from at least 2
 *   imports) all matched at the same non-zero offset (a minute or more, within one time step of
 *   each other) -> "the kiosk clock looks N minutes off", and no token is quarantined on it.
 * - Vouched: another recent token matched within one step of the kiosk's clock -> the kiosk clock
 *   is fine, so a token far off is itself drifted -> quarantined with its offset.
 * - Neither (a fresh desk, the first far-off token): refused at the hand-out, not quarantined yet.
 */
import { describeOffset, humanDuration, signInToleranceSteps } from '../../core/drift.js';
import type { Inventory } from '../../store/db.js';
import type { CodeCheck } from '../../store/lifecycleRepo.js';
import type { TokenView } from '../../store/tokenRepo.js';

/** How far back checks count as recent, and how many tokens' latest checks are compared. */
export const CLOCK_EVIDENCE = { windowMs: 24 * 60 * 60_000, latestTokens: 10, minTokens: 3, minImports: 2, minOffsetSeconds: 60 } as const;
/** Code checks older than this are deleted (the drift report reads the tokens table, not these). */
export const CODE_CHECK_KEEP_MS = 30 * 24 * 60 * 60_000;

export interface ClockSuspicion {
  /** How far the tokens' codes are ahead of the kiosk clock, in seconds (negative: behind). */
  tokenOffsetSeconds: number;
  /** Rounded minutes the kiosk clock looks off (always >= 1). */
  minutes: number;
  /** 'behind' when the tokens are ahead of it. */
  direction: 'behind' | 'ahead';
  tokens: number;
  imports: number;
  message: string;
}

interface LatestCheck {
  tokenId: number;
  importId: number;
  offsetSeconds: number;
  period: number;
}

/** Each recent token's latest check, newest token first. */
function latestChecks(inventory: Inventory, now: number): LatestCheck[] {
  const rows = inventory.store.lifecycle.recentCodeChecks(now - CLOCK_EVIDENCE.windowMs, 500);
  const seen = new Map<number, LatestCheck>();
  for (const row of rows) {
    if (row.atMs > now || seen.has(row.tokenId)) continue;
    seen.set(row.tokenId, { tokenId: row.tokenId, importId: row.importId, offsetSeconds: row.offsetSteps * row.period, period: row.period });
    if (seen.size >= CLOCK_EVIDENCE.latestTokens) break;
  }
  return [...seen.values()];
}

/**
 * "The kiosk clock looks N minutes off", or null when recent checks do not say so. Looks at the
 * newest run of tokens (each token's latest check, newest first) that all matched within one step
 * of each other at the same non-zero offset: a clock that was right this morning and jumped since
 * shows as such a run, however many good checks came before it.
 */
export function kioskClockSuspicion(inventory: Inventory, now = Date.now()): ClockSuspicion | null {
  return suspicionOf(latestChecks(inventory, now));
}

function suspicionOf(checks: LatestCheck[]): (ClockSuspicion & { tokenIds: number[] }) | null {
  const first = checks[0];
  if (!first || first.offsetSeconds === 0) return null;
  const run: LatestCheck[] = [];
  for (const check of checks) {
    const step = Math.max(check.period, first.period);
    if (Math.sign(check.offsetSeconds) !== Math.sign(first.offsetSeconds) || Math.abs(check.offsetSeconds - first.offsetSeconds) > step) break;
    run.push(check);
  }
  if (run.length < CLOCK_EVIDENCE.minTokens) return null;
  const imports = new Set(run.map((c) => c.importId)).size;
  if (imports < CLOCK_EVIDENCE.minImports) return null;
  const offsets = run.map((c) => c.offsetSeconds).sort((a, b) => a - b);
  const median = offsets[Math.floor(offsets.length / 2)]!;
  if (Math.abs(median) < CLOCK_EVIDENCE.minOffsetSeconds) return null;
  const minutes = Math.max(1, Math.round(Math.abs(median) / 60));
  const direction = median > 0 ? 'behind' : 'ahead';
  return {
    tokenOffsetSeconds: median,
    minutes,
    direction,
    tokens: run.length,
    imports,
    tokenIds: run.map((c) => c.tokenId),
    message:
      `the kiosk clock looks ${minutes} minute${minutes === 1 ? '' : 's'} off (${direction}): the last ${run.length} tokens, from ${imports} imports, ` +
      `all matched ${humanDuration(Math.abs(median))} ${median > 0 ? 'ahead of' : 'behind'} it. Tokens are not quarantined on this; ` +
      'fix the system time (`tokendesk doctor` shows the NTP state)',
  };
}

/** Stores a code check (inside the caller's write) and forgets old ones. */
export function recordCodeCheck(inventory: Inventory, token: Pick<TokenView, 'id' | 'importId'>, kind: CodeCheck['kind'], offsetSteps: number, now: number): void {
  const { lifecycle } = inventory.store;
  lifecycle.recordCodeCheck({ tokenId: token.id, importId: token.importId, atMs: now, kind, offsetSteps });
  lifecycle.forgetCodeChecksBefore(now - CODE_CHECK_KEEP_MS);
}

export type DriftVerdict =
  /** Within what sign-in accepts: a code typed late, not a drifted token. */
  | { kind: 'within-sign-in' }
  /** The kiosk clock looks off by about this token's offset: nothing is concluded about the token. */
  | { kind: 'clock-suspect'; clock: ClockSuspicion; tokenIds: number[] }
  /** No recent token vouches for the kiosk clock yet. */
  | { kind: 'unconfirmed' }
  | { kind: 'drifted' };

/**
 * What a code matched outside the accept window says about the token (its check already recorded):
 * drifted (quarantine it), or nothing yet (the kiosk clock is suspect, or not vouched for).
 */
export function judgeDrift(inventory: Inventory, token: Pick<TokenView, 'id' | 'period'>, offsetSteps: number, now: number): DriftVerdict {
  if (Math.abs(offsetSteps) <= signInToleranceSteps(token.period)) return { kind: 'within-sign-in' };
  const checks = latestChecks(inventory, now);
  const suspicion = suspicionOf(checks);
  if (suspicion && Math.abs(offsetSteps * token.period - suspicion.tokenOffsetSeconds) <= token.period) {
    const { tokenIds, ...clock } = suspicion;
    return { kind: 'clock-suspect', clock, tokenIds };
  }
  const vouched = checks.some((c) => c.tokenId !== token.id && Math.abs(c.offsetSeconds) <= c.period);
  return vouched ? { kind: 'drifted' } : { kind: 'unconfirmed' };
}

/**
 * Applies a drift verdict inside the caller's write: quarantines a drifted token (in stock or
 * returned), and when the kiosk clock is suspect releases the tokens of that run that an earlier,
 * mistaken verdict quarantined for drift (their evidence was the kiosk's clock, not theirs).
 */
export function applyDriftVerdict(
  inventory: Inventory,
  token: Pick<TokenView, 'id'>,
  verdict: DriftVerdict,
  offsetSteps: number,
  change: { at: string; actor: string },
): boolean {
  const { store, deskId } = inventory;
  if (verdict.kind === 'clock-suspect') {
    for (const tokenId of verdict.tokenIds) {
      const state = store.lifecycle.quarantineOf(tokenId);
      if (state?.status === 'quarantined' && state.quarantineReason === 'drift') {
        store.tokens.transition(tokenId, 'release', {
          at: change.at,
          actor: change.actor,
          deskId,
          subject: { quarantineReason: 'drift', automatic: true, why: verdict.clock.message },
        });
      }
    }
    return false;
  }
  if (verdict.kind !== 'drifted') return false;
  const status = store.tokens.verificationState(token.id)?.status;
  if (status !== 'in-stock' && status !== 'returned') return false;
  store.tokens.transition(token.id, 'quarantine', {
    at: change.at,
    actor: change.actor,
    deskId,
    subject: { reason: 'drift', offsetSteps },
    quarantine: { reason: 'drift', offsetSteps },
  });
  return true;
}

/**
 * A lockout is evidence too, but one lockout is usually the wrong token scanned or a typo: the lock
 * ends by itself. A token that locks out again within the evidence period is quarantined (reason
 * locked-out) until an admin looks. Inside the caller's write; true when it quarantined the token.
 */
export function recordLockout(inventory: Inventory, token: Pick<TokenView, 'id' | 'importId'>, change: { now: number; at: string; actor: string }): boolean {
  const { store, deskId } = inventory;
  const earlier = store.lifecycle.countChecksOf(token.id, 'locked-out', change.now - CODE_CHECK_KEEP_MS);
  recordCodeCheck(inventory, token, 'locked-out', 0, change.now);
  const status = store.tokens.verificationState(token.id)?.status;
  if (earlier === 0 || (status !== 'in-stock' && status !== 'returned')) return false;
  store.tokens.transition(token.id, 'quarantine', {
    at: change.at,
    actor: change.actor,
    deskId,
    subject: { reason: 'locked-out', lockouts: earlier + 1 },
    quarantine: { reason: 'locked-out', offsetSteps: null },
  });
  return true;
}

/**
 * A code matched outside the window at a hand-out: audited, kept as evidence, and the token
 * quarantined when the evidence says the token drifted and not the kiosk clock. One transaction.
 */
export function recordOutOfWindow(
  inventory: Inventory,
  actor: string,
  token: Pick<TokenView, 'id' | 'importId' | 'period' | 'serial'>,
  check: { at: string; now: number; offsetSteps: number },
): DriftVerdict {
  const { store, deskId } = inventory;
  return store.write(() => {
    store.audit.append({ actor, deskId, action: 'code-out-of-window', at: check.at, subject: { serial: token.serial, offsetSteps: check.offsetSteps } });
    recordCodeCheck(inventory, token, 'out-of-window', check.offsetSteps, check.now);
    const verdict = judgeDrift(inventory, token, check.offsetSteps, check.now);
    applyDriftVerdict(inventory, token, verdict, check.offsetSteps, { at: check.at, actor });
    return verdict;
  });
}

/** Words for the hand-out screen after a drift refusal: quarantined, or why not. */
export function driftVerdictNote(serial: string, verdict: DriftVerdict, offsetSteps: number, period: number): string {
  switch (verdict.kind) {
    case 'drifted':
      return ` Token ${serial} is now quarantined (clock ${describeOffset(offsetSteps, period)}): put it aside for an admin.`;
    case 'clock-suspect':
      return ` Careful: ${verdict.clock.message}.`;
    default:
      return '';
  }
}

/** What the kiosk header adds to its counts: tokens set aside for an admin, when there are any. */
export function setAsideCounts(inventory: Inventory): string {
  const quarantined = inventory.store.tokens.countWithStatus('quarantined');
  const returned = inventory.store.tokens.countWithStatus('returned');
  return [quarantined > 0 && `quarantined ${quarantined}`, returned > 0 && `returned ${returned}`].filter(Boolean).join(' · ');
}
