import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { codeAtStep, timeStep } from '../../src/core/totp.js';
import { exportBatch } from '../../src/services/exportBatch.js';
import { handOut } from '../../src/services/handOut.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { findToken } from '../../src/store/tokenRepo.js';
import { ADMIN, STAFF, freshInventory, snapshot, tempDir, writeTemp } from '../support/home.js';
import { ENTRA_HEADER, entraCsv, makeTokens } from '../support/seedFiles.js';

const NOW = Date.UTC(2026, 10, 29, 9, 0, 10);

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

describe('exportBatch (Entra CSV)', () => {
  it('writes the batch file and manifest, 0600, and marks the hand-outs exported', async () => {
    const { inventory, tokens } = await withHandOuts(3);
    const out = tempDir();
    const result = exportBatch(inventory, { format: 'entra-csv', outDir: out, actor: ADMIN, now: NOW });
    expect(result.manifest).toMatchObject({ batch: 'desk-a-20261129-1', deskId: 'desk-a', format: 'entra-csv', count: 3 });
    const bytes = readFileSync(result.filePath!);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(result.manifest!.sha256);
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
    expect(exportBatch(inventory, { format: 'entra-csv', outDir: out, actor: ADMIN, now: NOW })).toEqual({ manifest: null, leftWaiting: [] });
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
    let error: unknown;
    try {
      exportBatch(inventory, { format: 'entra-csv', outDir: out, actor: ADMIN });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Refusal);
    expect((error as Refusal).message).toContain(tokens[0]!.serial);
    expect((error as Refusal).message).toContain('graph-json');
    expect(readdirSync(out)).toEqual([]);
    expect(snapshot(inventory.paths.database)).toBe(before);
  });

  it('is for admins only', async () => {
    const { inventory } = await withHandOuts(1);
    expect(() => exportBatch(inventory, { format: 'entra-csv', actor: STAFF })).toThrow(/may not export/);
  });
});
