/**
 * Issue 15 items 7 and 9: every format says, per token, whether it can carry it and why not, and
 * the export advice names a format that can carry the refused rows, never the one asked for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BATCH_FORMATS, carriersOf, exportAdvice, exporters, otherFormatsFor } from '../../src/formats/index.js';
import type { BatchRow } from '../../src/formats/types.js';
import { GOLDEN_ROWS, GOLDEN_SHA256_ROW, TARGET_OPTIONS } from './helpers.js';

const SHA512_ROW: BatchRow = { ...GOLDEN_SHA256_ROW, serial: 'S512', algorithm: 'SHA512', secret: new Uint8Array(64).fill(7) };

describe('which formats can carry a token', () => {
  it('answers for every format and every row, with the reason where it cannot', () => {
    const answers = carriersOf([GOLDEN_ROWS[0]!, GOLDEN_SHA256_ROW, SHA512_ROW], TARGET_OPTIONS);
    expect(answers.get('0001234567')).toEqual({ 'entra-csv': null, 'graph-json': null, 'oath-csv': null, 'linotp-csv': null, 'multiotp-csv': null });
    expect(answers.get('T2-000099')).toEqual({
      'entra-csv': expect.stringMatching(/SHA-256/),
      'graph-json': null,
      'oath-csv': null,
      'linotp-csv': null,
      'multiotp-csv': expect.stringMatching(/no hash column/),
    });
    expect(Object.entries(answers.get('S512')!).filter(([, why]) => why === null).map(([format]) => format)).toEqual(['oath-csv', 'linotp-csv']);
  });

  it('advises graph-json for a SHA-256 token refused by entra-csv', () => {
    expect(exportAdvice('entra-csv', [GOLDEN_SHA256_ROW])).toBe('Export it with --format graph-json');
  });

  it('says no other format for the same system can carry it when none can, instead of naming the one asked for', () => {
    // The old refusal said "Export with --format graph-json" also when graph-json was the format asked for.
    expect(exportAdvice('graph-json', [SHA512_ROW])).toBe('No other format tokendesk writes for Entra ID can carry it as it is');
    expect(exportAdvice('entra-csv', [{ ...GOLDEN_SHA256_ROW, manufacturer: '' }, GOLDEN_SHA256_ROW])).toBe(
      'No other format tokendesk writes for Entra ID can carry them as they are',
    );
    expect(exportAdvice('oath-csv', [{ ...GOLDEN_ROWS[0]!, algorithm: 'SHA256' }], TARGET_OPTIONS)).toMatch(/^No other format tokendesk writes for privacyIDEA/);
  });

  it('never advises the format that was asked for, and only formats that then accept every refused row', () => {
    const row = fc.record({
      algorithm: fc.constantFrom('SHA1', 'SHA256', 'SHA512') as fc.Arbitrary<BatchRow['algorithm']>,
      secretLength: fc.constantFrom(16, 20, 32, 64),
      digits: fc.constantFrom(6, 8),
      period: fc.constantFrom(30, 60),
      upn: fc.constantFrom('alice@example.com', '', 'x@example.com'),
      manufacturer: fc.constantFrom('Token2', '', 'A;B'),
      userName: fc.constantFrom(undefined, '', 'bsmith'),
    });
    fc.assert(
      fc.property(fc.constantFrom(...BATCH_FORMATS), fc.array(row, { minLength: 1, maxLength: 4 }), fc.boolean(), (asked, specs, withRealm) => {
        const rows: BatchRow[] = specs.map((spec, i) => {
          const base: BatchRow = { ...GOLDEN_ROWS[0]!, ...spec, serial: `S${i}`, secret: new Uint8Array(spec.secretLength).fill(i + 1) };
          if (spec.userName === undefined) delete base.userName;
          return base;
        });
        const options = withRealm ? TARGET_OPTIONS : {};
        const refused = rows.filter((r) => exporters[asked].unsupported([r], options).length > 0);
        if (refused.length === 0) return;
        const advice = exportAdvice(asked, refused, options);
        expect(advice).not.toContain(`--format ${asked}`);
        for (const format of otherFormatsFor(asked, refused, options)) expect(exporters[format].unsupported(refused, options)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
