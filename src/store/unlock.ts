/**
 * Unlocking a passphrase-protected home. A wrong passphrase gets a clear refusal, an audit entry
 * and a growing delay: after n wrong passphrases in a row the next try waits 1, 2, 4 ... 30 s from
 * the last failure. The count lives in a small 0600 sidecar (HOME/unlock-failures.json) because
 * without the key nothing in the database may be trusted to change.
 *
 * The audit entry of a wrong passphrase is written at the next successful open (one
 * `unlock-failed` entry with the count and the first and last time), not at once: audit entries
 * are authenticated with a key derived from the data key, which a wrong passphrase does not
 * unlock, and an unauthenticated entry is exactly what `audit verify` must refuse. So the sidecar
 * is the record until then; someone who can delete it can hide failed unlocks, and could equally
 * have read the passphrase-mode key file and guessed offline, where no count sees them.
 *
 * The delay only slows guessing at this desk: someone holding a copy of the key file guesses
 * offline, at the cost of one scrypt run per guess. That is what the scrypt parameters are for.
 */
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { Refusal } from '../core/errors.js';
import { writeFileAtomic } from './atomicFile.js';
import type { Store } from './store.js';
import { homePaths, type HomePaths } from './home.js';
import {
  deriveKek,
  deriveKekSync,
  fileModeKeys,
  readKeyFile,
  unwrapKeys,
  type KeyMode,
  type PassphraseKeyFile,
  type UnlockedKey,
} from './keyFile.js';

export const MAX_UNLOCK_DELAY_MS = 30_000;
/** Who the audit log names for a wrong passphrase when the caller does not say. */
const DEFAULT_ACTOR = 'unlock';

/** File mode or passphrase mode: whether the kiosk must ask for a passphrase before it opens the home. */
export function keyMode(dir: string): KeyMode {
  return readKeyFile(homePaths(dir)).mode;
}

/** The wait before the next try after `failures` wrong passphrases in a row. */
export function unlockDelayMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(MAX_UNLOCK_DELAY_MS, 1000 * 2 ** Math.min(failures - 1, 15));
}

export interface UnlockOptions {
  /** The clock (tests inject one). */
  now?: () => number;
  /** Waits out the delay (tests inject one). */
  sleep?: (ms: number) => Promise<void>;
  /** Who is trying, for the audit entry of a wrong passphrase, e.g. "kiosk" or "cli:anna". */
  actor?: string;
  /** Told how long the unlock waits before it even tries (earlier wrong passphrases). */
  onWait?: (ms: number) => void;
}

/**
 * The data key of the home in `dir`: in passphrase mode derived from `passphrase` (about half a
 * second, off the main thread), after any delay earned by earlier wrong passphrases. File mode
 * needs no passphrase and ignores it. Refuses a wrong passphrase with code 'bad-passphrase' and
 * details {failures, retryAfterMs}.
 */
export async function unlockHome(dir: string, passphrase: string, options: UnlockOptions = {}): Promise<UnlockedKey> {
  const paths = homePaths(dir);
  const body = readKeyFile(paths);
  if (body.mode === 'file') return fileModeKeys(body);
  const now = options.now ?? Date.now;
  const wait = remainingDelayMs(paths, now());
  if (wait > 0) {
    options.onWait?.(wait);
    await (options.sleep ?? sleep)(wait);
  }
  const kek = await deriveKek(passphrase, body.kdf);
  return settleAttempt(paths, body, kek, now(), options.actor);
}

/** The same, blocking (for openInventory(dir, {passphrase}) and scripts). */
export function unlockHomeSync(
  dir: string,
  passphrase: string,
  options: { now?: () => number; sleepSync?: (ms: number) => void; actor?: string } = {},
): UnlockedKey {
  const paths = homePaths(dir);
  const body = readKeyFile(paths);
  if (body.mode === 'file') return fileModeKeys(body);
  const now = options.now ?? Date.now;
  const wait = remainingDelayMs(paths, now());
  if (wait > 0) (options.sleepSync ?? sleepSync)(wait);
  return settleAttempt(paths, body, deriveKekSync(passphrase, body.kdf), now(), options.actor);
}

