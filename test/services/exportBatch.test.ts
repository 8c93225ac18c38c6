import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { decodeBase32 } from '../../src/core/secretCodec.js';
import { codeAtStep, timeStep } from '../../src/core/totp.js';
import { exporters } from '../../src/formats/index.js';
import { exportBatch } from '../../src/services/batch/export.js';
import { sweepOrphanedBatchFiles } from '../../src/services/batch/orphans.js';
import { mergeBatches } from '../../src/services/batch/merge.js';
import { handOut } from '../../src/services/handOut.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { voidBatch } from '../../src/services/batch/lifecycle.js';
import { findToken } from '../../src/services/tokens.js';
import { ADMIN, STAFF, freshInventory, snapshot, tempDir, writeTemp } from '../support/home.js';
import { ENTRA_HEADER, entraCsv, makeTokens } from '../support/seedFiles.js';
import { GOLDEN_ROWS, GOLDEN_SHA256_ROW, TARGET_OPTIONS, fixture } from '../formats/helpers.js';
import { importRoster } from '../../src/services/roster.js';
import { NOW, desk, goldenDesk, handOutAll } from '../fixtures/batches/desk.js';

async function withHandOuts(n: number, options: { hash?: 'SHA256' } = {}) {
  const inventory = freshInventory('desk-a');
  const tokens = makeTokens(n + 2, { secretBytes: options.hash ? 32 : 20 });
  await importSeeds(inventory, { file: writeTemp('s.csv', entraCsv(tokens)), actor: ADMIN, hash: options.hash });
  tokens.slice(0, n).forEach((t, i) => {
    const code = codeAtStep({ secret: t.secret, algorithm: options.hash ?? 'SHA1', digits: 6, period: 30 }, timeStep(NOW, 30));
    const r = handOut(inventory, { serial: t.serial, upn: `user${i}@example.com`, code, actor: STAFF, now: NOW });
    expect(r.ok).toBe(true);
  });
  return { inventory, tokens };
}

function refusalOf(run: () => unknown): Refusal {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(Refusal);
    return error as Refusal;
  }
  throw new Error('expected a refusal');
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('exportBatch (Entra CSV)', () => {
  it('writes the batch file and manifest, 0600, and marks the hand-outs exported', async () => {
    const { inventory, tokens } = await withHandOuts(3);
    const out = tempDir();
    const result = exportBatch(inventory, { format: 'entra-csv', outDir: out, actor: ADMIN, now: NOW });
    expect(result.manifest).toMatchObject({ batch: 'desk-a-20261129-1', deskId: 'desk-a', format: 'entra-csv', count: 3 });
    const bytes = readFileSync(result.filePath!);
    expect(sha256(bytes)).toBe(result.manifest!.sha256);
    expect(statSync(result.filePath!).mode & 0o777).toBe(0o600);
    expect(statSync(result.manifestPath!).mode & 0o777).toBe(0o600);
    const text = bytes.toString('utf8');
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
    const lines = text.split(/\r?\n/).filter(Boolean);
    expect(lines[0]).toBe(ENTRA_HEADER);
    expect(lines[1]).toBe(`user0@example.com,${tokens[0]!.serial},${tokens[0]!.base32},30,Token2,C202`);
    expect(lines).toHaveLength(4);
    expect(JSON.parse(readFileSync(result.manifestPath!, 'utf8'))).toEqual(result.manifest);
    expect(findToken(inventory, tokens[0]!.serial)?.status).toBe('exported');
    expect(findToken(inventory, tokens[4]!.serial)?.status).toBe('in-stock');
    expect(readdirSync(out).sort()).toEqual(['tokendesk-desk-a-20261129-1.csv', 'tokendesk-desk-a-20261129-1.manifest.json']);
  });

  it('never exports a hand-out twice', async () => {
    const { inventory } = await withHandOuts(2);
    const out = tempDir();
    exportBatch(inventory, { format: 'entra-csv', outDir: out, actor: ADMIN, now: NOW });
    const before = snapshot(inventory.paths.database);
    expect(exportBatch(inventory, { format: 'entra-csv', outDir: out, actor: ADMIN, now: NOW })).toMatchObject({ manifest: null, leftWaiting: [] });
    expect(snapshot(inventory.paths.database)).toBe(before);
    expect(readdirSync(out)).toHaveLength(2);
  });

  it('says so and writes nothing when nothing is waiting', async () => {
    const inventory = freshInventory();
    const out = tempDir();
    expect(exportBatch(inventory, { format: 'entra-csv', outDir: out, actor: ADMIN }).manifest).toBeNull();
    expect(readdirSync(out)).toEqual([]);
  });

  it('refuses SHA-256 tokens in Entra CSV, naming them, and writes nothing', async () => {
    const { inventory, tokens } = await withHandOuts(1, { hash: 'SHA256' });
    const out = tempDir();
    const before = snapshot(inventory.paths.database);
    const error = refusalOf(() => exportBatch(inventory, { format: 'entra-csv', outDir: out, actor: ADMIN }));
    expect(error.message).toContain(tokens[0]!.serial);
    expect(error.message).toContain('graph-json');
    expect(readdirSync(out)).toEqual([]);
    expect(snapshot(inventory.paths.database)).toBe(before);
  });

  it('is for admins only', async () => {
    const { inventory } = await withHandOuts(1);
    expect(() => exportBatch(inventory, { format: 'entra-csv', actor: STAFF })).toThrow(/may not export/);
  });
});

