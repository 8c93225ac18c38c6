import { describe, expect, it } from 'vitest';
import { BATCH_FORMATS, SEED_FORMATS, detectFormat, exporters, importers } from '../../src/formats/index.js';
import { fixture, utf8 } from './helpers.js';

describe('detectFormat', () => {
  it.each([
    [['pskc', 'rfc6030', 'figure2.pskcxml'], 'pskc'],
    [['pskc', 'rfc6030', 'figure7.pskcxml'], 'pskc'],
    [['pskc', 'generated', 'totp-plain.pskcxml'], 'pskc'],
    [['graph', 'token2-array.json'], 'graph-json'],
    [['graph', 'delta.json'], 'graph-json'],
    [['entra', 'vendor-azure-mfa.csv'], 'entra-csv'],
    [['entra', 'rejects.csv'], 'entra-csv'],
    [['entra', 'vendor-no-upn.csv'], 'entra-csv'],
    [['oath', 'v1.csv'], 'oath-csv'],
    [['oath', 'v2.csv'], 'oath-csv'],
    [['export', 'batch.entra.csv'], 'entra-csv'],
    [['export', 'batch.graph.json'], 'graph-json'],
    [['export', 'batch.oath.csv'], 'oath-csv'],
  ] as const)('%j is %s', (path, format) => {
    expect(detectFormat(fixture(...path))).toEqual({ format });
  });

  it('tells OATH CSV rows without comments by their hex seed and type', () => {
    expect(detectFormat(utf8('T1, 3132333435363738393031323334353637383930, totp, 6, 30\n'))).toEqual({ format: 'oath-csv' });
    expect(detectFormat(utf8('T1,3132333435363738393031323334353637383930\n'))).toEqual({ format: 'oath-csv' });
    expect(detectFormat(utf8('alice,,,T1,3132333435363738393031323334353637383930,totp,6,30\n'))).toEqual({ format: 'oath-csv' });
  });

  it('says what it tried when it cannot tell', () => {
    const result = detectFormat(utf8('name,email\nAlice,alice@example.com\n'));
    expect(result.format).toBeNull();
    expect(result).toMatchObject({ tried: [expect.stringMatching(/^pskc/), expect.stringMatching(/^graph-json/), expect.stringMatching(/^entra-csv/), expect.stringMatching(/^oath-csv/)] });
    expect(detectFormat(new Uint8Array(0)).format).toBeNull();
    expect(detectFormat(utf8('<html><body>not a seed file</body></html>')).format).toBeNull();
  });

  it('looks at the content, and only at the first 64 KiB', () => {
    const header = 'upn,serial number,secret key,time interval,manufacturer,model\r\n';
    const big = new Uint8Array(200 * 1024).fill(0x41);
    big.set(utf8(header));
    expect(detectFormat(big)).toEqual({ format: 'entra-csv' });
    const late = new Uint8Array(100 * 1024).fill(0x20);
    late.set(utf8('<KeyContainer xmlns="urn:ietf:params:xml:ns:keyprov:pskc">'), 70 * 1024);
    expect(detectFormat(late).format).toBeNull();
  });
});

describe('format registry', () => {
  it('has an importer for every seed format and an exporter for every batch format, under its own name', () => {
    for (const format of SEED_FORMATS) expect(importers[format].format).toBe(format);
    for (const format of BATCH_FORMATS) expect(exporters[format].format).toBe(format);
    expect(Object.keys(importers).sort()).toEqual([...SEED_FORMATS].sort());
    expect(Object.keys(exporters).sort()).toEqual([...BATCH_FORMATS].sort());
    expect(exporters['entra-csv'].fileExtension).toBe('csv');
    expect(exporters['graph-json'].fileExtension).toBe('json');
    expect(exporters['oath-csv'].fileExtension).toBe('csv');
  });
});
