import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBase32 } from '../../src/core/secretCodec.js';
import { MAX_GRAPH_JSON_BYTES, parseGraphJson } from '../../src/formats/graphJson.js';
import { graphJsonExporter } from '../../src/formats/graphJsonBatch.js';
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
  refusal,
  toHex,
} from './helpers.js';

const G = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const parseJson = (value: unknown, options = {}) => parseGraphJson(chunked(JSON.stringify(value)), options);
const token = (overrides: Record<string, unknown> = {}) => ({
  serialNumber: 'S1',
  secretKey: G,
  manufacturer: 'Token2',
  model: 'C202',
  timeIntervalInSeconds: 30,
  hashFunction: 'hmacsha1',
  ...overrides,
});

describe('Graph JSON import', () => {
  it('reads a bare array as Token2 ships it: any-case hashFunction, spaced Base32, string interval', async () => {
    const result = await parseGraphJson(chunked(fixture('graph', 'token2-array.json'), 7));
    expect(result.rejects).toEqual([]);
    expect(result.records.map((r) => ({ ...r, secret: toHex(r.secret) }))).toEqual([
      { serial: '60234567', secret: toHex(SEED_SHA1), algorithm: 'SHA1', digits: 6, period: 30, manufacturer: 'Token2', model: 'C202', where: { keyId: '0' } },
      { serial: '0060234568', secret: toHex(SEED_SHA256), algorithm: 'SHA256', digits: 6, period: 60, manufacturer: 'Token2', model: 'C302', where: { keyId: '1' } },
      { serial: '60234569', secret: toHex(SEED_OTHER), algorithm: 'SHA1', digits: 6, period: 30, manufacturer: 'Token2', model: 'C202', where: { keyId: '2' } },
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('reads the {"@context": "#$delta", "value": [...]} form', async () => {
    const result = await parseGraphJson(chunked(fixture('graph', 'delta.json'), 1));
    expect(result.records.map((r) => [r.serial, r.period, r.algorithm, r.model])).toEqual([
      ['TOTP123456', 30, 'SHA1', 'Hardware Token 1000'],
      ['TOTP123457', 60, 'SHA1', 'Hardware Token 1000'],
    ]);
  });

  it('rejects bad elements by index and serial, keeping the good ones', async () => {
    const result = await parseJson([
      token({ serialNumber: 'GOOD' }),
      'not an object',
      token({ serialNumber: undefined }),
      token({ serialNumber: 'BADSECRET', secretKey: 'NOT*BASE32' }),
      token({ serialNumber: 'P45', timeIntervalInSeconds: 45 }),
      token({ serialNumber: 'NOP', timeIntervalInSeconds: undefined }),
      token({ serialNumber: 'SHA512', hashFunction: 'hmacsha512' }),
      token({ serialNumber: 'GOOD' }),
      token({ serialNumber: 'NAME', model: 42 }),
      token({ serialNumber: 'NOSECRET', secretKey: undefined }),
    ]);
    expect(result.records.map((r) => r.serial)).toEqual(['GOOD']);
    expect(result.rejects).toEqual([
      { where: { keyId: '1' }, reason: 'element 1 is not a token object' },
      { where: { keyId: '2' }, reason: 'serialNumber is missing or not a string' },
      { where: { keyId: '3' }, serial: 'BADSECRET', reason: 'the secret key is neither valid Base32 nor hex' },
      { where: { keyId: '4' }, serial: 'P45', reason: 'timeIntervalInSeconds must be 30 or 60' },
      { where: { keyId: '5' }, serial: 'NOP', reason: 'timeIntervalInSeconds is missing' },
      { where: { keyId: '6' }, serial: 'SHA512', reason: 'hashFunction must be hmacsha1 or hmacsha256' },
      { where: { keyId: '7' }, serial: 'GOOD', reason: 'serial GOOD already appears as element 0' },
      { where: { keyId: '8' }, serial: 'NAME', reason: 'manufacturer or model is not plain text' },
      { where: { keyId: '9' }, serial: 'NOSECRET', reason: 'secretKey is missing or not a string' },
    ]);
    expect(allText(result)).not.toContain('NOT*BASE32');
  });

  it('warns when serials arrive as JSON numbers (leading zeros may be gone)', async () => {
    const result = await parseJson([token({ serialNumber: 1234567 })]);
    expect(result.records[0]?.serial).toBe('1234567');
    expect(result.warnings[0]?.message).toMatch(/JSON numbers.*leading zeros/);
  });

  it('warns about a SHA-256-sized secret declared hmacsha1', async () => {
    const result = await parseJson([token({ secretKey: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA' })]);
    expect(result.warnings[0]?.message).toMatch(/32 bytes.*SHA-256/);
  });

  it('rejects, never throws on, a value of any JSON shape in any property (e.g. {"toString": null})', async () => {
    const good = { serialNumber: 'A1', secretKey: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', manufacturer: 'T', model: 'M', timeIntervalInSeconds: 30, hashFunction: 'hmacsha1' };
    for (const key of Object.keys(good)) {
      // null stands for "not given" where the property is optional (manufacturer, model, hashFunction).
      const optional = ['manufacturer', 'model', 'hashFunction'].includes(key);
      for (const value of [{ toString: null }, { valueOf: null, toString: null }, [1], true, ...(optional ? [] : [null])]) {
        const result = await parseGraphJson([Buffer.from(JSON.stringify([{ ...good, [key]: value }]))]);
        expect(result.records, `${key}: ${JSON.stringify(value)}`).toHaveLength(0);
        expect(result.rejects).toHaveLength(1);
      }
    }
  });

  it('refuses files that are not a Graph token list', async () => {
    expect((await refusal(() => parseGraphJson(chunked('')))).message).toMatch(/empty/);
    expect((await refusal(() => parseJson({ tokens: [] }))).message).toMatch(/not a Graph token list/);
    expect((await refusal(() => parseJson('just a string'))).message).toMatch(/not a Graph token list/);
    const broken = `[\n  {"serialNumber": "1", "secretKey": "${G}",\n  oops\n]`;
    const error = await refusal(() => parseGraphJson(chunked(broken)));
    expect(error.message).toMatch(/not valid JSON: the error is on line 3/);
    expect(error.message).not.toContain(G);
    const cut = `[{"serialNumber": "1", "secretKey": "${G}"`;
    expect((await refusal(() => parseGraphJson(chunked(cut)))).message).toMatch(/cut short|not valid JSON/);
    expect((await refusal(() => parseGraphJson([new Uint8Array([0x5b, 0xff, 0xfe, 0x00, 0x5d])]))).message).toMatch(/not a text JSON/);
  });

  it('refuses a file over the size cap while reading', async () => {
    let pulled = 0;
    function* huge() {
      const block = new Uint8Array(1024 * 1024).fill(0x20);
      for (let i = 0; i < 200; i++) {
        pulled++;
        yield block;
      }
    }
    const error = await refusal(() => parseGraphJson(huge()));
    expect(error.message).toMatch(/larger than 64 MB/);
    expect(pulled).toBe(MAX_GRAPH_JSON_BYTES / (1024 * 1024) + 1);
  });
});

describe('Graph JSON export', () => {
  const rows = [...GOLDEN_ROWS, GOLDEN_SHA256_ROW];
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

  it('matches the golden file byte for byte: the bulk-create body alone (layout 2)', () => {
    expect(graphJsonExporter.layout).toBe(2);
    const bytes = graphJsonExporter.render(rows);
    expect(text(bytes)).toBe(text(fixture('export', 'batch.graph.json')));
    expect(Buffer.from(bytes).equals(Buffer.from(fixture('export', 'batch.graph.json')))).toBe(true);
  });

  it('still writes layout 1 (with the "tokendesk" member) byte for byte, for batches exported in it', () => {
    expect(graphJsonExporter.layouts).toEqual([2, 1]);
    const bytes = graphJsonExporter.render(rows, { layout: 1 });
    expect(text(bytes)).toBe(text(fixture('export', 'batch.graph.v1.json')));
  });

  it('is exactly the body Graph takes: "@context" and "value" only, with Graph’s property names and types', () => {
    const document = JSON.parse(text(graphJsonExporter.render(rows)));
    expect(Object.keys(document)).toEqual(['@context', 'value']);
    expect(document['@context']).toBe('#$delta');
    for (const [index, device] of document.value.entries()) {
      expect(Object.keys(device)).toEqual([
        '@contentId',
        'serialNumber',
        'manufacturer',
        'model',
        'secretKey',
        'timeIntervalInSeconds',
        'hashFunction',
        'displayName',
      ]);
      expect(device['@contentId']).toBe(String(index + 1));
      expect(Number.isInteger(device.timeIntervalInSeconds)).toBe(true);
      expect([30, 60]).toContain(device.timeIntervalInSeconds);
      expect(['hmacsha1', 'hmacsha256']).toContain(device.hashFunction);
      expect(device.secretKey).toMatch(/^[A-Z2-7]+$/);
      for (const name of ['serialNumber', 'manufacturer', 'model', 'displayName']) expect(typeof device[name]).toBe('string');
    }
    expect(document.value[2].hashFunction).toBe('hmacsha256');
  });

  it('gives the manifest who gets each token: the entries layout 1 kept in the file', () => {
    const writer = graphJsonExporter.writer();
    const entries = rows.map((row, index) => writer.assignment!(row, index));
    const v1 = JSON.parse(text(fixture('export', 'batch.graph.v1.json'))) as { tokendesk: { assignments: unknown[] } };
    expect(entries).toEqual(v1.tokendesk.assignments);
    expect(entries[1]).toEqual({
      '@contentId': '2',
      serialNumber: '0001234568',
      upn: 'bob@example.com',
      displayName: 'Bob’s fob',
      offsetSteps: -1,
      verifiedAt: '2025-01-15T09:41:07.000Z',
    });
    expect(graphJsonExporter.writer(1).assignment).toBeUndefined();
  });

  it('streams: each row’s bytes depend on that row and its position only, and the pieces are JSON.stringify of the whole', () => {
    const rowArb = fc.record({
      upn: fc.stringMatching(/^[a-z][a-z0-9._-]{0,10}@[a-z]{1,8}\.[a-z]{2,4}$/),
      serial: fc.stringMatching(/^[A-Za-z0-9]{1,20}$/),
      secret: fc.uint8Array({ minLength: 10, maxLength: 64 }),
      algorithm: fc.constantFrom('SHA1' as const, 'SHA256' as const),
      digits: fc.constant(6),
      period: fc.constantFrom(30, 60),
      manufacturer: fc.string({ minLength: 1, maxLength: 20 }),
      model: fc.string({ minLength: 1, maxLength: 20 }),
      displayName: fc.string({ maxLength: 30 }),
      offsetSteps: fc.integer({ min: -5, max: 5 }),
      verifiedAt: fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString()),
    }).filter((row) => graphJsonExporter.whyNot(row) === null); // escaping of any text Graph accepts
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 6 }), (some: BatchRow[]) => {
        const devices = some.map((r, i) => ({
          '@contentId': String(i + 1),
          serialNumber: r.serial,
          manufacturer: r.manufacturer,
          model: r.model,
          secretKey: encodeBase32(r.secret),
          timeIntervalInSeconds: r.period,
          hashFunction: r.algorithm === 'SHA256' ? 'hmacsha256' : 'hmacsha1',
          displayName: r.displayName,
        }));
        const assignments = some.map((r, i) => ({ '@contentId': String(i + 1), serialNumber: r.serial, upn: r.upn, displayName: r.displayName, offsetSteps: r.offsetSteps, verifiedAt: r.verifiedAt }));
        expect(text(graphJsonExporter.render(some))).toBe(`${JSON.stringify({ '@context': '#$delta', value: devices }, null, 2)}\n`);
        expect(text(graphJsonExporter.render(some, { layout: 1 }))).toBe(
          `${JSON.stringify({ '@context': '#$delta', value: devices, tokendesk: { version: 1, assignments } }, null, 2)}\n`,
        );
        // Row i written alone, before any later row exists, is the same text.
        const writer = graphJsonExporter.writer();
        some.forEach((r, i) => expect(writer.row(r, i)).toBe(graphJsonExporter.writer().row(r, i)));
      }),
      { numRuns: 100 },
    );
  });

  it('is deterministic, 2-space indented, ends with a newline, no BOM', () => {
    const text = new TextDecoder().decode(graphJsonExporter.render(rows));
    expect(text).toBe(new TextDecoder().decode(graphJsonExporter.render(rows)));
    expect(text.startsWith('{\n  "@context"')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('names rows Graph cannot take', () => {
    const bad: BatchRow[] = [
      { ...GOLDEN_SHA256_ROW, serial: 'S512', algorithm: 'SHA512' },
      { ...GOLDEN_ROWS[0]!, serial: 'EIGHT', digits: 8 },
      { ...GOLDEN_ROWS[0]!, serial: 'P90', period: 90 },
      GOLDEN_SHA256_ROW,
    ];
    expect(graphJsonExporter.unsupported(bad)).toEqual([
      { serial: 'S512', reason: 'it uses SHA-512; Graph takes hmacsha1 or hmacsha256 only' },
      { serial: 'EIGHT', reason: 'it shows 8-digit codes; Graph takes 6-digit tokens only' },
      { serial: 'P90', reason: 'its time step is 90 s; Graph takes 30 or 60 s' },
    ]);
    expect(() => graphJsonExporter.render(bad)).toThrow(/cannot carry 3/);
  });

  it('imports back to the same seeds', async () => {
    const result = await parseGraphJson([graphJsonExporter.render(rows)]);
    expect(result.records.map((r) => [r.serial, toHex(r.secret), r.algorithm, r.period])).toEqual(
      rows.map((r) => [r.serial, toHex(r.secret), r.algorithm, r.period]),
    );
  });

  it('reads a batch back with who gets each token: from the manifest (layout 2) or the file (layout 1)', async () => {
    const writer = graphJsonExporter.writer();
    const assignments = rows.map((row, index) => writer.assignment!(row, index));
    const strip = (r: BatchRow) => ({ ...r, secret: toHex(r.secret) });
    const fromManifest = await graphJsonExporter.readBack!(fixture('export', 'batch.graph.json'), { layout: 2, assignments });
    expect(fromManifest.problems).toEqual([]);
    expect(fromManifest.rows.map(strip)).toEqual(rows.map(strip));
    const fromFile = await graphJsonExporter.readBack!(fixture('export', 'batch.graph.v1.json'), { layout: 1, assignments: null });
    expect(fromFile.rows.map(strip)).toEqual(rows.map(strip));

    // A layout 2 file without its manifest's assignments names each token it cannot place.
    const orphan = await graphJsonExporter.readBack!(fixture('export', 'batch.graph.json'), { layout: 2, assignments: null });
    expect(orphan.rows).toEqual([]);
    expect(orphan.problems.map((p) => p.serial)).toEqual(rows.map((r) => r.serial));
    expect(orphan.problems[0]!.message).toMatch(/no assignment in its manifest/);
  });
});