describe('exportBatch: the file is exactly what the exporter writes (golden files, end to end)', () => {
  // The golden rows handed out at a real desk: seeds imported, codes typed at the rows' times with
  // the rows' clock offsets. The service must then write the golden files byte for byte.
  it('graph-json: all three rows, byte for byte the golden file, and who gets each token in the manifest', async () => {
    const inventory = await goldenDesk([...GOLDEN_ROWS, GOLDEN_SHA256_ROW]);
    const result = exportBatch(inventory, { format: 'graph-json', outDir: tempDir(), actor: ADMIN, now: NOW });
    const bytes = readFileSync(result.filePath!);
    expect(bytes.equals(Buffer.from(fixture('export', 'batch.graph.json')))).toBe(true);
    expect(bytes.equals(Buffer.from(exporters['graph-json'].render([...GOLDEN_ROWS, GOLDEN_SHA256_ROW])))).toBe(true);
    expect(result.manifest!.sha256).toBe(sha256(fixture('export', 'batch.graph.json')));
    // The entries the file's earlier layout carried in its "tokendesk" member, now in the manifest.
    const manifest = JSON.parse(readFileSync(result.manifestPath!, 'utf8')) as Record<string, unknown>;
    const v1 = JSON.parse(Buffer.from(fixture('export', 'batch.graph.v1.json')).toString('utf8')) as { tokendesk: { assignments: unknown[] } };
    expect(manifest).toEqual({ ...result.manifest, assignments: v1.tokendesk.assignments });
    expect(Object.keys(manifest).at(-1)).toBe('assignments');
    expect(manifest.layout).toBe(2);
  });

  it('entra-csv: the SHA-256 token is left waiting by name, the rest is the golden file', async () => {
    const inventory = await goldenDesk([...GOLDEN_ROWS, GOLDEN_SHA256_ROW]);
    const result = exportBatch(inventory, { format: 'entra-csv', outDir: tempDir(), skipUnsupported: true, actor: ADMIN, now: NOW });
    expect(readFileSync(result.filePath!).equals(Buffer.from(fixture('export', 'batch.entra.csv')))).toBe(true);
    expect(result.leftWaiting).toEqual([{ serial: GOLDEN_SHA256_ROW.serial, reason: expect.stringContaining('graph-json') }]);
    expect(findToken(inventory, GOLDEN_SHA256_ROW.serial)?.status).toBe('assigned');
  });

  it('oath-csv: byte for byte the golden file, user names from the roster\'s login column, realm and resolver given', async () => {
    const inventory = await goldenDesk([...GOLDEN_ROWS, GOLDEN_SHA256_ROW]);
    const roster = 'upn,display name,employee id,login\nalice@example.com,Alice,E1,alice@example.com\nbob@example.com,Bob,E2,bsmith\ncarol@example.com,Carol,E3,carol\n';
    await importRoster(inventory, { file: writeTemp('people.csv', roster), actor: ADMIN });
    const result = exportBatch(inventory, { format: 'oath-csv', outDir: tempDir(), actor: ADMIN, now: NOW, options: TARGET_OPTIONS, userName: 'login' });
    expect(readFileSync(result.filePath!).equals(Buffer.from(fixture('export', 'batch.oath.csv')))).toBe(true);
    // Written again byte for byte: the batch keeps its realm, resolver and where its user names came from.
    const again = exportBatch(inventory, { batch: result.manifest!.batch, outDir: tempDir(), actor: ADMIN, now: NOW });
    expect(readFileSync(again.filePath!).equals(Buffer.from(fixture('export', 'batch.oath.csv')))).toBe(true);
  });

  it('oath-csv with --user-name login refuses a holder the roster has no login for, by name', async () => {
    const inventory = await goldenDesk(GOLDEN_ROWS);
    const error = refusalOf(() => exportBatch(inventory, { format: 'oath-csv', outDir: tempDir(), actor: ADMIN, options: TARGET_OPTIONS, userName: 'login' }));
    expect(error.message).toMatch(/has no privacyIDEA user name \(the roster gives none for alice@example\.com\)/);
  });
});