function settleAttempt(paths: HomePaths, body: PassphraseKeyFile, kek: Buffer, now: number, actor: string | undefined): UnlockedKey {
  const keys = unwrapKeys(body, kek);
  if (keys) {
    clearFailures(paths);
    return keys;
  }
  const failures = recordFailure(paths, now, actor ?? DEFAULT_ACTOR);
  const retryAfterMs = unlockDelayMs(failures);
  throw new Refusal(
    'bad-passphrase',
    `that passphrase does not unlock the home ${paths.dir}; nothing was changed. ` +
      `${failures} wrong ${failures === 1 ? 'passphrase' : 'passphrases'} in a row: the next try waits ${Math.ceil(retryAfterMs / 1000)} s`,
    { failures, retryAfterMs },
  );
}

// ---- the failure count ----------------------------------------------------------------------

export interface UnlockFailures {
  /** Wrong passphrases in a row. */
  failures: number;
  lastFailureMs: number;
  /** Failures not yet in the audit log (it is written with the key, at the next successful open). */
  unaudited: number;
  /** When the first of those happened, and who tried last. */
  firstUnauditedMs: number;
  lastActor?: string;
}

const NO_FAILURES: UnlockFailures = { failures: 0, lastFailureMs: 0, unaudited: 0, firstUnauditedMs: 0 };

export function readUnlockFailures(paths: HomePaths): UnlockFailures {
  if (!existsSync(paths.unlockFailures)) return { ...NO_FAILURES };
  try {
    const parsed = JSON.parse(readFileSync(paths.unlockFailures, 'utf8')) as Partial<UnlockFailures>;
    const count = (v: unknown) => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : 0);
    return {
      failures: count(parsed.failures),
      lastFailureMs: count(parsed.lastFailureMs),
      unaudited: count(parsed.unaudited),
      firstUnauditedMs: count(parsed.firstUnauditedMs),
      ...(typeof parsed.lastActor === 'string' ? { lastActor: parsed.lastActor.slice(0, 64) } : {}),
    };
  } catch {
    // A damaged count is rewritten at the next failure; it holds nothing worth refusing over.
    return { ...NO_FAILURES };
  }
}

function writeUnlockFailures(paths: HomePaths, record: UnlockFailures): void {
  if (record.failures === 0 && record.unaudited === 0) {
    if (existsSync(paths.unlockFailures)) unlinkSync(paths.unlockFailures);
    return;
  }
  writeFileAtomic(paths.unlockFailures, `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

function remainingDelayMs(paths: HomePaths, now: number): number {
  const record = readUnlockFailures(paths);
  if (record.failures === 0) return 0;
  return Math.max(0, record.lastFailureMs + unlockDelayMs(record.failures) - now);
}

function clearFailures(paths: HomePaths): void {
  const record = readUnlockFailures(paths);
  if (record.failures > 0) writeUnlockFailures(paths, { ...record, failures: 0 });
}

function recordFailure(paths: HomePaths, now: number, actor: string): number {
  const previous = readUnlockFailures(paths);
  const failures = previous.failures + 1;
  writeUnlockFailures(paths, {
    failures,
    lastFailureMs: now,
    unaudited: previous.unaudited + 1,
    firstUnauditedMs: previous.unaudited > 0 ? previous.firstUnauditedMs : now,
    lastActor: actor,
  });
  return failures;
}

/** At the next successful open (the key is there to authenticate it): the failures since the last one. */
export function flushUnauditedFailures(paths: HomePaths, store: Store, deskId: string): void {
  const record = readUnlockFailures(paths);
  if (record.unaudited === 0) return;
  store.write(() => {
    store.audit.append({
      actor: record.lastActor ?? DEFAULT_ACTOR,
      deskId,
      action: 'unlock-failed',
      subject: {
        count: record.unaudited,
        first: new Date(record.firstUnauditedMs).toISOString(),
        last: new Date(record.lastFailureMs).toISOString(),
        recordedLate: true,
      },
    });
  });
  writeUnlockFailures(paths, { ...record, unaudited: 0, firstUnauditedMs: 0 });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
