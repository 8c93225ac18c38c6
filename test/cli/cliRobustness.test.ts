/**
 * Issue 11 item 9: one --limit parser for every command that has the option, --since checked, and
 * two identical imports at once (two real processes) ending cleanly: one imports, the other finds
 * it already imported; never "unexpected error: UNIQUE constraint failed".
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, json, tokendesk } from '../support/cli.js';
import { tempDir, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';

function newHome(): string {
  const home = join(tempDir(), 'home');
  expect(tokendesk(['init'], { home }).status).toBe(0);
  return home;
}

function cli(args: string[], home: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args, '--home', home], { env: { ...process.env, TOKENDESK_AS: '', TOKENDESK_PIN: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('CLI robustness', () => {
  it('--limit takes a whole number in range, the same way in every command (exit 2, one line)', () => {
    const home = newHome();
    const commands: Array<[string[], number]> = [
      [['tokens', 'list'], 1_000_000],
      [['audit', 'list'], 1_000_000],
      [['roster', 'search', 'an'], 100],
    ];
    for (const [command, max] of commands) {
      for (const bad of ['-1', '0', 'abc', '1e3', '2.5', '99999999999999999999', String(max + 1)]) {
        const result = tokendesk([...command, `--limit=${bad}`], { home });
        expect(result.status, `${command.join(' ')} --limit=${bad}: ${result.stderr}`).toBe(2);
        expect(result.stderr).toBe(`tokendesk: --limit takes a whole number from 1 to ${max} (got "${bad}")\n`);
        expect(result.stdout).toBe('');
      }
      expect(tokendesk([...command, '--limit', String(max)], { home }).status, command.join(' ')).toBe(0);
    }
  });

  it('audit list --since takes an ISO date or time, nothing else', () => {
    const home = newHome();
    for (const bad of ['notadate', '1', '2026-13-45', 'yesterday']) {
      const result = tokendesk(['audit', 'list', '--since', bad], { home });
      expect(result.status, bad).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('--since takes an ISO date or time');
    }
    expect(tokendesk(['audit', 'list', '--since', '2026-11-29'], { home }).status).toBe(0);
    expect(tokendesk(['audit', 'list', '--since', '2026-11-29T09:00:00Z', '--json'], { home }).status).toBe(0);
  });

  it('two identical imports at once: one imports, the other finds it imported; nothing fails', async () => {
    for (let round = 0; round < 3; round++) {
      const home = newHome();
      const file = writeTemp('box.csv', entraCsv(makeTokens(20_000)));
      const results = await Promise.all([cli(['import', file, '--json'], home), cli(['import', file, '--json'], home)]);
      for (const r of results) {
        expect(r.stderr).not.toMatch(/unexpected error|UNIQUE|SQLITE/);
        expect(r.status, r.stderr).toBe(0);
      }
      const reports = results.map((r) => json<{ committed: boolean; alreadyImported: boolean; added: number }>(r));
      expect(reports.filter((r) => r.committed)).toHaveLength(1);
      expect(reports.filter((r) => r.alreadyImported)).toHaveLength(1);
      const listed = json<{ tokens: unknown[] }>(tokendesk(['tokens', 'list', '--json'], { home }));
      expect(listed.tokens).toHaveLength(20_000);
    }
  });
});
