import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codeAt, codeAtStep, timeStep, verifyTotp, type TotpToken } from '../../src/core/totp.js';
import { driftAdvice } from '../../src/core/drift.js';
import { oathtoolAvailable, oathtoolTotp } from '../support/oathtool.js';

const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'ascii'));

// RFC 6238 Appendix B: the seed is the ASCII digits repeated to the hash's block size.
const SEEDS = {
  SHA1: ascii('12345678901234567890'),
  SHA256: ascii('12345678901234567890123456789012'),
  SHA512: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
} as const;

const RFC6238: Array<[number, string, keyof typeof SEEDS]> = [
  [59, '94287082', 'SHA1'],
  [59, '46119246', 'SHA256'],
  [59, '90693936', 'SHA512'],
  [1111111109, '07081804', 'SHA1'],
  [1111111109, '68084774', 'SHA256'],
  [1111111109, '25091201', 'SHA512'],
  [1111111111, '14050471', 'SHA1'],
  [1111111111, '67062674', 'SHA256'],
  [1111111111, '99943326', 'SHA512'],
  [1234567890, '89005924', 'SHA1'],
  [1234567890, '91819424', 'SHA256'],
  [1234567890, '93441116', 'SHA512'],
  [2000000000, '69279037', 'SHA1'],
  [2000000000, '90698825', 'SHA256'],
  [2000000000, '38618901', 'SHA512'],
  [20000000000, '65353130', 'SHA1'],
  [20000000000, '77737706', 'SHA256'],
  [20000000000, '47863826', 'SHA512'],
];

// RFC 4226 Appendix D: HOTP values for counters 0..9 (SHA-1, 6 digits).
const RFC4226 = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

const token = (over: Partial<TotpToken> = {}): TotpToken => ({
  secret: SEEDS.SHA1,
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  ...over,
});

describe('RFC vectors', () => {
  it.each(RFC4226.map((code, counter) => [counter, code] as const))('RFC 4226 counter %i is %s', (counter, code) => {
    expect(codeAtStep(token(), counter)).toBe(code);
  });

  it.each(RFC6238)('RFC 6238 T=%i gives %s with %s', (seconds, code, algorithm) => {
    const t = token({ secret: SEEDS[algorithm], algorithm, digits: 8 });
    expect(codeAt(t, seconds * 1000)).toBe(code);
    expect(verifyTotp({ token: t, code, now: seconds * 1000 })).toEqual({
      kind: 'accepted',
      step: timeStep(seconds * 1000, 30),
      offsetSteps: 0,
    });
  });
});