describe('exportBatch: graph-json against the Graph property names and types (DESIGN.md section 2)', () => {
  it('is the bulk-create body Graph takes, as-is; the assignment, name and offset of each token are in the manifest', async () => {
    const tokens = makeTokens(3);
    const inventory = await desk('desk-g', tokens, [
      { token: tokens[0]!, upn: 'Ann@Example.com', name: 'Ann key' },
      { token: tokens[1]!, upn: 'bo@example.com', offsetSteps: 1, at: NOW + 1000 },
      { token: tokens[2]!, upn: 'cy@example.com', offsetSteps: -1, at: NOW + 2000 },
    ]);
    const result = exportBatch(inventory, { format: 'graph-json', outDir: tempDir(), actor: ADMIN, now: NOW });
    const text = readFileSync(result.filePath!, 'utf8');
    const document = JSON.parse(text) as Record<string, unknown> & { value: Array<Record<string, unknown>> };

    // What PATCH /directory/authenticationMethodDevices/hardwareOathDevices takes, and nothing else.
    expect(Object.keys(document)).toEqual(['@context', 'value']);
    expect(document['@context']).toBe('#$delta');
    expect(document.value).toHaveLength(3);
    const graphProperties = new Set(['@contentId', 'serialNumber', 'manufacturer', 'model', 'secretKey', 'timeIntervalInSeconds', 'hashFunction', 'displayName', 'assignTo']);
    document.value.forEach((device, i) => {
      for (const key of Object.keys(device)) expect(graphProperties.has(key), `unexpected property ${key}`).toBe(true);
      expect(device['@contentId']).toBe(String(i + 1));
      expect(device.serialNumber).toBe(tokens[i]!.serial);
      expect(typeof device.manufacturer).toBe('string');
      expect(typeof device.model).toBe('string');
      expect(device.secretKey).toMatch(/^[A-Z2-7]+$/);
      expect(Buffer.from(decodeBase32(device.secretKey as string)!).equals(Buffer.from(tokens[i]!.secret))).toBe(true);
      expect(Number.isInteger(device.timeIntervalInSeconds)).toBe(true);
      expect([30, 60]).toContain(device.timeIntervalInSeconds);
      expect(device.hashFunction).toBe('hmacsha1');
      expect(typeof device.displayName).toBe('string');
    });
    expect(text).toContain('"timeIntervalInSeconds": 30,');
    expect(text).not.toMatch(/"timeIntervalInSeconds": "/);

    // For the assign and activate calls: the UPN, the name, and each token's measured offset.
    const manifest = JSON.parse(readFileSync(result.manifestPath!, 'utf8')) as { assignments: Array<Record<string, unknown>> };
    expect(manifest.assignments.map((a) => [a['@contentId'], a.serialNumber, a.upn, a.displayName, a.offsetSteps])).toEqual([
      ['1', tokens[0]!.serial, 'ann@example.com', 'Ann key', 0],
      ['2', tokens[1]!.serial, 'bo@example.com', 'Token2 C202', 1],
      ['3', tokens[2]!.serial, 'cy@example.com', 'Token2 C202', -1],
    ]);
    // The manifest holds no secret.
    for (const t of tokens) expect(readFileSync(result.manifestPath!, 'utf8')).not.toContain(t.base32);
  });

  it('writes hmacsha256 in lower case for SHA-256 tokens', async () => {
    const tokens = makeTokens(1, { secretBytes: 32 });
    const inventory = await desk('desk-g', tokens, [{ token: tokens[0]!, upn: 'a@example.com' }], { hash: 'SHA256' });
    const result = exportBatch(inventory, { format: 'graph-json', outDir: tempDir(), actor: ADMIN, now: NOW });
    const document = JSON.parse(readFileSync(result.filePath!, 'utf8')) as { value: Array<{ hashFunction: string }> };
    expect(document.value[0]!.hashFunction).toBe('hmacsha256');
  });
});

describe('exportBatch: a format that cannot carry a token names one that can, never the one asked for', () => {
  /** A desk with one token of this kind (from an OATH CSV, the file that can say digits and hash), handed out. */
  async function oneToken(spec: { digits: number; hash: 'SHA1' | 'SHA256' | 'SHA512'; secretBytes: number }) {
    const inventory = freshInventory('desk-f');
    const [token] = makeTokens(1, { secretBytes: spec.secretBytes });
    const csv = `${token!.serial},${token!.secretHex},totp,${spec.digits},30,${spec.hash.toLowerCase()}\n`;
    const report = await importSeeds(inventory, { file: writeTemp('seeds.csv', csv), actor: ADMIN, manufacturer: 'Token2', model: 'C202' });
    expect(report.added).toBe(1);
    const code = codeAtStep({ secret: token!.secret, algorithm: spec.hash, digits: spec.digits, period: 30 }, timeStep(NOW, 30));
    expect(handOut(inventory, { serial: token!.serial, upn: 'ann@example.com', code, actor: STAFF, now: NOW }).ok).toBe(true);
    return { inventory, token: token! };
  }

  it('SHA-256 asked as entra-csv: suggests graph-json (the other way into Entra)', async () => {
    const { inventory, token } = await oneToken({ digits: 6, hash: 'SHA256', secretBytes: 32 });
    const error = refusalOf(() => exportBatch(inventory, { format: 'entra-csv', outDir: tempDir(), actor: ADMIN }));
    expect(error.message).toContain(`cannot go in entra-csv: ${token.serial}`);
    expect(error.message).toContain('Export with --format graph-json');
    expect(error.details).toMatchObject({ suggestedFormat: 'graph-json' });
  });

  it('SHA-512 asked as graph-json: no format for Entra can carry it, and none for another system is offered', async () => {
    const { inventory, token } = await oneToken({ digits: 6, hash: 'SHA512', secretBytes: 64 });
    const error = refusalOf(() => exportBatch(inventory, { format: 'graph-json', outDir: tempDir(), actor: ADMIN, options: { realm: 'corp' } }));
    expect(error.code).toBe('format-cannot-carry');
    expect(error.message).toContain(`cannot go in graph-json: ${token.serial}`);
    expect(error.message).toContain('No other format tokendesk writes for Entra ID can carry them all');
    expect(error.message).not.toMatch(/--format (graph-json|oath-csv|linotp-csv)/);
    expect(error.details).not.toHaveProperty('suggestedFormat');
  });

  it('SHA-256 with a 20-byte seed asked as oath-csv (privacyIDEA would read it as SHA-1): says why, and that privacyIDEA has no other way here', async () => {
    const { inventory } = await oneToken({ digits: 6, hash: 'SHA256', secretBytes: 20 });
    const error = refusalOf(() => exportBatch(inventory, { format: 'oath-csv', outDir: tempDir(), actor: ADMIN, options: { realm: 'corp' } }));
    expect(error.message).toContain('so privacyIDEA would compute wrong codes');
    expect(error.message).toContain('No other format tokendesk writes for privacyIDEA can carry them all');
    expect(error.message).not.toContain('--format');
  });

  it('says so when no format can carry it', async () => {
    const { inventory } = await oneToken({ digits: 8, hash: 'SHA256', secretBytes: 20 });
    for (const format of ['entra-csv', 'graph-json', 'oath-csv'] as const) {
      const error = refusalOf(() => exportBatch(inventory, { format, outDir: tempDir(), actor: ADMIN }));
      expect(error.message).toMatch(/No other format tokendesk writes for (Entra ID|privacyIDEA) can carry them all: leave them waiting with --skip-unsupported, or undo those hand-outs/);
      expect(error.message).not.toMatch(/Export with --format/);
    }
  });
});

describe('exportBatch: --since and --desk', () => {
  it('takes only the hand-outs verified since the time given, and leaves the rest waiting', async () => {
    const tokens = makeTokens(4);
    const yesterday = NOW - 86_400_000;
    const inventory = await desk('desk-a', tokens, [
      { token: tokens[0]!, upn: 'a@example.com', at: yesterday },
      { token: tokens[1]!, upn: 'b@example.com', at: yesterday + 60_000 },
      { token: tokens[2]!, upn: 'c@example.com' },
      { token: tokens[3]!, upn: 'd@example.com', at: NOW + 60_000 },
    ]);
    const out = tempDir();
    const today = exportBatch(inventory, { format: 'entra-csv', outDir: out, since: '2026-11-29', actor: ADMIN, now: NOW });
    expect(today.manifest!.count).toBe(2);
    const serials = readFileSync(today.filePath!, 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(',')[1]);
    expect(serials).toEqual([tokens[2]!.serial, tokens[3]!.serial]);
    expect(findToken(inventory, tokens[0]!.serial)?.status).toBe('assigned');

    expect(exportBatch(inventory, { format: 'entra-csv', outDir: out, desk: 'desk-b', actor: ADMIN, now: NOW }).manifest).toBeNull();
    const rest = exportBatch(inventory, { format: 'entra-csv', outDir: out, desk: 'desk-a', actor: ADMIN, now: NOW });
    expect(rest.manifest).toMatchObject({ batch: 'desk-a-20261129-2', count: 2 });
  });

  it('refuses a --since that is not a time', async () => {
    const { inventory } = await withHandOuts(1);
    expect(refusalOf(() => exportBatch(inventory, { format: 'entra-csv', since: 'last tuesday', actor: ADMIN })).code).toBe('bad-since');
  });
});

describe('exportBatch --batch: the same batch again, byte for byte', () => {
  it('rewrites file and manifest identically from the stored rows, by name or number, into any folder', async () => {
    const tokens = makeTokens(6);
    const inventory = await desk('hq', tokens, tokens.slice(0, 3).map((token, i) => ({ token, upn: `u${i}@example.com`, name: `Fob ${i}`, offsetSteps: i - 1, at: NOW + i * 1000 })));
    const first = exportBatch(inventory, { format: 'graph-json', actor: ADMIN, now: NOW });
    const fileBytes = readFileSync(first.filePath!);
    const manifestBytes = readFileSync(first.manifestPath!);
    // More hand-outs and another batch afterwards must not change batch 1.
    handOutAll(inventory, [{ token: tokens[3]!, upn: 'late@example.com', at: NOW - 5000 }]);
    exportBatch(inventory, { format: 'graph-json', actor: ADMIN, now: NOW });
    rmSync(first.filePath!);
    rmSync(first.manifestPath!);

    const again = exportBatch(inventory, { batch: 'hq-20261129-1', actor: ADMIN, now: NOW + 3_600_000 });
    expect(again.rewritten).toBe(true);
    expect(again.filePath).toBe(first.filePath);
    expect(readFileSync(again.filePath!).equals(fileBytes)).toBe(true);
    expect(readFileSync(again.manifestPath!).equals(manifestBytes)).toBe(true);
    expect(statSync(again.filePath!).mode & 0o777).toBe(0o600);

    const elsewhere = tempDir();
    const byNumber = exportBatch(inventory, { batch: 1, outDir: elsewhere, actor: ADMIN });
    expect(readFileSync(byNumber.filePath!).equals(fileBytes)).toBe(true);
    expect(readdirSync(elsewhere).sort()).toEqual(['tokendesk-hq-20261129-1.json', 'tokendesk-hq-20261129-1.manifest.json']);
    const audit = inventory.sqlite.prepare("SELECT subject FROM audit_log WHERE action = 'rewrite-batch'").all() as Array<{ subject: string }>;
    expect(audit).toHaveLength(2);
    expect(JSON.parse(audit[0]!.subject)).toMatchObject({ batch: 'hq-20261129-1', sha256: first.manifest!.sha256 });
  });

  it('refuses a void batch, another format, an unknown batch, and filters that do not apply', async () => {
    const { inventory } = await withHandOuts(2);
    const first = exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    expect(refusalOf(() => exportBatch(inventory, { batch: first.manifest!.batch, format: 'graph-json', actor: ADMIN })).code).toBe('format-differs');
    expect(refusalOf(() => exportBatch(inventory, { batch: 'nope-1', actor: ADMIN })).code).toBe('unknown-batch');
    expect(refusalOf(() => exportBatch(inventory, { batch: 1, since: '2026-01-01', actor: ADMIN })).code).toBe('bad-request');
    voidBatch(inventory, { batch: 1, reason: 'wrong tenant', actor: ADMIN });
    const error = refusalOf(() => exportBatch(inventory, { batch: 1, actor: ADMIN }));
    expect(error.code).toBe('batch-void');
    expect(error.message).toContain('wrong tenant');
  });

  it('refuses, writing nothing, when the stored rows would no longer give the same bytes', async () => {
    const { inventory } = await withHandOuts(2);
    const first = exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    rmSync(first.filePath!);
    // Someone edited a stored row behind tokendesk's back.
    inventory.sqlite.prepare("UPDATE assignments SET upn = 'other@example.com' WHERE id = 1").run();
    expect(refusalOf(() => exportBatch(inventory, { batch: 1, actor: ADMIN })).code).toBe('rewrite-differs');
    expect(existsSync(first.filePath!)).toBe(false);
  });
});

describe('graph-json batches exported before layout 2 (the "tokendesk" member in the file)', () => {
  /** What the previous version left: the layout 1 file, its sha256 in the batch row, a manifest without layout or assignments. */
  async function legacyBatch() {
    const inventory = await goldenDesk([...GOLDEN_ROWS, GOLDEN_SHA256_ROW]);
    const out = tempDir();
    const first = exportBatch(inventory, { format: 'graph-json', outDir: out, actor: ADMIN, now: NOW });
    const v1 = Buffer.from(fixture('export', 'batch.graph.v1.json'));
    inventory.sqlite.prepare('UPDATE batches SET sha256 = ? WHERE id = 1').run(sha256(v1));
    writeFileSync(first.filePath!, v1);
    const { layout: _two, ...fields } = first.manifest!;
    const manifestText = `${JSON.stringify({ ...fields, sha256: sha256(v1) }, null, 2)}\n`;
    writeFileSync(first.manifestPath!, manifestText);
    return { inventory, first, v1, manifestText, out };
  }

  it('are written again byte for byte in their own layout, manifest included', async () => {
    const { inventory, first, v1, manifestText } = await legacyBatch();
    rmSync(first.filePath!);
    rmSync(first.manifestPath!);
    const again = exportBatch(inventory, { batch: 1, actor: ADMIN, outDir: tempDir() });
    expect(readFileSync(again.filePath!).equals(v1)).toBe(true);
    expect(readFileSync(again.manifestPath!, 'utf8')).toBe(manifestText);
    expect(again.manifest).not.toHaveProperty('layout');
  });

  it('merge, taking who gets each token from the file; the merged file is layout 2 with them in its manifest', async () => {
    const { first } = await legacyBatch();
    const merged = await mergeBatches({ files: [first.filePath!], outDir: join(tempDir(), 'upload'), now: NOW });
    expect(readFileSync(merged.filePath).equals(Buffer.from(fixture('export', 'batch.graph.json')))).toBe(true);
    const v1 = JSON.parse(Buffer.from(fixture('export', 'batch.graph.v1.json')).toString('utf8')) as { tokendesk: { assignments: unknown[] } };
    const manifest = JSON.parse(readFileSync(merged.manifestPath, 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ merge: true, format: 'graph-json', layout: 2, count: 3, assignments: v1.tokendesk.assignments });
  });
});

describe('exportBatch: files an interrupted export left', () => {
  it('sets aside a file under a batch name the database does not know, then exports under that name', async () => {
    const { inventory } = await withHandOuts(2);
    const exportsDir = inventory.paths.exports;
    // What a crash between the rename and the commit leaves: a whole file, no batch row.
    writeFileSync(join(exportsDir, 'tokendesk-desk-a-20261129-1.csv'), 'left by a crash\n');
    writeFileSync(join(exportsDir, 'tokendesk-desk-a-20261129-1.manifest.json'), '{}\n');
    writeFileSync(join(exportsDir, 'tokendesk-desk-b-20261129-1.csv'), 'another desk\n');
    const out = tempDir();
    writeFileSync(join(out, '.tmp-tokendesk-desk-a-20261129-1.csv.abcd1234'), 'half');

    const result = exportBatch(inventory, { format: 'entra-csv', outDir: out, actor: ADMIN, now: NOW });
    expect(result.orphaned.moved.map((m) => m.from).sort()).toEqual([
      join(exportsDir, 'tokendesk-desk-a-20261129-1.csv'),
      join(exportsDir, 'tokendesk-desk-a-20261129-1.manifest.json'),
    ]);
    expect(result.orphaned.removedTemps).toEqual([join(out, '.tmp-tokendesk-desk-a-20261129-1.csv.abcd1234')]);
    expect(readFileSync(join(exportsDir, 'orphaned', 'tokendesk-desk-a-20261129-1.csv'), 'utf8')).toBe('left by a crash\n');
    expect(readdirSync(exportsDir).sort()).toEqual(['orphaned', 'tokendesk-desk-b-20261129-1.csv']);
    expect(result.manifest!.batch).toBe('desk-a-20261129-1');
    expect(readdirSync(out).sort()).toEqual(['tokendesk-desk-a-20261129-1.csv', 'tokendesk-desk-a-20261129-1.manifest.json']);
  });

  it('leaves the files of recorded batches alone', async () => {
    const { inventory } = await withHandOuts(2);
    const result = exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    mkdirSync(join(inventory.paths.exports, 'sub'));
    expect(sweepOrphanedBatchFiles(inventory)).toEqual({ moved: [], removedTemps: [] });
    expect(existsSync(result.filePath!)).toBe(true);
  });
});
