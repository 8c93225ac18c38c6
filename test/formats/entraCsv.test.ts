import { describe, expect, it } from 'vitest';
import { ENTRA_CSV_HEADER, entraCsvExporter, parseEntraCsv } from '../../src/formats/entraCsv.js';
import type { BatchRow } from '../../src/formats/types.js';
import {
  GOLDEN_ROWS,
  GOLDEN_SHA256_ROW,
  SEED_OTHER,
  SEED_SHA1,
  SEED_SHA256,
  allText,
  chunked,
  fixture,
  hex,
  refusal,
  toHex,
  utf8,
} from './helpers.js';

const G = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // Base32 of "12345678901234567890"
const parseText = (text: string, options = {}) => parseEntraCsv(chunked(text), options);

describe('Entra CSV import: a vendor file', () => {
  it('reads BOM, CRLF, odd header spelling, quoted cells, spaced and lower-case Base32', async () => {
    const result = await parseEntraCsv(chunked(fixture('entra', 'vendor-azure-mfa.csv')));
    expect(result.rejects).toEqual([]);
    expect(result.records.map((r) => ({ ...r, secret: toHex(r.secret) }))).toEqual([
      { serial: '0001234567', secret: toHex(SEED_SHA1), algorithm: 'SHA1', digits: 6, period: 30, manufacturer: 'Token2', model: 'C202', where: { line: 2 } },
      { serial: '0001234568', secret: toHex(SEED_OTHER), algorithm: 'SHA1', digits: 6, period: 60, manufacturer: 'Token2, Inc.', model: 'C302 "mini"', where: { line: 3 } },
      { serial: '0001234569', secret: toHex(SEED_SHA256), algorithm: 'SHA1', digits: 6, period: 30, manufacturer: 'Token2', model: 'C302', upn: 'alice@example.com', where: { line: 4 } },
      { serial: '0001234570', secret: toHex(SEED_SHA1), algorithm: 'SHA1', digits: 6, period: 30, manufacturer: 'Token2', model: 'C202', where: { line: 5 } },
      { serial: '0001234571', secret: toHex(SEED_SHA256) + toHex(SEED_SHA256), algorithm: 'SHA1', digits: 6, period: 30, manufacturer: 'Token2', model: 'C302', where: { line: 6 } },
    ]);
  });

  it('warns once each about hex secrets and SHA-256/SHA-512-sized secrets, naming the first line', async () => {
    const { warnings } = await parseEntraCsv(chunked(fixture('entra', 'vendor-azure-mfa.csv')));
    expect(warnings).toHaveLength(3);
    expect(warnings.find((w) => /hex/.test(w.message))).toMatchObject({ where: { line: 5 } });
    expect(warnings.find((w) => /SHA-256/.test(w.message))?.message).toMatch(/1 secret\(s\) are 32 bytes.*line 4.*--hash SHA256/);
    expect(warnings.find((w) => /SHA-512/.test(w.message))?.message).toMatch(/64 bytes.*line 6/);
  });

  it('reads the same in 1-byte and 7-byte chunks as in one piece', async () => {
    const bytes = fixture('entra', 'vendor-azure-mfa.csv');
    const whole = await parseEntraCsv([bytes]);
    expect(await parseEntraCsv(chunked(bytes, 1))).toEqual(whole);
    expect(await parseEntraCsv(chunked(bytes, 7))).toEqual(whole);
  });

  it('takes = padding and the --hash option', async () => {
    const result = await parseText(`${ENTRA_CSV_HEADER}\n,42,MZXW6YTBOI======,60,V,M\n`, { hash: 'SHA256', allowShortSeeds: true });
    expect(result.records[0]).toMatchObject({ serial: '42', algorithm: 'SHA256', period: 60 });
    expect(toHex(result.records[0]!.secret)).toBe(toHex(utf8('foobar')));
  });

  it('does not warn about a 32-byte secret when told it is SHA-256', async () => {
    const result = await parseText(`${ENTRA_CSV_HEADER}\n,1,${'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA'},30,V,M\n`, { hash: 'SHA256' });
    expect(result.warnings).toEqual([]);
  });

  it('--secret-encoding forces one reading', async () => {
    const hexSecret = '3132333435363738393031323334353637383930';
    const asHex = await parseText(`${ENTRA_CSV_HEADER}\n,1,${hexSecret},30,V,M\n`, { secretEncoding: 'hex' });
    expect(toHex(asHex.records[0]!.secret)).toBe(hexSecret);
    expect(asHex.warnings).toEqual([]);
    const asBase32 = await parseText(`${ENTRA_CSV_HEADER}\n,1,${hexSecret},30,V,M\n`, { secretEncoding: 'base32' });
    expect(asBase32.records).toEqual([]);
    expect(asBase32.rejects[0]?.reason).toMatch(/not valid Base32/);
    // "ABCDEF23" is both: Base32 unless told otherwise.
    const both = await parseText(`${ENTRA_CSV_HEADER}\n,1,ABCDEF23ABCDEF23,30,V,M\n,2,ABCDEF23ABCDEF23,30,V,M\n`, { allowShortSeeds: true });
    expect(both.records[0]!.secret).toHaveLength(10);
    const forcedHex = await parseText(`${ENTRA_CSV_HEADER}\n,1,ABCDEF23ABCDEF23,30,V,M\n`, { secretEncoding: 'hex', allowShortSeeds: true });
    expect(toHex(forcedHex.records[0]!.secret)).toBe('abcdef23abcdef23');
  });
});

