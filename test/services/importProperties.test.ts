/**
 * Property: importing a damaged seed file into a real inventory either commits all of it (every
 * record the file holds is in the inventory with exactly its secret) or leaves the database as it
 * was, byte for byte. Never a part. Also for files large enough that seeds are sealed on the worker
 * thread while the parser is still reading (the damage may come after thousands of good records).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { importers } from '../../src/formats/index.js';
import type { ParseOptions, ParseResult } from '../../src/formats/types.js';
import { importSeeds, type ImportRequest } from '../../src/services/importSeeds.js';
import type { Inventory } from '../../src/store/db.js';
import { ADMIN, freshInventory, snapshot, writeTemp } from '../support/home.js';
import { applyMutations, mutations } from '../support/mutations.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';
import { chunked, fixture, utf8 } from '../formats/helpers.js';
import { FIXTURE_PASSWORD, PSK_128, PSK_256, buildPskc, type FixtureKey } from '../formats/pskcFixtures.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);
/** Above the 256 KiB at which the import seals on a worker while parsing. */
const LARGE_RUNS = Math.max(1, Math.round(RUNS / 3));

interface SeedFile {
  name: string;
  fileName: string;
  bytes: Uint8Array;
  options: Pick<ImportRequest, 'psk' | 'password'>;
}

const SMALL: SeedFile[] = [
  { name: 'Entra CSV', fileName: 'box.csv', bytes: fixture('entra', 'vendor-azure-mfa.csv'), options: {} },
  { name: 'Entra CSV, 8 tokens', fileName: 'eight.csv', bytes: utf8(entraCsv(makeTokens(8, { prefix: '0088' }))), options: {} },
  { name: 'Token2 JSON', fileName: 'box.json', bytes: fixture('graph', 'token2-array.json'), options: {} },
  { name: 'Graph $delta JSON', fileName: 'delta.json', bytes: fixture('graph', 'delta.json'), options: {} },
  { name: 'OATH CSV v1', fileName: 'v1.csv', bytes: fixture('oath', 'v1.csv'), options: {} },
  { name: 'OATH CSV v2', fileName: 'v2.csv', bytes: fixture('oath', 'v2.csv'), options: {} },
  { name: 'PSKC plain', fileName: 'plain.pskcxml', bytes: fixture('pskc', 'generated', 'totp-plain.pskcxml'), options: {} },
  { name: 'PSKC AES-128-CBC', fileName: 'psk.pskcxml', bytes: fixture('pskc', 'generated', 'totp-aes128-cbc.pskcxml'), options: { psk: PSK_128 } },
  { name: 'PSKC AES-256 key wrap', fileName: 'kw.pskcxml', bytes: fixture('pskc', 'generated', 'totp-kw-aes256.pskcxml'), options: { psk: PSK_256 } },
  { name: 'PSKC PBKDF2', fileName: 'pbkdf2.pskcxml', bytes: fixture('pskc', 'generated', 'totp-pbkdf2.pskcxml'), options: { password: FIXTURE_PASSWORD } },
];

function largeFiles(): SeedFile[] {
  const tokens = makeTokens(5000, { prefix: '0077' });
  const oath = tokens.map((t) => `${t.serial},${t.secretHex},totp,6,30`).join('\n');
  const keys: FixtureKey[] = tokens.slice(0, 260).map((t, i) => ({
    keyId: `k${i}`,
    serial: t.serial,
    algorithm: 'totp',
    secret: t.secret,
    suite: 'HMAC-SHA1',
    period: 30,
    manufacturer: 'Token2',
    model: 'C202',
  }));
  const files: SeedFile[] = [
    { name: 'Entra CSV, 5,000 rows', fileName: 'large.csv', bytes: utf8(entraCsv(tokens)), options: {} },
    { name: 'OATH CSV, 5,000 rows', fileName: 'large-oath.csv', bytes: utf8(`${oath}\n`), options: {} },
    {
      name: 'PSKC AES-128-CBC + HMAC-SHA256, 260 keys',
      fileName: 'large.pskcxml',
      bytes: utf8(buildPskc(keys, { kind: 'psk', cipher: 'aes128-cbc', key: PSK_128, mac: 'hmac-sha256' })),
      options: { psk: PSK_128 },
    },
  ];
  for (const file of files) expect(file.bytes.byteLength, file.name).toBeGreaterThan(256 * 1024);
  return files;
}

