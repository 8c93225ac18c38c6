/**
 * Property-based tests of the pure importers: whatever bytes come in (random, random text shaped
 * like the format, or a valid vendor file damaged by bit flips, cuts, inserted or deleted bytes and
 * shuffled lines), an importer either refuses the file with a SeedFileError or returns records that
 * are each well-formed, never crashes, never reports a record it did not hand to onRecord, and never
 * puts secret material in a message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBase32 } from '../../src/core/secretCodec.js';
import { detectFormat, importers } from '../../src/formats/index.js';
import { SeedFileError } from '../../src/formats/types.js';
import type { ParseOptions, ParseResult, SeedFormat, SeedRecord } from '../../src/formats/types.js';
import { applyMutations, chunkSize, mutations } from '../support/mutations.js';
import { SecretWatch } from '../support/secretLeaks.js';
import { ENTRA_HEADER, entraCsv, makeTokens } from '../support/seedFiles.js';
import { chunked, fixture, fixtureText, hex, utf8 } from './helpers.js';
import { FIXTURE_PASSWORD, PSK_128, PSK_192 } from './pskcFixtures.js';

/** Raise for a long bug hunt: PROPERTY_RUNS=5000 npx vitest run test/formats/properties.test.ts */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const RFC_PSK = hex('12345678901234567890123456789012');
const asTotp = (xml: string) => xml.replace(/keyprov:pskc:hotp/g, 'keyprov:pskc:totp');

interface ValidFile {
  name: string;
  format: SeedFormat;
  bytes: Uint8Array;
  options: ParseOptions;
}

const VALID: ValidFile[] = [
  { name: 'Entra CSV from a vendor', format: 'entra-csv', bytes: fixture('entra', 'vendor-azure-mfa.csv'), options: {} },
  { name: 'Entra CSV, 6 tokens', format: 'entra-csv', bytes: utf8(entraCsv(makeTokens(6), { upn: (i) => (i % 2 ? `u${i}@example.com` : '') })), options: {} },
  { name: 'Token2 JSON array', format: 'graph-json', bytes: fixture('graph', 'token2-array.json'), options: {} },
  { name: 'Graph $delta JSON', format: 'graph-json', bytes: fixture('graph', 'delta.json'), options: {} },
  { name: 'OATH CSV v1', format: 'oath-csv', bytes: fixture('oath', 'v1.csv'), options: {} },
  { name: 'OATH CSV v2', format: 'oath-csv', bytes: fixture('oath', 'v2.csv'), options: {} },
  { name: 'PSKC plain', format: 'pskc', bytes: fixture('pskc', 'generated', 'totp-plain.pskcxml'), options: {} },
  { name: 'PSKC AES-128-CBC', format: 'pskc', bytes: fixture('pskc', 'generated', 'totp-aes128-cbc.pskcxml'), options: { psk: PSK_128 } },
  { name: 'PSKC key wrap', format: 'pskc', bytes: fixture('pskc', 'generated', 'totp-kw-aes192.pskcxml'), options: { psk: PSK_192 } },
  { name: 'PSKC PBKDF2', format: 'pskc', bytes: fixture('pskc', 'generated', 'totp-pbkdf2.pskcxml'), options: { password: FIXTURE_PASSWORD } },
  { name: 'python-pskc PBKDF2, PRF as element text', format: 'pskc', bytes: fixture('pskc', 'python-pskc', 'pbkdf2-sha256.pskcxml'), options: { password: 'correct horse battery staple' } },
  { name: 'Entra CSV without a upn column', format: 'entra-csv', bytes: fixture('entra', 'vendor-no-upn.csv'), options: {} },
  { name: 'RFC 6030 figure 6 as TOTP', format: 'pskc', bytes: utf8(asTotp(fixtureText('pskc', 'rfc6030', 'figure6.pskcxml'))), options: { psk: RFC_PSK } },
  { name: 'RFC 6030 figure 7 as TOTP', format: 'pskc', bytes: utf8(asTotp(fixtureText('pskc', 'rfc6030', 'figure7.pskcxml'))), options: { password: 'qwerty' } },
];

