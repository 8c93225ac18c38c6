/**
 * Byte sources and fixture access for the format tests.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { SeedFileError } from '../../src/formats/types.js';
import type { BatchRow, ParseResult } from '../../src/formats/types.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'formats');

export function fixture(...path: string[]): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, ...path)));
}

export function fixtureText(...path: string[]): string {
  return readFileSync(join(FIXTURES, ...path), 'utf8');
}

export const utf8 = (text: string) => new TextEncoder().encode(text);
export const hex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
export const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The bytes cut into chunks of `size`, delivered asynchronously like a file stream. */
export async function* chunked(bytes: Uint8Array | string, size = 65536): AsyncGenerator<Uint8Array> {
  const all = typeof bytes === 'string' ? utf8(bytes) : bytes;
  for (let i = 0; i < all.byteLength; i += size) yield all.subarray(i, Math.min(i + size, all.byteLength));
}

/** Runs `parse` and returns the SeedFileError it must throw. */
export async function refusal(run: () => Promise<unknown>): Promise<SeedFileError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(SeedFileError);
    return error as SeedFileError;
  }
  throw new Error('expected the file to be refused, but it was read');
}

/** A ParseResult with secrets as hex, for toEqual comparisons that print readably. */
export function readable(result: ParseResult) {
  return { ...result, records: result.records.map((record) => ({ ...record, secret: toHex(record.secret) })) };
}

/** Every message a result carries, for "never echoes the secret" checks. */
export function allText(result: ParseResult): string {
  return JSON.stringify({ rejects: result.rejects, skipped: result.skipped, warnings: result.warnings });
}

export const SEED_SHA1 = hex('3132333435363738393031323334353637383930');
export const SEED_OTHER = hex('00112233445566778899aabbccddeeff01234567');
export const SEED_SHA256 = hex('3132333435363738393031323334353637383930313233343536373839303132');

/** The rows the golden batch files were written from (see test/fixtures/formats/export/README.md). */
export const GOLDEN_ROWS: BatchRow[] = [
  {
    upn: 'alice@example.com',
    serial: '0001234567',
    secret: SEED_SHA1,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    manufacturer: 'Token2',
    model: 'C202',
    displayName: 'Alice token',
    offsetSteps: 0,
    verifiedAt: '2025-01-15T09:30:00.000Z',
  },
  {
    upn: 'bob@example.com',
    serial: '0001234568',
    secret: SEED_OTHER,
    algorithm: 'SHA1',
    digits: 6,
    period: 60,
    manufacturer: 'Token2, Inc.',
    model: 'C302 "mini"',
    displayName: 'Bob’s fob',
    offsetSteps: -1,
    verifiedAt: '2025-01-15T09:41:07.000Z',
  },
];

export const GOLDEN_SHA256_ROW: BatchRow = {
  upn: 'carol@example.com',
  serial: 'T2-000099',
  secret: SEED_SHA256,
  algorithm: 'SHA256',
  digits: 6,
  period: 30,
  manufacturer: 'Token2',
  model: 'C302-SHA256',
  displayName: 'Carol',
  offsetSteps: 2,
  verifiedAt: '2025-01-15T10:02:55.000Z',
};

/**
 * The rows the privacyIDEA, LinOTP and multiOTP golden files were written from
 * (test/fixtures/formats/export/make-target-goldens.py): Bob's user name comes from the roster
 * (userName), Alice has none and goes by her UPN; Bob's manufacturer has no comma (multiOTP).
 */
export const TARGET_ROWS: BatchRow[] = [
  GOLDEN_ROWS[0]!,
  { ...GOLDEN_ROWS[1]!, manufacturer: 'Token2 Inc.', userName: 'bsmith' },
  { ...GOLDEN_SHA256_ROW, userName: 'carol' },
];

export const TARGET_OPTIONS = { realm: 'corp', resolver: 'ldap-main' };
