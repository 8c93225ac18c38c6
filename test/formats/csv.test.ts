import { describe, expect, it } from 'vitest';
import { csvCell, readCsvRecords } from '../../src/formats/csv.js';
import type { CsvReadOptions, CsvRecord } from '../../src/formats/csv.js';
import type { ByteSource, ParseWarning } from '../../src/formats/types.js';
import { chunked, refusal, utf8 } from './helpers.js';

async function records(source: ByteSource, options: CsvReadOptions = {}): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const record of readCsvRecords(source, options)) out.push(record);
  return out;
}

// Every awkward case in one file: BOM, CRLF/LF/CR, quotes, "" escapes, line breaks inside quotes,
// blank lines, multi-byte UTF-8 (split across chunks by the 1- and 7-byte readers).
const TRICKY =
  '\uFEFFserial,model\r\n' +
  '0001,"C202 ""mini"""\r\n' +
  '0002,"two\r\nlines"\n' +
  '\n' +
  '0003,Müller ✓\r' +
  '"0004","a,b"\r\n' +
  '0005,\r\n' +
  ',\n' +
  'last,"quoted at end"';

const TRICKY_RECORDS: CsvRecord[] = [
  { line: 1, cells: ['serial', 'model'] },
  { line: 2, cells: ['0001', 'C202 "mini"'] },
  { line: 3, cells: ['0002', 'two\r\nlines'] },
  { line: 6, cells: ['0003', 'Müller ✓'] },
  { line: 7, cells: ['0004', 'a,b'] },
  { line: 8, cells: ['0005', ''] },
  { line: 9, cells: ['', ''] },
  { line: 10, cells: ['last', 'quoted at end'] },
];

describe('CSV tokenizer', () => {
  it('reads quotes, escapes, line breaks in quotes and every line end, with each record’s start line', async () => {
    expect(await records(chunked(TRICKY))).toEqual(TRICKY_RECORDS);
  });

  it('gives the same records fed 1 byte and 7 bytes at a time', async () => {
    expect(await records(chunked(TRICKY, 1))).toEqual(TRICKY_RECORDS);
    expect(await records(chunked(TRICKY, 7))).toEqual(TRICKY_RECORDS);
  });

  it('takes synchronous iterables too', async () => {
    expect(await records([utf8('a,b\n'), utf8('c,d')])).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['c', 'd'] },
    ]);
  });

  it('passes comment lines through whole when asked, without reading quotes in them', async () => {
    const text = '# version: 2\n# a "quote, never closed\nx,"y"\n #not a comment\n';
    expect(await records(chunked(text, 3), { commentPrefix: '#' })).toEqual([
      { line: 1, cells: ['# version: 2'], comment: true },
      { line: 2, cells: ['# a "quote, never closed'], comment: true },
      { line: 3, cells: ['x', 'y'] },
      { line: 4, cells: [' #not a comment'] },
    ]);
  });

  it('flags text after a closing quote on the record instead of guessing', async () => {
    expect(await records(chunked('"ab"c,d\n'))).toEqual([{ line: 1, cells: ['abc', 'd'], problem: 'cell 1 has text after its closing quote' }]);
  });

  it('keeps a quote inside an unquoted cell as a character', async () => {
    expect(await records(chunked('5" tall,x\n'))).toEqual([{ line: 1, cells: ['5" tall', 'x'] }]);
  });

  it('refuses a quote that is never closed, naming the line it opened on', async () => {
    const error = await refusal(() => records(chunked('a,b\nc,"never\nclosed,\n')));
    expect(error.message).toMatch(/starts on line 2 is never closed/);
    expect(error.where).toEqual({ line: 2 });
  });

  it('refuses a runaway record instead of buffering the rest of the file', async () => {
    const error = await refusal(() => records(chunked(`a,"${'x'.repeat(5000)}`), { maxRecordChars: 1000 }));
    expect(error.message).toMatch(/line 1 is longer than 1000 characters/);
  });

  it('refuses NUL bytes, random binary and UTF-16 as not a text CSV', async () => {
    const withNul = utf8('upn,serial\n\0\0\0');
    expect((await refusal(() => records(chunked(withNul)))).message).toMatch(/not a text CSV file: it contains NUL bytes/);

    const random = new Uint8Array(2000);
    for (let i = 0; i < random.length; i++) random[i] = 0x80 + ((i * 37) % 0x7f); // no NULs, no valid UTF-8
    expect((await refusal(() => records(chunked(random, 13)))).message).toMatch(/not a text CSV file: most of it is not valid UTF-8/);

    const short = new Uint8Array([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0x0a, 0xf0, 0x28, 0x8c, 0xbc]);
    expect((await refusal(() => records(chunked(short, 1)))).message).toMatch(/not a text CSV/);

    const utf16 = new Uint8Array(Buffer.from('\uFEFFupn,serial\n', 'utf16le'));
    expect((await refusal(() => records(chunked(utf16, 1)))).message).toMatch(/UTF-16.*save it as UTF-8/);
  });

  it('reads a stray Latin-1 byte with a warning instead of refusing the file', async () => {
    const warnings: ParseWarning[] = [];
    const bytes = new Uint8Array([...utf8('serial,model\n0001,M'), 0xfc, ...utf8('ller\n')]);
    expect(await records(chunked(bytes), { warnings })).toEqual([
      { line: 1, cells: ['serial', 'model'] },
      { line: 2, cells: ['0001', 'M\uFFFDller'] },
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/1 byte sequence\(s\).*not valid UTF-8/);
  });

  it('an empty source has no records', async () => {
    expect(await records([])).toEqual([]);
    expect(await records(chunked('\r\n\n'))).toEqual([]);
  });

  it('streams 100,000 rows without reading the whole input first', async () => {
    const ROWS = 100_000;
    const rowText = (i: number) => `${String(i).padStart(8, '0')},"model, ${i % 7}",GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\r\n`;
    let bytesPulled = 0;
    let totalBytes = 0;
    for (let i = 0; i < ROWS; i++) totalBytes += utf8(rowText(i)).byteLength;
    async function* source() {
      for (let i = 0; i < ROWS; i += 500) {
        let text = '';
        for (let j = i; j < i + 500; j++) text += rowText(j);
        const bytes = utf8(text);
        bytesPulled += bytes.byteLength;
        yield bytes;
      }
    }
    let count = 0;
    let pulledAtFirst = -1;
    let pulledAtHalf = -1;
    let last: CsvRecord | undefined;
    for await (const record of readCsvRecords(source())) {
      count++;
      if (count === 1) pulledAtFirst = bytesPulled;
      if (count === ROWS / 2) pulledAtHalf = bytesPulled;
      last = record;
    }
    expect(count).toBe(ROWS);
    expect(last).toEqual({ line: ROWS, cells: ['00099999', 'model, 4', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'] });
    // Records come out as the bytes come in: the first after one chunk, the middle one halfway.
    expect(pulledAtFirst).toBeLessThan(64 * 1024);
    expect(pulledAtHalf).toBeLessThan(totalBytes * 0.51);
  });
});

describe('csvCell', () => {
  it('quotes only cells that need it', () => {
    expect(csvCell('plain text')).toBe('plain text');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\r')).toBe('"cr\r"');
    expect(csvCell('')).toBe('');
  });

  it('round-trips through the tokenizer', async () => {
    const cells = ['a,b', 'say "hi"', 'two\r\nlines', '', 'plain'];
    expect(await records(chunked(cells.map(csvCell).join(',')))).toEqual([{ line: 1, cells }]);
  });
});