describe('verifyTotp', () => {
  const now = 1_700_000_000_000;
  const step = timeStep(now, 30);
  const t = token();

  it('accepts the current code with offset 0', () => {
    expect(verifyTotp({ token: t, code: codeAtStep(t, step), now })).toEqual({ kind: 'accepted', step, offsetSteps: 0 });
  });

  it('tolerates spaces inside the code', () => {
    const code = codeAtStep(t, step);
    expect(verifyTotp({ token: t, code: ` ${code.slice(0, 3)} ${code.slice(3)} `, now }).kind).toBe('accepted');
  });

  it('accepts the window edges and refuses one step beyond, reporting the offset', () => {
    expect(verifyTotp({ token: t, code: codeAtStep(t, step - 1), now })).toMatchObject({ kind: 'accepted', offsetSteps: -1 });
    expect(verifyTotp({ token: t, code: codeAtStep(t, step + 1), now })).toMatchObject({ kind: 'accepted', offsetSteps: 1 });
    expect(verifyTotp({ token: t, code: codeAtStep(t, step + 2), now })).toEqual({ kind: 'out-of-window', offsetSteps: 2 });
    expect(verifyTotp({ token: t, code: codeAtStep(t, step - 2), now })).toEqual({ kind: 'out-of-window', offsetSteps: -2 });
  });

  it('honours a wider window when asked', () => {
    expect(verifyTotp({ token: t, code: codeAtStep(t, step + 2), now, window: 2 })).toMatchObject({ kind: 'accepted', offsetSteps: 2 });
  });

  it('measures drift up to at least ten minutes either way', () => {
    expect(verifyTotp({ token: t, code: codeAtStep(t, step + 20), now })).toEqual({ kind: 'out-of-window', offsetSteps: 20 });
    expect(verifyTotp({ token: t, code: codeAtStep(t, step - 20), now })).toEqual({ kind: 'out-of-window', offsetSteps: -20 });
  });

  it('calls a code from far outside the diagnostic search wrong', () => {
    // Pick a far step whose code does not collide with any code within +-20 steps.
    const near = new Set(Array.from({ length: 41 }, (_, i) => codeAtStep(t, step - 20 + i)));
    let far = step + 1000;
    while (near.has(codeAtStep(t, far))) far++;
    expect(verifyTotp({ token: t, code: codeAtStep(t, far), now })).toEqual({ kind: 'wrong' });
  });

  it('refuses a replay at or before the last accepted step', () => {
    const code = codeAtStep(t, step);
    expect(verifyTotp({ token: t, code, now, lastAcceptedStep: step })).toEqual({ kind: 'replayed', step, offsetSteps: 0 });
    expect(verifyTotp({ token: t, code: codeAtStep(t, step - 1), now, lastAcceptedStep: step })).toMatchObject({ kind: 'replayed' });
    expect(verifyTotp({ token: t, code: codeAtStep(t, step + 1), now, lastAcceptedStep: step })).toMatchObject({
      kind: 'accepted',
      step: step + 1,
    });
  });

  it('says why a code is malformed', () => {
    expect(verifyTotp({ token: t, code: '12a456', now })).toMatchObject({ kind: 'malformed' });
    expect(verifyTotp({ token: t, code: '12345', now })).toEqual({ kind: 'malformed', reason: 'this token shows 6 digits, 5 were typed' });
    expect(verifyTotp({ token: t, code: '1234567', now })).toMatchObject({ kind: 'malformed' });
    expect(verifyTotp({ token: t, code: '   ', now })).toEqual({ kind: 'malformed', reason: 'no code was typed' });
    expect(verifyTotp({ token: t, code: '１２３４５６', now })).toMatchObject({ kind: 'malformed' });
  });

  it('keeps leading zeros', () => {
    // RFC 6238's "07081804" at T=1111111109 starts with a zero.
    const t8 = token({ digits: 8 });
    expect(verifyTotp({ token: t8, code: '07081804', now: 1111111109_000 }).kind).toBe('accepted');
    expect(verifyTotp({ token: t8, code: '7081804', now: 1111111109_000 }).kind).toBe('malformed');
  });

  it('handles 60-second tokens', () => {
    const t60 = token({ period: 60 });
    const s60 = timeStep(now, 60);
    expect(verifyTotp({ token: t60, code: codeAtStep(t60, s60), now })).toEqual({ kind: 'accepted', step: s60, offsetSteps: 0 });
    expect(verifyTotp({ token: t60, code: codeAtStep(t60, s60 + 10), now })).toEqual({ kind: 'out-of-window', offsetSteps: 10 });
    // The 30 s code of the same seed is not the 60 s code.
    expect(verifyTotp({ token: t60, code: codeAtStep(t, step), now }).kind).not.toBe('accepted');
  });
});

describe('drift advice', () => {
  it('tells the desk to hand out another token when the clock is far off', () => {
    expect(driftAdvice(6, 30)).toBe(
      "this token's clock is about 3 minutes fast; Entra sign-in allows about 1 minute: give the employee another token",
    );
    expect(driftAdvice(-4, 60)).toContain('about 4 minutes slow');
  });

  it('asks for a fresh code when the code is only a little late', () => {
    expect(driftAdvice(-2, 30)).toContain('press the button for a fresh code');
  });
});

describe.skipIf(!oathtoolAvailable)("agrees with Debian's oathtool", () => {
  const cases = [
    { algorithm: 'SHA1', digits: 6, period: 30, bytes: 20 },
    { algorithm: 'SHA1', digits: 8, period: 60, bytes: 10 },
    { algorithm: 'SHA256', digits: 6, period: 30, bytes: 32 },
    { algorithm: 'SHA512', digits: 8, period: 30, bytes: 64 },
    { algorithm: 'SHA256', digits: 6, period: 60, bytes: 20 },
  ] as const;

  it.each(cases)('$algorithm, $digits digits, $period s', ({ algorithm, digits, period, bytes }) => {
    for (let round = 0; round < 5; round++) {
      const secret = new Uint8Array(randomBytes(bytes));
      const t: TotpToken = { secret, algorithm, digits, period };
      const unixSeconds = 1_600_000_000 + round * 7_777_777;
      const codes = oathtoolTotp({ secretHex: Buffer.from(secret).toString('hex'), algorithm, digits, period, unixSeconds, count: 3 });
      const first = timeStep(unixSeconds * 1000, period);
      codes.forEach((code, i) => expect(codeAtStep(t, first + i)).toBe(code));
      expect(verifyTotp({ token: t, code: codes[1]!, now: unixSeconds * 1000 })).toMatchObject({ kind: 'accepted', offsetSteps: 1 });
    }
  });
});
