/**
 * The TOTP verifier: given a token's seed and a typed code, says whether the person holds that
 * token and how far its clock is off. Pure: no I/O, no clock of its own (the time is an input).
 *
 * Codes come from otpauth; comparison is constant-time, and every step in the accept window is
 * computed whether or not an earlier one matched, so timing does not say which step matched.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { HOTP, Secret } from 'otpauth';
import type { HashAlgorithm } from './algorithms.js';

export interface TotpToken {
  secret: Uint8Array;
  algorithm: HashAlgorithm;
  digits: number;
  /** Seconds per step (30 or 60 on the tokens we hand out). */
  period: number;
}

export interface VerifyRequest {
  token: TotpToken;
  /** What the person typed. Spaces ("123 456") are tolerated. */
  code: string;
  /** Unix time in milliseconds (the kiosk clock). */
  now: number;
  /** The last time step this token was accepted at; a code at or before it is a replay. */
  lastAcceptedStep?: number | null;
  /** Accepted offsets, in steps either side of now. Default 1. */
  window?: number;
  /** How far to look for a match outside the window, to measure drift. Default 600 s (10 min). */
  diagnosticSeconds?: number;
}

export type VerifyOutcome =
  | { kind: 'accepted'; step: number; offsetSteps: number }
  | { kind: 'replayed'; step: number; offsetSteps: number }
  | { kind: 'out-of-window'; offsetSteps: number }
  | { kind: 'wrong' }
  | { kind: 'malformed'; reason: string };

export const DEFAULT_WINDOW = 1;
export const DEFAULT_DIAGNOSTIC_SECONDS = 600;

/** The time step a moment falls in. */
export function timeStep(nowMs: number, period: number): number {
  return Math.floor(nowMs / 1000 / period);
}

/** The code a token shows at a given step (used by tests, practice mode and the verifier). */
export function codeAtStep(token: TotpToken, step: number): string {
  return HOTP.generate({
    secret: secretOf(token),
    algorithm: token.algorithm,
    digits: token.digits,
    counter: step,
  });
}

/** The code a token shows at a given moment. */
export function codeAt(token: TotpToken, nowMs: number): string {
  return codeAtStep(token, timeStep(nowMs, token.period));
}

/** Normalises what was typed: inner spaces dropped; null when it cannot be a code of this token. */
export function normaliseCode(typed: string, digits: number): { code: string } | { reason: string } {
  const code = typed.replace(/\s+/g, '');
  if (code.length === 0) return { reason: 'no code was typed' };
  if (!/^[0-9]+$/.test(code)) return { reason: 'a code has digits only' };
  if (code.length !== digits) return { reason: `this token shows ${digits} digits, ${code.length} were typed` };
  return { code };
}

export function verifyTotp(request: VerifyRequest): VerifyOutcome {
  const { token } = request;
  const normalised = normaliseCode(request.code, token.digits);
  if ('reason' in normalised) return { kind: 'malformed', reason: normalised.reason };
  const typed = Buffer.from(normalised.code, 'latin1');

  const window = request.window ?? DEFAULT_WINDOW;
  const now = timeStep(request.now, token.period);
  const last = request.lastAcceptedStep ?? null;
  const generate = stepCodes(token);
  // One buffer for every candidate code: the window costs its HMACs and little else.
  const shown = Buffer.alloc(token.digits);
  const matches = (step: number): boolean => {
    shown.write(generate(step), 'latin1');
    return timingSafeEqual(typed, shown);
  };

  // The accept window: compute every step, keep the best match (fresh first, then nearest to now).
  let fresh: number | null = null;
  let replayed: number | null = null;
  for (let distance = 0; distance <= window; distance++) {
    for (const offset of distance === 0 ? ZERO : [-distance, distance]) {
      if (!matches(now + offset)) continue;
      const isReplay = last !== null && now + offset <= last;
      if (isReplay) replayed ??= offset;
      else fresh ??= offset;
    }
  }
  if (fresh !== null) return { kind: 'accepted', step: now + fresh, offsetSteps: fresh };
  if (replayed !== null) return { kind: 'replayed', step: now + replayed, offsetSteps: replayed };

  // Not in the window: search wider, nearest first, only to tell the person how far off the clock is.
  const reach = Math.max(window, Math.ceil((request.diagnosticSeconds ?? DEFAULT_DIAGNOSTIC_SECONDS) / token.period));
  for (let distance = window + 1; distance <= reach; distance++) {
    for (const offset of [distance, -distance]) {
      if (matches(now + offset)) return { kind: 'out-of-window', offsetSteps: offset };
    }
  }
  return { kind: 'wrong' };
}

const ZERO = [0] as const;

/**
 * The codes of one token by step, through otpauth's HOTP with an HMAC hook that holds the key as a
 * Buffer copied once per verification (otpauth's default copies key and message on every call).
 * The hook ignores the key otpauth passes, so otpauth gets only the `bytes` it reads, not a Secret
 * built (and its buffer sliced) per verification: together a tenth of a verification's cost.
 */
function stepCodes(token: TotpToken): (step: number) => string {
  const key = Buffer.from(token.secret);
  const secret: Pick<Secret, 'bytes'> = { bytes: key };
  const hmac = (algorithm: string, _key: Uint8Array, message: Uint8Array): Uint8Array => createHmac(algorithm, key).update(message).digest();
  return (step) => HOTP.generate({ secret: secret as Secret, algorithm: token.algorithm, digits: token.digits, counter: step, hmac });
}

function secretOf(token: TotpToken): Secret {
  const bytes = token.secret;
  // otpauth wants an ArrayBuffer of exactly the secret's bytes.
  return new Secret({ buffer: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
}
