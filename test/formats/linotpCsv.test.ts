import { describe, expect, it } from 'vitest';
import { renderAssignmentList } from '../../src/formats/assignmentList.js';
import { linotpCsvExporter, linotpCsvPieces } from '../../src/formats/linotpCsv.js';
import { GOLDEN_ROWS, TARGET_OPTIONS, TARGET_ROWS, fixture } from './helpers.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('LinOTP CSV export', () => {
  it('matches the golden file byte for byte: version 1 rows, no header, no comment, no final newline', () => {
    const bytes = linotpCsvExporter.render(TARGET_ROWS, TARGET_OPTIONS);
    expect(text(bytes)).toBe(text(fixture('export', 'batch.linotp.csv')));
    expect(Buffer.from(bytes).equals(Buffer.from(fixture('export', 'batch.linotp.csv')))).toBe(true);
    expect(text(bytes)).not.toMatch(/^#/m);
  });

  it('every line has an integer in columns 4 and 5, so LinOTP’s int() never meets a header word', () => {
    for (const line of text(linotpCsvExporter.render(TARGET_ROWS, TARGET_OPTIONS)).split('\n')) {
      const cells = line.split(',');
      expect(cells).toHaveLength(6);
      expect(cells[3]).toMatch(/^\d+$/);
      expect(cells[4]).toMatch(/^\d+$/);
    }
  });

  it('is three pieces a streaming writer can call', () => {
    const joined = linotpCsvPieces.header({}) + TARGET_ROWS.map((row, i) => linotpCsvPieces.row(row, i, {})).join('') + linotpCsvPieces.footer({});
    expect(joined).toBe(text(linotpCsvExporter.render(TARGET_ROWS, TARGET_OPTIONS)));
  });

  it('its assignment list matches the golden file and says what it is for', () => {
    const bytes = renderAssignmentList('linotp', TARGET_ROWS, TARGET_OPTIONS);
    expect(Buffer.from(bytes).equals(Buffer.from(fixture('export', 'batch.linotp.assign.csv')))).toBe(true);
    expect(text(bytes)).toMatch(/^# tokendesk assignment list for LinOTP/);
    expect(text(bytes)).toContain('POST /admin/assign');
    // LinOTP's default realm when none is given: the column stays, empty.
    expect(text(renderAssignmentList('linotp', TARGET_ROWS.slice(0, 1))).split('\n').at(-2)).toBe('0001234567,alice@example.com,');
  });

  it('refuses rows it cannot carry, naming each', () => {
    const refused = linotpCsvExporter.unsupported([
      GOLDEN_ROWS[0]!,
      { ...GOLDEN_ROWS[0]!, serial: 'NOUSER', userName: '' },
      { ...GOLDEN_ROWS[0]!, serial: 'FORMULA', userName: '+cmd' },
      { ...GOLDEN_ROWS[0]!, serial: 'A;B' },
      { ...GOLDEN_ROWS[0]!, serial: 'D7', digits: 7 },
    ]);
    expect(refused.map((r) => r.serial)).toEqual(['NOUSER', 'FORMULA', 'A;B', 'D7']);
    expect(refused[0]!.reason).toMatch(/no LinOTP user name/);
    expect(refused[1]!.reason).toMatch(/formula/);
    expect(() => renderAssignmentList('linotp', [{ ...GOLDEN_ROWS[0]!, userName: '' }])).toThrow(/assignment list cannot carry serial 0001234567/);
  });
});
