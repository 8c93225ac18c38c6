/**
 * The whole foundation from the command line, as an admin and a desk would use it: a box of
 * 100,000 seeds imported, a sample handed out with codes from Debian's oathtool (an independent
 * TOTP implementation), an export, and the audit chain verified.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/home.js';
import { json, tokendesk } from '../support/cli.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';
import { oathtoolAvailable, oathtoolTotp } from '../support/oathtool.js';
import { codeAt } from '../../src/core/totp.js';

const ROWS = 100_000;

describe('tokendesk CLI: import, assign, export, audit', () => {
  it(`imports ${ROWS.toLocaleString('en-US')} seeds, hands out a sample, exports and verifies the trail`, () => {
    const dir = tempDir();
    const home = join(dir, 'home');
    expect(tokendesk(['init', '--desk', 'hq'], { home }).status).toBe(0);

    const tokens = makeTokens(ROWS);
    const seedFile = join(dir, 'box.csv');
    writeFileSync(seedFile, entraCsv(tokens, { eol: '\r\n' }));

    const imported = tokendesk(['import', seedFile, '--json'], { home });
    expect(imported.status, imported.stderr).toBe(0);
    expect(json(imported)).toMatchObject({ committed: true, added: ROWS, format: 'entra-csv' });

    const sample = Array.from({ length: 12 }, (_, i) => tokens[i * 8311]!);
    sample.forEach((t, i) => {
      const now = Math.floor(Date.now() / 1000);
      const code = oathtoolAvailable
        ? oathtoolTotp({ secretHex: t.secretHex, algorithm: 'SHA1', digits: 6, period: 30, unixSeconds: now })[0]!
        : codeAt({ secret: t.secret, algorithm: 'SHA1', digits: 6, period: 30 }, now * 1000);
      const assigned = tokendesk(['assign', '--serial', t.serial, '--upn', `employee${i}@contoso.com`, '--code', code, '--json'], { home });
      expect(assigned.status, assigned.stdout + assigned.stderr).toBe(0);
      expect(json(assigned)).toMatchObject({ ok: true, serial: t.serial });
    });

    const exported = tokendesk(['export', '--format', 'entra-csv', '--json'], { home });
    expect(exported.status, exported.stderr).toBe(0);
    const { manifest, filePath } = json<{ manifest: { count: number; batch: string }; filePath: string }>(exported);
    expect(manifest.count).toBe(sample.length);
    expect(statSync(filePath).mode & 0o777).toBe(0o600);
    const lines = readFileSync(filePath, 'utf8').trim().split(/\r?\n/);
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(sample.map((t) => t.serial));

    const listed = json<{ tokens: unknown[] }>(tokendesk(['tokens', 'list', '--status', 'exported', '--json'], { home }));
    expect(listed.tokens).toHaveLength(sample.length);

    const verified = tokendesk(['audit', 'verify', '--json'], { home });
    expect(verified.status).toBe(0);
    expect(json(verified)).toMatchObject({ ok: true, rows: 1 + sample.length + 1 });
  });
});

describe('tokendesk CLI: refusals and usage', () => {
  it('exits 2 on a usage error and 1 on a refusal, with messages that say what to do', () => {
    const home = join(tempDir(), 'home');
    const usage = tokendesk(['import'], { home });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/missing required argument/);

    const notInit = tokendesk(['tokens', 'list'], { home });
    expect(notInit.status).toBe(1);
    expect(notInit.stderr).toContain('tokendesk init');

    expect(tokendesk(['init'], { home }).status).toBe(0);
    const badFormat = tokendesk(['export', '--format', 'xml'], { home });
    expect(badFormat.status).toBe(2);
    expect(badFormat.stderr).toMatch(/--format must be one of entra-csv, graph-json, oath-csv/);

    const unknown = tokendesk(['assign', '--serial', '123', '--upn', 'a@example.com', '--code', '123456'], { home });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/not in this inventory/);
  });

  it('refuses the kiosk without a terminal and points to the CLI', () => {
    const result = tokendesk(['kiosk'], { home: join(tempDir(), 'home') });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/needs a terminal.*tokendesk assign/s);
  });

  it('shows tokens without their secrets', () => {
    const dir = tempDir();
    const home = join(dir, 'home');
    tokendesk(['init'], { home });
    const tokens = makeTokens(2);
    writeFileSync(join(dir, 's.csv'), entraCsv(tokens));
    tokendesk(['import', join(dir, 's.csv')], { home });
    const shown = tokendesk(['tokens', 'show', tokens[1]!.serial], { home });
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain(tokens[1]!.serial);
    expect(shown.stdout).toContain('in-stock');
    for (const out of [shown.stdout, tokendesk(['tokens', 'show', tokens[1]!.serial, '--json'], { home }).stdout]) {
      expect(out).not.toContain(tokens[1]!.base32);
      expect(out).not.toContain(tokens[1]!.secretHex);
    }
  });
});
