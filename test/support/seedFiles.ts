import { randomBytes } from 'node:crypto';
import { encodeBase32 } from '../../src/core/secretCodec.js';

export interface TestToken {
  serial: string;
  secret: Uint8Array;
  secretHex: string;
  base32: string;
}

/** Serials like a Token2 box: 13 digits with leading zeros kept. */
export function makeTokens(count: number, options: { prefix?: string; secretBytes?: number } = {}): TestToken[] {
  const prefix = options.prefix ?? '0060';
  return Array.from({ length: count }, (_, i) => {
    const secret = new Uint8Array(randomBytes(options.secretBytes ?? 20));
    return {
      serial: `${prefix}${String(i).padStart(13 - prefix.length, '0')}`,
      secret,
      secretHex: Buffer.from(secret).toString('hex'),
      base32: encodeBase32(secret),
    };
  });
}

export const ENTRA_HEADER = 'upn,serial number,secret key,time interval,manufacturer,model';

export function entraCsv(tokens: TestToken[], options: { period?: number; eol?: string; upn?: (i: number) => string } = {}): string {
  const eol = options.eol ?? '\n';
  const lines = [ENTRA_HEADER];
  tokens.forEach((t, i) => lines.push(`${options.upn?.(i) ?? ''},${t.serial},${t.base32},${options.period ?? 30},Token2,C202`));
  return lines.join(eol) + eol;
}
