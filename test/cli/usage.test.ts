/** The command line as git users expect it: global options anywhere, one-line usage errors, quiet pipes. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, json, tokendesk } from '../support/cli.js';
import { tempDir, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';

function newHome(tokens = 0): string {
  const home = join(tempDir(), 'home');
  expect(tokendesk(['init', '--desk', 'cli-1'], { home }).status).toBe(0);
  if (tokens > 0) expect(tokendesk(['import', writeTemp('box.csv', entraCsv(makeTokens(tokens)))], { home }).status).toBe(0);
  return home;
}

describe('the command line', () => {
  it('takes --home and --json before the command name, as git does', () => {
    const home = newHome(3);
    const before = tokendesk(['--home', home, '--json', 'tokens', 'list']);
    expect(before.status, before.stderr).toBe(0);
    expect(json<{ tokens: unknown[] }>(before).tokens).toHaveLength(3);
    const between = tokendesk(['tokens', '--home', home, 'list', '--json']);
    expect(json<{ tokens: unknown[] }>(between).tokens).toHaveLength(3);
  });

  it('names a mistyped command and suggests the right one (exit 2, one line)', () => {
    const result = tokendesk(['batchs', 'list']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("tokendesk: unknown command 'batchs'; did you mean batch? (see tokendesk --help)\n");
    const sub = tokendesk(['tokens', 'lisst']);
    expect(sub.status).toBe(2);
    expect(sub.stderr.trim().split('\n')).toHaveLength(1);
    expect(sub.stderr).toMatch(/unknown command 'lisst'; did you mean list\?/);
  });

  it('cuts an echoed argument short', () => {
    const long = 'x'.repeat(100_000);
    const result = tokendesk([long]);
    expect(result.status).toBe(2);
    expect(result.stderr.length).toBeLessThan(200);
  });

  it('ends quietly when the reader of its output goes away (| head)', () => {
    const home = newHome(4000);
    // Far more than a pipe holds, so the writer meets the closed pipe.
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" tokens list --home "${home}" | head -c 100 >/dev/null; echo "exit=$?"`], {
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('exit=0');
  });
});