/** Imports `bytes` and checks all-or-nothing against what the parser reads from the same bytes. */
async function importAllOrNothing(inventory: Inventory, file: SeedFile, bytes: Uint8Array, request: Partial<ImportRequest>): Promise<'committed' | 'unchanged'> {
  const path = writeTemp(file.fileName, bytes);
  const before = snapshot(inventory.paths.database);
  let report;
  try {
    report = await importSeeds(inventory, { file: path, actor: ADMIN, ...file.options, ...request });
  } catch (error) {
    // A refused file is a Refusal (a message for a person), never a crash.
    if (!(error instanceof Refusal)) throw error;
    expect(error.message).toContain(file.fileName);
    expect(snapshot(inventory.paths.database)).toBe(before);
    return 'unchanged';
  }
  if (!report.committed) {
    expect(report.refusal !== undefined || report.dryRun).toBe(true);
    expect(snapshot(inventory.paths.database)).toBe(before);
    return 'unchanged';
  }

  // Committed: every record the file holds is there with exactly its secret.
  const options: ParseOptions = { psk: file.options.psk, password: file.options.password };
  const parsed: ParseResult = await importers[report.format].parse(chunked(bytes), options);
  expect(report.records).toBe(parsed.records.length);
  expect(report.added + report.alreadyPresent).toBe(parsed.records.length);
  expect(report.conflicts).toEqual([]);
  if (parsed.rejects.length > 0) expect(request.skipRejected).toBe(true);
  // One query for the lot (thousands of rows in the large cases); the vault opens each seed.
  const stored = new Map(
    (
      inventory.sqlite.prepare('SELECT serial, sealed_secret AS sealed, algorithm, digits, period, drift_steps AS driftSteps, import_id AS importId FROM tokens').all() as Array<{
        serial: string;
        sealed: Buffer;
        algorithm: string;
        digits: number;
        period: number;
        driftSteps: number;
        importId: number;
      }>
    ).map((row) => [row.serial, row]),
  );
  for (const record of parsed.records) {
    const token = stored.get(record.serial);
    expect(token, `serial ${record.serial}`).toBeDefined();
    expect(Buffer.from(inventory.vault.open(record.serial, token!.sealed)).equals(Buffer.from(record.secret)), `secret of ${record.serial}`).toBe(true);
    if (token!.importId === report.importId) {
      expect(token).toMatchObject({ algorithm: record.algorithm, digits: record.digits, period: record.period, driftSteps: record.driftSteps ?? 0 });
    }
  }
  const { n } = inventory.sqlite.prepare('SELECT count(*) AS n FROM tokens WHERE import_id = ?').get(report.importId) as { n: number };
  expect(n).toBe(report.added);
  return 'committed';
}

const requestOptions = fc.record({
  format: fc.constantFrom<ImportRequest['format']>('auto', undefined),
  // Mostly on: damage usually leaves some rows readable, and those runs must commit all of them.
  skipRejected: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
  dryRun: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
});

describe('importSeeds: a damaged file commits completely or not at all', () => {
  it('small vendor files, damaged, into an inventory that already holds some of their tokens', async () => {
    const inventory = freshInventory();
    // Stock from the undamaged files first, so damage also meets "already there" and conflicts.
    for (const file of SMALL) await importAllOrNothing(inventory, file, file.bytes, { skipRejected: true });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SMALL), mutations, requestOptions, async (file, damage, request) => {
        await importAllOrNothing(inventory, file, applyMutations(file.bytes, damage), request);
      }),
      { numRuns: RUNS },
    );
  });

  it('small vendor files, damaged, each into an empty inventory', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SMALL), mutations, requestOptions, async (file, damage, request) => {
        await importAllOrNothing(freshInventory(), file, applyMutations(file.bytes, damage), request);
      }),
      { numRuns: RUNS },
    );
  });

  it('files large enough to be sealed while parsing, damaged anywhere (often after thousands of good rows)', async () => {
    const files = largeFiles();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...files), mutations, fc.boolean(), async (file, damage, skipRejected) => {
        await importAllOrNothing(freshInventory(), file, applyMutations(file.bytes, damage), { skipRejected });
      }),
      { numRuns: LARGE_RUNS },
    );
  });

  it('a PSKC file whose last key has a tampered MAC: thousands of records sealed in the background, none committed', async () => {
    const [, , pskc] = largeFiles();
    const text = new TextDecoder().decode(pskc!.bytes);
    const lastMac = text.lastIndexOf('<ValueMAC>') + '<ValueMAC>'.length;
    const tampered = text.slice(0, lastMac) + (text[lastMac] === 'A' ? 'B' : 'A') + text.slice(lastMac + 1);
    const inventory = freshInventory();
    const before = snapshot(inventory.paths.database);
    const path = writeTemp('tampered.pskcxml', tampered);
    await expect(importSeeds(inventory, { file: path, actor: ADMIN, psk: PSK_128 })).rejects.toThrow(/tampered\.pskcxml: The MAC of the Secret of key k259/);
    expect(snapshot(inventory.paths.database)).toBe(before);
    expect(readFileSync(path).byteLength).toBeGreaterThan(256 * 1024);
  });
});
