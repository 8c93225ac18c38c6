/**
 * Issue 11 defect 1 from the command line: `batch mark-uploaded --purge-seeds` removes the batch's
 * plaintext files in the home and in --out folders, and names (text and --json) the copy it could
 * not reach; after it, no file the desk wrote holds a seed.
 */
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeAt } from '../../src/core/totp.js';
import { tempDir } from '../support/home.js';
import { json, tokendesk } from '../support/cli.js';
import { handedOutHome } from '../support/cliDesk.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';

describe('purge removes the plaintext copies a batch wrote', () => {
  it('in the home and an --out folder; names one it cannot reach, in text and --json', () => {
    const { dir, home, tokens } = handedOutHome(2);
    const stick = join(dir, 'stick');
    const first = json<{ filePath: string; manifest: { batch: string } }>(tokendesk(['export', '--out', stick, '--json'], { home }));
    const batch = first.manifest.batch;
    const inHome = json<{ filePath: string }>(tokendesk(['export', '--batch', batch, '--json'], { home }));
    const share = join(dir, 'share');
    const onShare = json<{ filePath: string }>(tokendesk(['export', '--batch', batch, '--out', share, '--json'], { home }));
    renameSync(share, `${share}-unmounted`);

    const purged = tokendesk(['batch', 'mark-uploaded', batch, '--purge-seeds', '--json'], { home });
    expect(purged.status, purged.stderr).toBe(0);
    expect(json(purged)).toMatchObject({
      ok: true,
      purged: 2,
      files: { removed: [first.filePath, inHome.filePath], left: [{ path: onShare.filePath, holdsSeeds: true, reason: expect.stringMatching(/cannot be reached/) }] },
    });
    expect(existsSync(first.filePath)).toBe(false);
    expect(existsSync(inHome.filePath)).toBe(false);
    // doctor names the copy that may still be on the share.
    const seedsCheck = () => json<{ checks: Array<{ name: string; ok: boolean; summary: string }> }>(tokendesk(['doctor', '--json'], { home })).checks.find((c) => c.name === 'seeds');
    expect(seedsCheck()).toMatchObject({ ok: false, summary: expect.stringContaining(`${onShare.filePath} (batch ${batch}, purged; its folder cannot be reached now)`) });

    // Plugged in again: the text names it until it is gone, then says no copy is left.
    renameSync(`${share}-unmounted`, share);
    const text = tokendesk(['batch', 'mark-uploaded', batch, '--purge-seeds'], { home });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`removed ${onShare.filePath} (overwritten with zeros, then deleted)`);
    expect(text.stdout).toMatch(/No plaintext copy of these seeds that this desk wrote is left/);
    expect(seedsCheck()).toMatchObject({ ok: true });

    // Nothing under the home, the stick or the share holds a seed now.
    for (const folder of [home, stick, share]) {
      for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const bytes = readFileSync(join(entry.parentPath, entry.name));
        for (const t of tokens) expect(bytes.includes(t.base32), `${entry.name} holds a seed`).toBe(false);
      }
    }
  }, 120_000);

  it('says in text which copy it left', () => {
    const dir = tempDir();
    const tokens = makeTokens(1);
    const seedFile = join(dir, 'box.csv');
    writeFileSync(seedFile, entraCsv(tokens));
    const home = join(dir, 'home');
    expect(tokendesk(['init', '--desk', 'hq'], { home }).status).toBe(0);
    expect(tokendesk(['import', seedFile], { home }).status).toBe(0);
    const code = codeAt({ secret: tokens[0]!.secret, algorithm: 'SHA1', digits: 6, period: 30 }, Date.now());
    expect(tokendesk(['assign', '--serial', tokens[0]!.serial, '--upn', 'e@contoso.com', '--code', code], { home }).status).toBe(0);
    const exported = json<{ filePath: string; manifest: { batch: string } }>(tokendesk(['export', '--json'], { home }));
    writeFileSync(exported.filePath, `${readFileSync(exported.filePath, 'utf8')}# edited\n`);
    const text = tokendesk(['batch', 'mark-uploaded', exported.manifest.batch, '--purge-seeds'], { home });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`NOT removed ${exported.filePath} (holds seeds in plain text): its bytes changed since tokendesk wrote it`);
    expect(text.stdout).toMatch(/Delete those copies by hand/);
  }, 60_000);
});
