import { describe, expect, it } from 'vitest';
import { renderAssignmentList } from '../../src/formats/assignmentList.js';
import { multiotpCsvExporter, multiotpCsvPieces } from '../../src/formats/multiotpCsv.js';
import { GOLDEN_ROWS, TARGET_OPTIONS, TARGET_ROWS, fixture } from './helpers.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const SHA1_ROWS = TARGET_ROWS.filter((row) => row.algorithm === 'SHA1');

describe('multiOTP CSV export', () => {
  it('matches the golden file byte for byte: serial;manufacturer;TOTP;hex seed;digits;interval, no header', () => {
    const bytes = multiotpCsvExporter.render(SHA1_ROWS, TARGET_OPTIONS);
    expect(Buffer.from(bytes).equals(Buffer.from(fixture('export', 'batch.multiotp.csv')))).toBe(true);
  });

  it('is three pieces a streaming writer can call', () => {
    const joined = multiotpCsvPieces.header({}) + SHA1_ROWS.map((row, i) => multiotpCsvPieces.row(row, i, {})).join('') + multiotpCsvPieces.footer({});
    expect(joined).toBe(text(multiotpCsvExporter.render(SHA1_ROWS)));
  });

  it('its assignment list matches the golden file and says what it is for', () => {
    const bytes = renderAssignmentList('multiotp', SHA1_ROWS, TARGET_OPTIONS);
    expect(Buffer.from(bytes).equals(Buffer.from(fixture('export', 'batch.multiotp.assign.csv')))).toBe(true);
    expect(text(bytes)).toContain('multiotp -assign-token USER SERIAL');
  });

  it('refuses what multiOTP’s CSV cannot carry: SHA-256, a separator in the manufacturer, a second token for one user', () => {
    const refused = multiotpCsvExporter.unsupported([
      GOLDEN_ROWS[0]!,
      TARGET_ROWS[2]!,
      GOLDEN_ROWS[1]!, // manufacturer "Token2, Inc."
      { ...GOLDEN_ROWS[0]!, serial: 'SECOND' }, // Alice again
      { ...GOLDEN_ROWS[0]!, serial: '0001234567'.toUpperCase(), upn: 'dora@example.com' },
      { ...GOLDEN_ROWS[0]!, serial: 'ab-1', upn: 'eve@example.com' },
      { ...GOLDEN_ROWS[0]!, serial: 'AB-1', upn: 'fay@example.com' },
      { ...GOLDEN_ROWS[0]!, serial: 'FORMULA', upn: 'gus@example.com', manufacturer: '@SUM(1)' },
    ]);
    expect(refused.map((r) => r.serial)).toEqual(['T2-000099', '0001234568', 'SECOND', '0001234567', 'AB-1', 'FORMULA']);
    expect(refused[0]!.reason).toMatch(/SHA256; multiOTP's CSV import has no hash column/);
    expect(refused[1]!.reason).toMatch(/comma, a semicolon or a tab/);
    expect(refused[2]!.reason).toBe('multiOTP keeps one token per user, and alice@example.com already gets 0001234567 in this batch');
    expect(refused[4]!.reason).toMatch(/lower-cases token ids, so it is the same token as ab-1/);
    expect(refused[5]!.reason).toMatch(/manufacturer starts with "@"/);
    expect(() => multiotpCsvExporter.render([TARGET_ROWS[2]!])).toThrow(/multiotp-csv cannot carry 1/);
  });
});
