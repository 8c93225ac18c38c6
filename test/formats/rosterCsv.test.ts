/**
 * The roster CSV reader on its own: bytes in, people and per-line rejects out, no database.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { parseRosterCsv } from '../../src/formats/rosterCsv.js';

const bytes = (text: string) => [Buffer.from(text, 'utf8')];
const fixture = (name: string) => [readFileSync(fileURLToPath(new URL(`../fixtures/roster/${name}`, import.meta.url)))];

async function refusalOf(fn: () => Promise<unknown>): Promise<Refusal> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseRosterCsv', () => {
  it('reads an Excel-saved HR export: BOM, CRLF, loose header names, extra columns, quoted cells', async () => {
    const file = await parseRosterCsv(fixture('people.csv'), { fileName: 'people.csv' });
    expect(file.rejects).toEqual([]);
    expect(file.people).toHaveLength(5);
    expect(file.people.find((p) => p.upn === 'john.smith@example.com')).toEqual({
      line: expect.any(Number),
      upn: 'john.smith@example.com',
      displayName: 'Smith, John',
      employeeId: 'E1002',
      badge: '04A7C3',
      login: null,
    });
  });

  it('names every bad line and why, keeping the good ones', async () => {
    const file = await parseRosterCsv(fixture('people-bad.csv'), { fileName: 'people-bad.csv' });
    expect(file.people.map((p) => [p.line, p.upn])).toEqual([
      [2, 'ok.person@example.com'],
      [9, 'fine@example.com'],
    ]);
    expect(file.rejects).toEqual([
      { line: 3, reason: 'UPN: a UPN looks like name@example.com' },
      { line: 4, reason: 'the display name is empty' },
      { line: 5, reason: 'UPN ok.person@example.com is also on line 2' },
      { line: 6, reason: 'badge B1 is also on line 2' },
      { line: 7, reason: 'it has 3 cells, the header has 4' },
      { line: 8, reason: 'the employee id has spaces, control or non-ASCII characters' },
    ]);
  });

  it('folds spaces in names, lower-cases UPNs, reads an empty id as none, skips blank lines', async () => {
    const file = await parseRosterCsv(bytes('Badge Code,UPN,Full Name\n\n,Jane.Doe@Example.com,"  Jane   Doe "\nB2,x@example.com,X\n'), { fileName: 'r.csv' });
    expect(file.people).toEqual([
      { line: 3, upn: 'jane.doe@example.com', displayName: 'Jane Doe', employeeId: null, badge: null, login: null },
      { line: 4, upn: 'x@example.com', displayName: 'X', employeeId: null, badge: 'B2', login: null },
    ]);
  });

  it('refuses a file without a usable header, without echoing what it holds', async () => {
    const noHeader = await refusalOf(() => parseRosterCsv(fixture('no-header.csv'), { fileName: 'no-header.csv' }));
    expect(noHeader).toMatchObject({ code: 'bad-roster-file', message: expect.stringMatching(/^no-header\.csv: line 1 is not a roster header/) });
    expect(noHeader.message).not.toContain('j.doe');
    expect((await refusalOf(() => parseRosterCsv(bytes(''), { fileName: 'e.csv' }))).message).toMatch(/e\.csv is empty/);
    expect((await refusalOf(() => parseRosterCsv(bytes('upn,UPN,name,badge\n'), { fileName: 't.csv' }))).message).toMatch(/names the upn column twice/);
  });
});
