/**
 * The batch lifecycle from the command line: export, list, show, rewrite, void, export again, mark
 * uploaded with the purge, and a merge of two desks; exit codes 0 (ok), 1 (refused), 2 (usage) and
 * the --json documents scripts read.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeAt } from '../../src/core/totp.js';
import { tempDir } from '../support/home.js';
import { json, tokendesk } from '../support/cli.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';

const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');

function deskHome(dir: string, deskId: string, seedFile: string): string {
  const home = join(dir, deskId);
  expect(tokendesk(['init', '--desk', deskId], { home }).status).toBe(0);
  const imported = tokendesk(['import', seedFile, '--json'], { home });
  expect(imported.status, imported.stderr).toBe(0);
  return home;
}

function assign(home: string, token: TestToken, upn: string): void {
  const code = codeAt({ secret: token.secret, algorithm: 'SHA1', digits: 6, period: 30 }, Date.now());
  const result = tokendesk(['assign', '--serial', token.serial, '--upn', upn, '--code', code, '--json'], { home });
  expect(result.status, result.stdout + result.stderr).toBe(0);
}

// About 30 runs of the CLI each, a second or so apiece on a busy 2-core machine.
const SLOW = 180_000;

describe('tokendesk export / batch', () => {
  it('runs the whole lifecycle with the documented exit codes and JSON', () => {
    const dir = tempDir();
    const tokens = makeTokens(6);
    const seedFile = join(dir, 'box.csv');
    writeFileSync(seedFile, entraCsv(tokens));
    const home = deskHome(dir, 'hq', seedFile);
    tokens.slice(0, 3).forEach((t, i) => assign(home, t, `employee${i}@contoso.com`));
    const name = `hq-${today}-1`;

    const exported = tokendesk(['export', '--format', 'graph-json', '--json'], { home });
    expect(exported.status, exported.stderr).toBe(0);
    const first = json<{ ok: true; manifest: { batch: string; count: number; sha256: string; format: string }; filePath: string; manifestPath: string; leftWaiting: unknown[]; rewritten: boolean; orphaned: { moved: unknown[] } }>(exported);
    expect(first).toMatchObject({ ok: true, manifest: { batch: name, count: 3, format: 'graph-json' }, leftWaiting: [], rewritten: false, orphaned: { moved: [], removedTemps: [] } });
    const originalBytes = readFileSync(first.filePath);

    const listed = tokendesk(['batch', 'list', '--json'], { home });
    expect(listed.status).toBe(0);
    expect(json(listed)).toMatchObject({ ok: true, batches: [{ id: 1, name, status: 'exported', rowCount: 3, format: 'graph-json', deskId: 'hq' }] });

    for (const id of [name, '1']) {
      const shown = tokendesk(['batch', 'show', id, '--json'], { home });
      expect(shown.status).toBe(0);
      const doc = json<{ batch: { name: string }; rows: Array<{ serial: string; upn: string; displayName: string; verifiedAt: string; offsetSteps: number }> }>(shown);
      expect(doc.batch.name).toBe(name);
      expect(doc.rows.map((r) => [r.serial, r.upn, r.displayName])).toEqual(tokens.slice(0, 3).map((t, i) => [t.serial, `employee${i}@contoso.com`, 'Token2 C202']));
      expect(typeof doc.rows[0]!.verifiedAt).toBe('string');
      expect(typeof doc.rows[0]!.offsetSteps).toBe('number');
    }
    const shownText = tokendesk(['batch', 'show', name], { home });
    expect(shownText.stdout).toContain(tokens[0]!.serial);
    for (const out of [shownText.stdout, tokendesk(['batch', 'show', name, '--json'], { home }).stdout]) {
      for (const t of tokens) {
        expect(out).not.toContain(t.base32);
        expect(out).not.toContain(t.secretHex);
      }
    }
    expect(tokendesk(['batch', 'show', 'hq-19990101-1'], { home }).status).toBe(1);

    // Written again, byte for byte.
    const rewritten = tokendesk(['export', '--batch', name, '--out', join(dir, 'copy'), '--json'], { home });
    expect(rewritten.status, rewritten.stderr).toBe(0);
    const again = json<{ rewritten: boolean; filePath: string }>(rewritten);
    expect(again.rewritten).toBe(true);
    expect(readFileSync(again.filePath).equals(originalBytes)).toBe(true);

    // Usage errors: 2.
    expect(tokendesk(['batch', 'void', name], { home }).status).toBe(2);
    expect(tokendesk(['export', '--since', 'yesterday-ish'], { home }).status).toBe(2);
    expect(tokendesk(['export', '--batch', name, '--since', '2026-01-01'], { home }).status).toBe(2);
    expect(tokendesk(['batch', 'merge', first.filePath], { home }).status).toBe(2);

    // Void: back to waiting; a second void is refused (1); a new export is batch 2.
    const voided = tokendesk(['batch', 'void', name, '--reason', 'typo in a UPN', '--json'], { home });
    expect(voided.status, voided.stderr).toBe(0);
    // Every copy it wrote goes, the one in --out too (overwritten, then deleted).
    const copyManifest = join(dir, 'copy', `tokendesk-${name}.manifest.json`);
    expect(json(voided)).toEqual({ ok: true, batch: name, returnedToWaiting: 3, removedFiles: [first.filePath, again.filePath, first.manifestPath, copyManifest], leftFiles: [] });
    const voidAgain = tokendesk(['batch', 'void', name, '--reason', 'again', '--json'], { home });
    expect(voidAgain.status).toBe(1);
    expect(json(voidAgain)).toMatchObject({ ok: false, error: { code: 'batch-void' } });

    const second = json<{ manifest: { batch: string; count: number } }>(tokendesk(['export', '--format', 'entra-csv', '--json'], { home }));
    expect(second.manifest).toMatchObject({ batch: `hq-${today}-2`, count: 3 });

    // Uploaded, seeds purged: said how many; the batch can no longer be written, and says why.
    const uploaded = tokendesk(['batch', 'mark-uploaded', '2', '--purge-seeds', '--json'], { home });
    expect(uploaded.status, uploaded.stderr).toBe(0);
    expect(json(uploaded)).toMatchObject({ ok: true, batch: `hq-${today}-2`, newlyMarked: true, purged: 3, alreadyPurged: 0, walCleared: true });
    const text = tokendesk(['batch', 'mark-uploaded', '2'], { home });
    expect(text.status).toBe(1);
    expect(text.stderr).toMatch(/already marked uploaded/);
    const refused = tokendesk(['export', '--batch', '2'], { home });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/seeds of 3 of its 3 token\(s\) were purged/);
    expect(json(tokendesk(['tokens', 'show', tokens[0]!.serial, '--json'], { home }))).toMatchObject({ token: { status: 'uploaded', seedPurged: true } });

    const audit = tokendesk(['audit', 'verify', '--json'], { home });
    expect(json(audit)).toMatchObject({ ok: true });
    const actions = json<{ entries: Array<{ action: string }> }>(tokendesk(['audit', 'list', '--json', '--oldest'], { home })).entries.map((e) => e.action);
    expect(actions.filter((a) => a !== 'hand-out' && a !== 'import')).toEqual(['export', 'rewrite-batch', 'void-batch', 'export', 'mark-uploaded', 'purge-seeds']);
  }, SLOW);

  it('merges two desks\' batches (0) and refuses a conflicting merge with the list (1)', () => {
    const dir = tempDir();
    const tokens = makeTokens(10);
    const seedFile = join(dir, 'box.csv');
    writeFileSync(seedFile, entraCsv(tokens));
    const a = deskHome(dir, 'desk-a', seedFile);
    const b = deskHome(dir, 'desk-b', seedFile);
    assign(a, tokens[0]!, 'ann@contoso.com');
    assign(b, tokens[5]!, 'bob@contoso.com');
    assign(b, tokens[0]!, 'cyd@contoso.com'); // the same token handed out at both desks
    const fromA = json<{ filePath: string }>(tokendesk(['export', '--format', 'graph-json', '--json'], { home: a }));
    const fromB = json<{ filePath: string }>(tokendesk(['export', '--format', 'graph-json', '--json'], { home: b }));

    const refused = tokendesk(['batch', 'merge', fromA.filePath, fromB.filePath, '--out', join(dir, 'upload'), '--json']);
    expect(refused.status).toBe(1);
    const error = json<{ ok: false; error: { code: string; conflicts: Array<{ kind: string; serial: string }> } }>(refused);
    expect(error.error.code).toBe('merge-conflicts');
    expect(error.error.conflicts).toEqual([expect.objectContaining({ kind: 'duplicate-serial', serial: tokens[0]!.serial })]);

    // A third desk with no overlap merges cleanly with desk A.
    const c = deskHome(dir, 'desk-c', seedFile);
    assign(c, tokens[6]!, 'dee@contoso.com');
    const fromC = json<{ filePath: string }>(tokendesk(['export', '--format', 'graph-json', '--json'], { home: c }));
    const merged = tokendesk(['batch', 'merge', fromA.filePath, fromC.filePath, '--out', join(dir, 'upload'), '--json']);
    expect(merged.status, merged.stderr).toBe(0);
    const doc = json<{ ok: true; manifest: { count: number; sources: Array<{ batch: string }> }; filePath: string }>(merged);
    expect(doc.manifest.count).toBe(2);
    expect(doc.manifest.sources.map((s) => s.batch)).toEqual([`desk-a-${today}-1`, `desk-c-${today}-1`]);
    const upload = JSON.parse(readFileSync(doc.filePath, 'utf8')) as { '@context': string; value: Array<{ serialNumber: string }> };
    expect(upload['@context']).toBe('#$delta');
    expect(upload.value.map((v) => v.serialNumber)).toEqual([tokens[0]!.serial, tokens[6]!.serial]);

    const plain = tokendesk(['batch', 'merge', fromA.filePath, fromB.filePath, '--out', join(dir, 'upload2')]);
    expect(plain.status).toBe(1);
    expect(plain.stderr).toMatch(/cannot be merged, 1 problem\(s\):\n {2}- serial .* is in batch desk-a-.* and in batch desk-b-/);
  }, SLOW);
});