/** Every secret the valid files hold, and the keys that open them: none may reach a message. */
async function watchFor(files: ValidFile[]): Promise<SecretWatch> {
  const secrets: Uint8Array[] = [utf8('12345678901234567890')];
  for (const file of files) {
    const result = await importers[file.format].parse(chunked(file.bytes), file.options);
    expect(result.records.length, file.name).toBeGreaterThan(0);
    secrets.push(...result.records.map((record) => record.secret));
  }
  const words = ['qwerty', 'correct horse battery staple', FIXTURE_PASSWORD, Buffer.from(PSK_128).toString('hex'), Buffer.from(PSK_192).toString('hex'), Buffer.from(RFC_PSK).toString('hex')];
  return new SecretWatch(secrets, words);
}

function expectWellFormed(record: SeedRecord): void {
  expect(typeof record.serial).toBe('string');
  expect(record.serial.length).toBeGreaterThan(0);
  expect(record.serial).toBe(record.serial.trim());
  expect(record.secret).toBeInstanceOf(Uint8Array);
  // RFC 4226's 128 bits up to 64 bytes (no test here allows short seeds).
  expect(record.secret.byteLength).toBeGreaterThanOrEqual(16);
  expect(record.secret.byteLength).toBeLessThanOrEqual(64);
  // Nothing that reaches a CSV export may start a spreadsheet formula.
  for (const field of [record.serial, record.manufacturer, record.model, record.upn ?? '']) expect(field).not.toMatch(/^[=+\-@\t\r]/);
  expect([6, 8]).toContain(record.digits);
  expect(Number.isInteger(record.period) && record.period > 0).toBe(true);
  expect(['SHA1', 'SHA256', 'SHA512']).toContain(record.algorithm);
  expect(typeof record.manufacturer).toBe('string');
  expect(typeof record.model).toBe('string');
  if (record.driftSteps !== undefined) expect(Number.isSafeInteger(record.driftSteps)).toBe(true);
  expect(record.where.line !== undefined || record.where.keyId !== undefined).toBe(true);
}

/** Parse; a SeedFileError is a fine answer, anything else thrown fails the property. */
async function parseChecked(format: SeedFormat, bytes: Uint8Array, options: ParseOptions, size: number, watch: SecretWatch): Promise<ParseResult | null> {
  const handedOver: SeedRecord[] = [];
  let result: ParseResult;
  try {
    result = await importers[format].parse(chunked(bytes, size), { ...options, onRecord: (record) => handedOver.push(record) });
  } catch (error) {
    if (!(error instanceof SeedFileError)) throw error;
    expect(watch.leakIn(error.message), error.message).toBeNull();
    return null;
  }
  expect(result.format).toBe(format);
  for (const record of result.records) expectWellFormed(record);
  // The import seals what onRecord hands over: it must be exactly the records, same objects, in order.
  expect(handedOver).toEqual(result.records);
  handedOver.forEach((record, i) => expect(record).toBe(result.records[i]));
  const serials = result.records.map((record) => record.serial);
  expect(new Set(serials).size).toBe(serials.length);
  for (const entry of [...result.rejects, ...result.skipped]) {
    expect(entry.reason.length).toBeGreaterThan(0);
    expect(entry.where.line !== undefined || entry.where.keyId !== undefined).toBe(true);
  }
  const reported = JSON.stringify({ rejects: result.rejects, skipped: result.skipped, warnings: result.warnings });
  expect(watch.leakIn(reported), reported).toBeNull();
  return result;
}

/* ---------------------------------------------------------------- random text shaped like each format */

const hexSeed = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Buffer.from(b).toString('hex'));
const base32Seed = fc.uint8Array({ minLength: 1, maxLength: 40 }).map(encodeBase32);
const cellText = fc.oneof(
  fc.constantFrom('', ' ', 'totp', 'TOTP', 'hotp', 'ocra', '6', '8', '7', '30', '60', '45', 'sha1', 'sha256', 'sha512', 'md5', '"', '""', 'a@b.c', '0001234567', '#'),
  hexSeed,
  base32Seed,
  fc.string({ maxLength: 12 }),
);
const csvBody = fc
  .array(fc.array(cellText, { minLength: 1, maxLength: 9 }), { maxLength: 12 })
  .chain((rows) => fc.constantFrom('\n', '\r\n', '\r').map((eol) => rows.map((cells) => cells.join(',')).join(eol)));

