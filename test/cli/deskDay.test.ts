/**
 * The desk-day fixes on the command line (issue 12, items 9 and 10): `audit list` shows the newest
 * entries first (`--oldest` the other way, `--limit` keeps the end asked for), and `export` with
 * nothing waiting exits 1, "nothing changed", as the other commands do.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/home.js';
import { json, tokendesk } from '../support/cli.js';

function deskWithStaff(): string {
  const home = join(tempDir(), 'home');
  expect(tokendesk(['init', '--desk', 'hq'], { home }).status).toBe(0);
  for (const [name, pin] of [['anna', '90817263'], ['ben', '51627384'], ['cleo', '73829104']] as const) {
    const added = tokendesk(['staff', 'add', name, '--role', 'admin', '--pin-stdin'], { home, input: `${pin}\n`, as: name === 'anna' ? undefined : { name: 'anna', pin: '90817263' } });
    expect(added.status, added.stderr).toBe(0);
  }
  return home;
}

describe('audit list order', () => {
  it('shows the newest first; --limit keeps the newest; --oldest turns it round', () => {
    const home = deskWithStaff();
    const all = json<{ entries: Array<{ seq: number }> }>(tokendesk(['audit', 'list', '--json', '--oldest'], { home })).entries.map((e) => e.seq);
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(all).toEqual([...all].sort((a, b) => a - b));
    const newest = json<{ entries: Array<{ seq: number }> }>(tokendesk(['audit', 'list', '--json', '--limit', '2'], { home })).entries.map((e) => e.seq);
    expect(newest).toEqual([all.at(-1), all.at(-2)]);
    const oldest = json<{ entries: Array<{ seq: number }> }>(tokendesk(['audit', 'list', '--json', '--limit', '2', '--oldest'], { home })).entries.map((e) => e.seq);
    expect(oldest).toEqual([all[0], all[1]]);
    const text = tokendesk(['audit', 'list', '--limit', '1'], { home });
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^#${all.at(-1)} `));
  });
});

describe('export with nothing waiting', () => {
  it('exits 1 and says nothing was written, with and without --json', () => {
    const home = deskWithStaff();
    const as = { name: 'anna', pin: '90817263' };
    const text = tokendesk(['export', '--out', tempDir()], { home, as });
    expect(text.status, text.stderr).toBe(1);
    expect(text.stdout).toMatch(/Nothing to export: .* Nothing was written\./);
    const asJson = tokendesk(['export', '--out', tempDir(), '--json'], { home, as });
    expect(asJson.status).toBe(1);
    expect(json(asJson)).toMatchObject({ manifest: null });
  });
});