describe('Entra CSV import: rejected rows', () => {
  it('rejects each bad row with its line and reason, and keeps the good ones', async () => {
    const result = await parseEntraCsv(chunked(fixture('entra', 'rejects.csv')));
    expect(result.records.map((r) => [r.serial, r.where.line])).toEqual([
      ['1003', 5],
      ['1009', 13],
      ['1010', 15],
    ]);
    expect(toHex(result.records[1]!.secret)).toBe(toHex(SEED_SHA1)); // a line break inside a quoted secret is whitespace
    const byLine = Object.fromEntries(result.rejects.map((r) => [r.where.line, r]));
    expect(byLine[2]?.reason).toBe('the serial number is missing');
    expect(byLine[3]).toMatchObject({ serial: '1001', reason: 'the secret key is neither valid Base32 nor hex' });
    expect(byLine[4]).toMatchObject({ serial: '1002', reason: 'the time interval is 45 seconds; Entra takes 30 or 60' });
    expect(byLine[6]).toMatchObject({ serial: '1003', reason: 'serial 1003 already appears on line 5' });
    expect(byLine[7]?.reason).toMatch(/has 5 cells; the header has 6/);
    expect(byLine[8]?.reason).toMatch(/characters other than letters, digits and "-"/);
    expect(byLine[9]?.reason).toMatch(/longer than 64/);
    expect(byLine[10]).toMatchObject({ serial: '1006', reason: expect.stringMatching(/^UPN: /) });
    expect(byLine[11]).toMatchObject({ serial: '1007', reason: 'the secret key is missing' });
    expect(byLine[12]).toMatchObject({ serial: '1008', reason: 'the time interval is missing' });
    expect(Object.keys(byLine).map(Number)).toEqual([2, 3, 4, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('never echoes a secret in a reject or warning', async () => {
    const result = await parseEntraCsv(chunked(fixture('entra', 'rejects.csv')));
    expect(allText(result)).not.toMatch(/NOT-BASE32|GEZDGNBV/);
  });

  it('rejects text after a closing quote rather than guessing', async () => {
    const result = await parseText(`${ENTRA_CSV_HEADER}\n,"12"3,${G},30,V,M\n`);
    expect(result.rejects).toEqual([{ where: { line: 2 }, reason: 'cell 2 has text after its closing quote' }]);
  });

  it('rejects an interval that is not a number without echoing the cell', async () => {
    const result = await parseText(`${ENTRA_CSV_HEADER}\n,1,${G},${G},V,M\n`);
    expect(result.rejects[0]?.reason).toBe('the time interval is not a number of seconds; Entra takes 30 or 60');
  });
});

describe('Entra CSV import: files refused as a whole', () => {
  it('refuses an empty file, saying what was expected', async () => {
    const error = await refusal(() => parseText(''));
    expect(error.message).toContain(ENTRA_CSV_HEADER);
    expect(error.message).toMatch(/empty/);
  });

  it('refuses a wrong header, naming the missing columns and the expected header', async () => {
    const error = await refusal(() => parseText('upn,serial,secret,interval,manufacturer,model\n'));
    expect(error.message).toMatch(/missing: serial number, secret key, time interval/);
    expect(error.message).toContain(ENTRA_CSV_HEADER);
    expect(error.where).toEqual({ line: 1 });
  });

  it('refuses a file without a header and does not echo its first row', async () => {
    const error = await refusal(() => parseText(`,0001,${G},30,Token2,C202\n`));
    expect(error.message).not.toContain(G);
    expect(error.message).toContain(ENTRA_CSV_HEADER);
  });

  it('refuses binary garbage as not a text CSV', async () => {
    const garbage = new Uint8Array(4096);
    let x = 12345;
    for (let i = 0; i < garbage.length; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      garbage[i] = x >>> 16;
    }
    const error = await refusal(() => parseEntraCsv(chunked(garbage, 100)));
    expect(error.message).toMatch(/not a text Entra CSV file/);
  });

  it('a header-only file is read as zero tokens', async () => {
    const result = await parseText(`${ENTRA_CSV_HEADER}\r\n`);
    expect(result).toEqual({ format: 'entra-csv', records: [], rejects: [], skipped: [], warnings: [] });
  });

  it('reports progress in bytes', async () => {
    const seen: number[] = [];
    const text = `${ENTRA_CSV_HEADER}\n,1,${G},30,V,M\n`;
    await parseEntraCsv(chunked(text, 10), { onProgress: (bytes) => seen.push(bytes) });
    expect(seen.at(-1)).toBe(utf8(text).byteLength);
    expect(seen.length).toBeGreaterThan(3);
  });
});

describe('Entra CSV import: 100,000 rows', () => {
  it('streams a generated 100k-row file', async () => {
    async function* generated() {
      yield utf8(`${ENTRA_CSV_HEADER}\r\n`);
      for (let block = 0; block < 100; block++) {
        let text = '';
        for (let i = 0; i < 1000; i++) text += `,${String(block * 1000 + i).padStart(10, '0')},${G},30,Token2,C202\r\n`;
        yield utf8(text);
      }
    }
    const result = await parseEntraCsv(generated());
    expect(result.records).toHaveLength(100_000);
    expect(result.rejects).toEqual([]);
    expect(result.records.at(-1)).toMatchObject({ serial: '0000099999', where: { line: 100_001 } });
  });
});

describe('Entra CSV export', () => {
  it('matches the golden file byte for byte', () => {
    const bytes = entraCsvExporter.render(GOLDEN_ROWS);
    expect(Buffer.from(bytes).equals(Buffer.from(fixture('export', 'batch.entra.csv')))).toBe(true);
  });

  it('starts with exactly the header, no BOM, LF line ends, upper-case unpadded Base32', () => {
    const text = new TextDecoder().decode(entraCsvExporter.render(GOLDEN_ROWS));
    expect(text.startsWith(`${ENTRA_CSV_HEADER}\n`)).toBe(true);
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
    expect(text).not.toContain('\r');
    expect(text.endsWith('\n')).toBe(true);
    expect(text).toContain(`,${G},30,`);
    expect(text).not.toContain('=');
  });

  it('is deterministic and keeps the row order', () => {
    const reversed = [...GOLDEN_ROWS].reverse();
    expect(entraCsvExporter.render(GOLDEN_ROWS)).toEqual(entraCsvExporter.render(GOLDEN_ROWS));
    const lines = new TextDecoder().decode(entraCsvExporter.render(reversed)).split('\n');
    expect(lines[1]).toMatch(/^bob@/);
  });

  it('names rows Entra cannot take and points to graph-json', () => {
    const rows: BatchRow[] = [
      GOLDEN_ROWS[0]!,
      GOLDEN_SHA256_ROW,
      { ...GOLDEN_SHA256_ROW, serial: 'S512', algorithm: 'SHA512' },
      { ...GOLDEN_ROWS[0]!, serial: 'EIGHT', digits: 8 },
      { ...GOLDEN_ROWS[0]!, serial: 'P45', period: 45 },
      { ...GOLDEN_ROWS[0]!, serial: 'NOUPN', upn: '' },
      { ...GOLDEN_ROWS[0]!, serial: 'LONG', secret: new Uint8Array(81) },
    ];
    const refused = entraCsvExporter.unsupported(rows);
    expect(refused.map((r) => r.serial)).toEqual(['T2-000099', 'S512', 'EIGHT', 'P45', 'NOUPN', 'LONG']);
    expect(refused[0]!.reason).toMatch(/SHA-256; Entra CSV takes SHA-1 only \(graph-json takes SHA-256\)/);
    expect(refused[1]!.reason).toMatch(/SHA-512.*no Entra upload can carry it/);
    expect(refused[2]!.reason).toMatch(/8-digit.*6-digit tokens only, in CSV and in graph-json alike/);
    expect(refused[3]!.reason).toMatch(/45 s.*in CSV and in graph-json alike/);
    expect(refused[4]!.reason).toMatch(/UPN/);
    expect(refused[5]!.reason).toMatch(/128 Base32/);
    expect(() => entraCsvExporter.render(rows)).toThrow(/cannot carry 6/);
  });

  it('imports back to the same seeds', async () => {
    const result = await parseEntraCsv([entraCsvExporter.render(GOLDEN_ROWS)]);
    expect(result.records.map((r) => [r.upn, r.serial, toHex(r.secret), r.period, r.manufacturer, r.model])).toEqual(
      GOLDEN_ROWS.map((r) => [r.upn, r.serial, toHex(r.secret), r.period, r.manufacturer, r.model]),
    );
    expect(hex(toHex(result.records[1]!.secret))).toEqual(SEED_OTHER);
  });
});

describe('Entra CSV import: vendor files without the upn column (Deepnet and others)', () => {
  it('reads "serial number,secret key,time interval,manufacturer,model", and --model fills the empty cell', async () => {
    const result = await parseEntraCsv(chunked(fixture('entra', 'vendor-no-upn.csv')), { model: 'SafeID' });
    expect(result.rejects).toEqual([]);
    expect(result.records.map((r) => [r.serial, toHex(r.secret), r.period, r.manufacturer, r.model, r.upn])).toEqual([
      ['60000001', toHex(SEED_SHA1), 30, 'Deepnet', 'SafeID/Classic', undefined],
      ['60000002', toHex(SEED_OTHER), 60, 'Deepnet', 'SafeID', undefined],
    ]);
  });

  it('still refuses a header missing a required column, or a row with the wrong number of cells', async () => {
    const error = await refusal(() => parseText('serial number,secret key,time interval,model\n'));
    expect(error.message).toMatch(/missing: manufacturer/);
    const result = await parseText(`serial number,secret key,time interval,manufacturer,model\n1,${G},30,V,M,extra\n`);
    expect(result.rejects[0]?.reason).toMatch(/has 6 cells; the header has 5/);
  });
});