const jsonToken = fc.record(
  {
    serialNumber: fc.oneof(fc.string({ maxLength: 16 }), fc.nat(), fc.constant('0001234567'), fc.jsonValue({ maxDepth: 1 })),
    secretKey: fc.oneof(base32Seed, hexSeed, fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })),
    manufacturer: fc.oneof(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })),
    model: fc.string({ maxLength: 8 }),
    timeIntervalInSeconds: fc.oneof(fc.constantFrom(30, 60, '30', '60', 45, 0, -30, 30.5, null), fc.jsonValue({ maxDepth: 1 })),
    hashFunction: fc.oneof(fc.constantFrom('hmacsha1', 'HMACSHA256', 'hmacsha512', '', null), fc.jsonValue({ maxDepth: 1 })),
  },
  { requiredKeys: [] },
);
const jsonBody = fc.oneof(
  fc.array(fc.oneof(jsonToken, fc.jsonValue({ maxDepth: 2 })), { maxLength: 8 }).map((items) => JSON.stringify(items)),
  fc.array(jsonToken, { maxLength: 8 }).map((items) => JSON.stringify({ '@context': '#$delta', value: items })),
  fc.jsonValue().map((value) => JSON.stringify(value)),
);

const pskcElement = fc.oneof(
  fc.constantFrom(
    '<KeyPackage/>',
    '<KeyPackage><Key Id="1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp"/></KeyPackage>',
    '<KeyPackage><DeviceInfo><SerialNo>0001</SerialNo></DeviceInfo><Key Id="1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp"><Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret></Data></Key></KeyPackage>',
    '<EncryptionKey><ds:KeyName xmlns:ds="http://www.w3.org/2000/09/xmldsig#">k</ds:KeyName></EncryptionKey>',
    '<MACMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"/>',
    '<Signature/>',
    '&amp;',
    '&lt;',
    '<![CDATA[<x>]]>',
    '<!-- c -->',
  ),
  fc.string({ maxLength: 20 }),
  fc.tuple(fc.constantFrom('Secret', 'TimeInterval', 'TimeDrift', 'Time', 'SerialNo'), fc.string({ maxLength: 12 })).map(
    ([name, value]) => `<KeyPackage><Key Id="x" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp"><Data><${name}><PlainValue>${value}</PlainValue></${name}></Data></Key></KeyPackage>`,
  ),
);
const pskcBody = fc
  .array(pskcElement, { maxLength: 6 })
  .map((parts) => `<?xml version="1.0"?>\n<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">${parts.join('\n')}</KeyContainer>`);

const SHAPED: Record<SeedFormat, fc.Arbitrary<string>> = {
  'entra-csv': csvBody.map((body) => `${ENTRA_HEADER}\n${body}`),
  'graph-json': jsonBody,
  'oath-csv': fc.tuple(fc.constantFrom('', '# version: 2\n', '# version: 1\n', '# version: 3\n'), csvBody).map(([head, body]) => head + body),
  pskc: pskcBody,
};

/* ---------------------------------------------------------------- the properties */

const FORMATS = ['entra-csv', 'graph-json', 'oath-csv', 'pskc'] as const;

describe('importers under random and damaged input', () => {
  for (const format of FORMATS) {
    describe(format, () => {
      const valid = VALID.filter((file) => file.format === format);
      const options = fc.constantFrom<ParseOptions>({}, ...valid.map((file) => file.options));

      it('random bytes: refused or read, never a crash', async () => {
        const watch = await watchFor(valid);
        await fc.assert(
          fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), options, chunkSize, async (bytes, parseOptions, size) => {
            await parseChecked(format, bytes, parseOptions, size, watch);
          }),
          { numRuns: RUNS },
        );
      });

      it('random text shaped like the format: every record is well-formed', async () => {
        const watch = await watchFor(valid);
        await fc.assert(
          fc.asyncProperty(SHAPED[format], options, chunkSize, async (text, parseOptions, size) => {
            await parseChecked(format, utf8(text), parseOptions, size, watch);
          }),
          { numRuns: RUNS },
        );
      });

      it('valid vendor files, damaged: refused or read, every record well-formed, no secret in a message', async () => {
        const watch = await watchFor(valid);
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...valid), mutations, chunkSize, async (file, damage, size) => {
            await parseChecked(format, applyMutations(file.bytes, damage), file.options, size, watch);
          }),
          { numRuns: RUNS },
        );
      });
    });
  }

  it('format detection never throws, and what it names is a format that then refuses or reads the file', async () => {
    const watch = await watchFor(VALID);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...VALID), mutations, async (file, damage) => {
        const bytes = applyMutations(file.bytes, damage);
        const detected = detectFormat(bytes);
        if (detected.format === null) {
          expect(detected.tried.length).toBe(4);
          return;
        }
        await parseChecked(detected.format, bytes, file.options, 65536, watch);
      }),
      { numRuns: RUNS },
    );
  });
});
