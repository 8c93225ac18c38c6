/**
 * What every batch exporter promises (types.ts, "How a batch exporter is built"), checked for each
 * one registered, so a new format is held to it the day it is added: a one-line description for
 * people, a file that is its streamed pieces in order, the same bytes for the same rows, and rows
 * it cannot carry named by whyNot rather than written.
 */
import { describe, expect, it } from 'vitest';
import { BATCH_FORMATS, defineExporter, exporters, formatsThatCarry, type BatchRow } from '../../src/formats/index.js';
import { GOLDEN_ROWS, GOLDEN_SHA256_ROW } from './helpers.js';

const rows: BatchRow[] = [...GOLDEN_ROWS, GOLDEN_SHA256_ROW];
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe.each(BATCH_FORMATS.map((format) => [format]))('the %s exporter', (format) => {
  const exporter = exporters[format];
  const carried = rows.filter((row) => exporter.whyNot(row) === null);

  it('describes itself in one line for people choosing a format', () => {
    expect(exporter.format).toBe(format);
    expect(exporter.description).toMatch(/^\S.{9,99}$/);
    expect(exporter.description).not.toMatch(/[\r\n]/);
  });

  it('writes its file as header, rows and footer, in every layout it keeps', () => {
    expect(exporter.layouts[0]).toBe(exporter.layout);
    for (const layout of exporter.layouts) {
      const writer = exporter.writer(layout);
      const pieces = [writer.header(), ...carried.map((row, i) => writer.row(row, i)), writer.footer(carried.length)];
      const streamed = pieces.map((p) => (typeof p === 'string' ? p : text(p))).join('');
      expect(text(exporter.render(carried, { layout }))).toBe(streamed);
      expect(text(exporter.render(carried, { layout }))).toBe(text(exporter.render(carried.map((r) => ({ ...r })), { layout })));
    }
  });

  it('names the rows it cannot carry, and refuses to render them', () => {
    const refused = exporter.unsupported(rows);
    expect(refused.map((r) => r.serial)).toEqual(rows.filter((row) => exporter.whyNot(row) !== null).map((r) => r.serial));
    for (const r of refused) expect(formatsThatCarry(rows.find((row) => row.serial === r.serial)!)).not.toContain(format);
    if (refused.length > 0) expect(() => exporter.render(rows)).toThrow(/cannot carry/);
  });
});

describe('defineExporter', () => {
  it('makes a whole exporter from its parts', () => {
    const exporter = defineExporter({
      format: 'entra-csv',
      fileExtension: 'txt',
      description: 'A test format: one serial per line',
      whyNot: (row) => (row.digits !== 6 ? 'only 6 digits' : null),
      header: () => '# serials\n',
      row: (row, index) => `${index + 1} ${row.serial}\n`,
      footer: (count) => `# ${count}\n`,
    });
    expect(exporter.layout).toBe(1);
    expect(exporter.layouts).toEqual([1]);
    expect(text(exporter.render(rows.slice(0, 2)))).toBe(`# serials\n1 ${rows[0]!.serial}\n2 ${rows[1]!.serial}\n# 2\n`);
    expect(exporter.unsupported([{ ...rows[0]!, digits: 8 }])).toEqual([{ serial: rows[0]!.serial, reason: 'only 6 digits' }]);
    expect(exporter.readBack).toBeUndefined();
  });
});
