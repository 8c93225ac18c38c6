/**
 * What every target test shares: the rows handed out at the desk, what a target's own reading of
 * our file must give back for each (serial, seed, hash, digits, period, user), and the small
 * decoders the readers use. The decoders are written here from RFC 4648 and Python's
 * binascii.unhexlify, not imported from src/, so a bug in tokendesk's codec cannot hide itself.
 */
import { expect } from 'vitest';
import type { BatchRow } from '../../src/formats/types.js';

/** What a target holds for one token after its import (and assignment step, where it has one). */
export interface TargetToken {
  serial: string;
  seedHex: string;
  algorithm: 'sha1' | 'sha256' | 'sha512';
  digits: number;
  period: number;
  user: string;
}

const seed = (length: number, fill: number) => Uint8Array.from({ length }, (_, i) => (fill * 31 + i * 7) & 0xff);

const base = (i: number): BatchRow => ({
  upn: `user${i}@example.com`,
  serial: `00090${String(i).padStart(5, '0')}`,
  secret: seed(20, i),
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  manufacturer: 'Token2',
  model: 'C202',
  displayName: `Token ${i}`,
  offsetSteps: 0,
  verifiedAt: '2025-03-01T10:00:00.000Z',
});

/** A desk's worth of hand-outs: SHA-1/-256/-512, 6 and 8 digits, 30 and 60 s, roster logins or UPNs. */
export const DESK_ROWS: BatchRow[] = [
  base(1),
  { ...base(2), period: 60, userName: 'jdoe' },
  { ...base(3), algorithm: 'SHA256', secret: seed(32, 3) },
  { ...base(4), algorithm: 'SHA256', secret: seed(32, 4), period: 60, userName: 'asmith' },
  { ...base(5), digits: 8, userName: 'b.jones' },
  { ...base(6), algorithm: 'SHA512', secret: seed(64, 6), digits: 8 },
  { ...base(7), secret: seed(16, 7), serial: 'T2-0007', model: 'C302' },
  { ...base(8), secret: seed(64, 8), algorithm: 'SHA512', userName: 'o_neil' },
  { ...base(9), upn: "o'brien@sub.example.org", serial: 'ABC-0009' },
  { ...base(10), secret: seed(20, 0), serial: '0000000010' },
];

/** What the target must hold for a row: the user is the roster login where the caller gave one. */
export function expected(row: BatchRow, user: 'upn' | 'login' = 'login'): TargetToken {
  return {
    serial: row.serial,
    seedHex: Buffer.from(row.secret).toString('hex'),
    algorithm: row.algorithm.toLowerCase() as TargetToken['algorithm'],
    digits: row.digits,
    period: row.period,
    user: user === 'login' ? (row.userName ?? row.upn) : row.upn,
  };
}

/** Every row the exporter accepted comes back exactly, and nothing else. */
export function expectEveryRow(read: TargetToken[], rows: readonly BatchRow[], user: 'upn' | 'login' = 'login'): void {
  expect(rows.length).toBeGreaterThan(0);
  expect([...read].sort((a, b) => a.serial.localeCompare(b.serial))).toEqual(rows.map((row) => expected(row, user)).sort((a, b) => a.serial.localeCompare(b.serial)));
}

/** RFC 4648 Base32, strict: A-Z and 2-7 only, no padding needed; null when it is not. */
export function base32ToHex(text: string): string | null {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of text) {
    const value = alphabet.indexOf(ch);
    if (value === -1) return null;
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  if (/1/.test(bits.slice(bytes.length * 8))) return null; // leftover bits must be zero
  return Buffer.from(bytes).toString('hex');
}

/** binascii.unhexlify: an even number of hex digits, any case; null where Python would raise. */
export function unhexlify(text: string): string | null {
  return /^([0-9a-fA-F]{2})*$/.test(text) ? text.toLowerCase() : null;
}
