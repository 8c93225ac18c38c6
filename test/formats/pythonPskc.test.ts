/**
 * Issue 15 item 6: PSKC files as python-pskc writes them (test/fixtures/formats/pskc/python-pskc),
 * each imported and checked against a code from Debian's oathtool, an independent TOTP, where it
 * is installed. The PBKDF2 file with the PRF as element text was read as SHA-1 and refused as
 * "the password is wrong" before.
 */
import { describe, expect, it } from 'vitest';
import { verifyTotp } from '../../src/core/totp.js';
import { parsePskc } from '../../src/formats/pskc.js';
import type { ParseOptions } from '../../src/formats/types.js';
import { oathtoolAvailable, oathtoolTotp } from '../support/oathtool.js';
import { chunked, fixtureText, hex, refusal, toHex } from './helpers.js';

const PASSWORD = 'correct horse battery staple';
const SEEDS = [
  { serial: 'PY-0001', secretHex: '3132333435363738393031323334353637383930', algorithm: 'SHA1', digits: 6, period: 30, model: 'C202' },
  { serial: 'PY-0002', secretHex: Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('hex'), algorithm: 'SHA256', digits: 8, period: 60, model: 'C302-SHA256' },
] as const;

const FILES: Array<[string, ParseOptions]> = [
  ['plain', {}],
  ['psk-aes128-cbc', { psk: hex('000102030405060708090a0b0c0d0e0f') }],
  ['psk-aes256-cbc', { psk: hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f') }],
  ['pbkdf2-sha1', { password: PASSWORD }],
  ['pbkdf2-sha256', { password: PASSWORD }],
];

const read = (name: string, options: ParseOptions) => parsePskc(chunked(fixtureText('pskc', 'python-pskc', `${name}.pskcxml`), 333), options);

describe('PSKC written by python-pskc', () => {
  for (const [name, options] of FILES) {
    it(`${name}: both tokens, with serial, seed, hash, digits, period, manufacturer and model`, async () => {
      const result = await read(name, options);
      expect(result.rejects).toEqual([]);
      expect(result.skipped).toEqual([]);
      expect(result.records.map((r) => [r.serial, toHex(r.secret), r.algorithm, r.digits, r.period, r.manufacturer, r.model])).toEqual(
        SEEDS.map((s) => [s.serial, s.secretHex, s.algorithm, s.digits, s.period, 'Token2', s.model]),
      );
    });

    it.skipIf(!oathtoolAvailable)(`${name}: a code from oathtool verifies against the imported seed`, async () => {
      const result = await read(name, options);
      const unixSeconds = 1_760_000_000;
      for (const [i, seed] of SEEDS.entries()) {
        const [code] = oathtoolTotp({ secretHex: seed.secretHex, algorithm: seed.algorithm, digits: seed.digits, period: seed.period, unixSeconds });
        const outcome = verifyTotp({ token: result.records[i]!, code: code!, now: unixSeconds * 1000, window: 0 });
        expect(outcome, `${name} ${seed.serial}`).toMatchObject({ kind: 'accepted', offsetSteps: 0 });
      }
    });
  }

  it('a wrong password on the SHA-256 PRF file names the derivation used, never the key', async () => {
    const error = await refusal(() => read('pbkdf2-sha256', { password: 'Tr0ub4dor&3' }));
    expect(error.message).toMatch(/password is wrong/);
    expect(error.message).toMatch(/PBKDF2 with HMAC-SHA-256, 12000 iterations, a 32-byte key/);
    expect(error.message).not.toContain('Tr0ub4dor');
  });

  it('the PRF given as an Algorithm attribute reads the same as the element text', async () => {
    const text = fixtureText('pskc', 'python-pskc', 'pbkdf2-sha256.pskcxml').replace(
      /<PRF>([^<]+)<\/PRF>/,
      '<PRF Algorithm="$1"/>',
    );
    expect(text).toContain('<PRF Algorithm="http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"/>');
    const result = await parsePskc(chunked(text), { password: PASSWORD });
    expect(result.records.map((r) => r.serial)).toEqual(['PY-0001', 'PY-0002']);
  });
});
