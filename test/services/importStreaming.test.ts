/**
 * The streaming import holds a bounded number of records at a time: a counting source (the bytes
 * the parser is given, counted in rows) and a counting sink (rows staged) never drift further apart
 * than the pipeline's bound, however long the file, even with a sealer far slower than the parser.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { importers } from '../../src/formats/index.js';
import type { ByteSource, ParseOptions } from '../../src/formats/types.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { MAX_CHUNKS_IN_FLIGHT, STAGE_CHUNK } from '../../src/services/importPipeline.js';
import { findToken } from '../../src/services/tokens.js';
import { ImportStaging } from '../../src/store/importStaging.js';
import { SealPool } from '../../src/store/sealPool.js';
import { ADMIN, freshInventory, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Rows (line ends) in a chunk of CSV bytes. */
function rowsIn(chunk: Uint8Array): number {
  let n = 0;
  for (const byte of chunk) if (byte === 0x0a) n++;
  return n;
}

/** Waits `turns` trips round the event loop: a sealer much slower than the parser, without a clock. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('streaming import', () => {
  it('holds a bounded number of records at a time, with a slow sealer', async () => {
    const inventory = freshInventory();
    const tokens = makeTokens(40_000);
    const file = writeTemp('big.csv', entraCsv(tokens));

    let given = 0; // rows handed to the parser
    let staged = 0; // rows in the staging table
    let widest = 0;
    const stagedAdd = ImportStaging.prototype.add;
    vi.spyOn(ImportStaging.prototype, 'add').mockImplementation(function (this: ImportStaging, rows) {
      const duplicates = stagedAdd.call(this, rows);
      staged += rows.length;
      return duplicates;
    });
    const seal = SealPool.prototype.seal;
    vi.spyOn(SealPool.prototype, 'seal').mockImplementation(async function (this: SealPool, serials, secrets) {
      await turns(200);
      return seal.call(this, serials, secrets);
    });
    const parse = importers['entra-csv'].parse;
    vi.spyOn(importers['entra-csv'], 'parse').mockImplementation((source: ByteSource, options?: ParseOptions) => {
      async function* counted(): AsyncGenerator<Uint8Array> {
        for await (const chunk of source as AsyncIterable<Uint8Array>) {
          given += rowsIn(chunk);
          widest = Math.max(widest, given - staged);
          yield chunk;
        }
      }
      return parse(counted(), options);
    });

    const report = await importSeeds(inventory, { file, actor: ADMIN });
    expect(report).toMatchObject({ committed: true, added: 40_000 });
    expect(staged).toBe(40_000);
    // At most MAX_CHUNKS_IN_FLIGHT chunks sealing, one being filled, and one read chunk of rows (256 KiB / ~64 bytes a row).
    const bound = (MAX_CHUNKS_IN_FLIGHT + 1) * STAGE_CHUNK + 4_200;
    expect(widest).toBeGreaterThan(0);
    expect(widest).toBeLessThanOrEqual(bound);
    expect(findToken(inventory, tokens[39_999]!.serial)).toMatchObject({ status: 'in-stock' });
  });

  it('rejects a serial repeated far apart in a large file (checked on disk), naming the first line', async () => {
    const inventory = freshInventory();
    const tokens = makeTokens(10_000);
    tokens[9_000] = { ...tokens[9_000]!, serial: tokens[5]!.serial }; // far apart
    tokens[8] = { ...tokens[8]!, serial: tokens[7]!.serial }; // next to each other (one multi-row insert)
    const file = writeTemp('twice.csv', entraCsv(tokens));
    const report = await importSeeds(inventory, { file, actor: ADMIN, skipRejected: true });
    expect(report.rejects).toEqual([
      { where: { line: 10 }, serial: tokens[7]!.serial, reason: `serial ${tokens[7]!.serial} already appears on line 9` },
      { where: { line: 9_002 }, serial: tokens[5]!.serial, reason: `serial ${tokens[5]!.serial} already appears on line 7` },
    ]);
    expect(report).toMatchObject({ committed: true, records: 9_998, added: 9_998 });
    expect(report.groups.reduce((n, g) => n + g.count, 0)).toBe(9_998);
  });
});
