/**
 * `tokendesk staff` and `tokendesk roster` from the command line, as an admin sets up a desk.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/home.js';
import { CLI, json, tokendesk } from '../support/cli.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/roster/${name}`, import.meta.url));

function newHome(): string {
  const home = join(tempDir(), 'home');
  const init = tokendesk(['init', '--desk', 'hq'], { home });
  expect(init.status, init.stderr).toBe(0);
  return home;
}

function pinHashes(home: string): string[] {
  const sqlite = new Database(join(home, 'tokendesk.db'), { readonly: true });
  try {
    return (sqlite.prepare('SELECT pin_hash AS h FROM staff ORDER BY id').all() as Array<{ h: string }>).map((r) => r.h);
  } finally {
    sqlite.close();
  }
}

interface StaffJson {
  ok: boolean;
  staff: Array<{ name: string; role: string; disabled: boolean; lockedUntilMs: number | null }>;
}

describe('tokendesk staff', () => {
  it('adds the first admin and a desk worker with --pin-stdin, lists them, and disables one', () => {
    const home = newHome();
    const first = tokendesk(['staff', 'add', 'anna', '--role', 'admin', '--pin-stdin'], { home, input: '90817263\n' });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Added anna \(admin\)/);

    const anna = { name: 'anna', pin: '90817263' };
    const second = tokendesk(['staff', 'add', 'ben', '--role', 'staff', '--pin-stdin', '--json'], { home, input: '55102938\r\n', as: anna });
    expect(second.status, second.stderr).toBe(0);
    expect(json(second)).toMatchObject({ ok: true, staff: { name: 'ben', role: 'staff', disabled: false } });

    const listed = tokendesk(['staff', 'list', '--json'], { home });
    expect(listed.status).toBe(0);
    expect(json<StaffJson>(listed).staff.map((s) => [s.name, s.role, s.disabled])).toEqual([
      ['anna', 'admin', false],
      ['ben', 'staff', false],
    ]);
    for (const output of [first.stdout, second.stdout, listed.stdout]) {
      expect(output).not.toMatch(/90817263|55102938|scrypt/);
    }
    const hashes = pinHashes(home);
    expect(hashes).toHaveLength(2);
    for (const h of hashes) expect(h).toMatch(/^scrypt\$/);
    expect(hashes.join()).not.toMatch(/90817263|55102938/);

    const disabled = tokendesk(['staff', 'disable', 'BEN'], { home, as: anna });
    expect(disabled.status, disabled.stderr).toBe(0);
    expect(disabled.stdout).toMatch(/ben is disabled/);
    const text = tokendesk(['staff', 'list'], { home });
    expect(text.stdout).toMatch(/^ben\s+staff\s+disabled/m);
    expect(text.stdout).toMatch(/^anna\s+admin\s+active/m);
  });

  it('refuses, with exit 1 and a message that says what to do: last admin, duplicates, bad PINs', () => {
    const home = newHome();
    expect(tokendesk(['staff', 'add', 'anna', '--role', 'admin', '--pin-stdin'], { home, input: '1234\n' }).status).toBe(0);
    const anna = { name: 'anna', pin: '1234' };

    const last = tokendesk(['staff', 'disable', 'anna'], { home, as: anna });
    expect(last.status).toBe(1);
    expect(last.stderr).toMatch(/anna is the last enabled admin: add another admin first/);

    const duplicate = tokendesk(['staff', 'add', 'Anna', '--role', 'staff', '--pin-stdin', '--json'], { home, input: '1234\n', as: anna });
    expect(duplicate.status).toBe(1);
    expect(json(duplicate)).toMatchObject({ ok: false, error: { code: 'staff-exists' } });

    const shortPin = tokendesk(['staff', 'add', 'ben', '--role', 'staff', '--pin-stdin'], { home, input: '12\n', as: anna });
    expect(shortPin.status).toBe(1);
    expect(shortPin.stderr).toMatch(/a PIN is 4 to 12 digits/);
    expect(shortPin.stderr).not.toContain('12\n12');

    const unknown = tokendesk(['staff', 'disable', 'nobody'], { home, as: anna });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/there is no staff member called nobody/);
    expect(json<StaffJson>(tokendesk(['staff', 'list', '--json'], { home })).staff).toHaveLength(1);
  });

  it('exits 2 on usage errors: no TTY to ask the PIN on, a bad role', () => {
    const home = newHome();
    const noTty = tokendesk(['staff', 'add', 'anna', '--role', 'admin'], { home });
    expect(noTty.status).toBe(2);
    expect(noTty.stderr).toMatch(/standard input is not a terminal.*--pin-stdin/);
    const badRole = tokendesk(['staff', 'add', 'anna', '--role', 'boss', '--pin-stdin'], { home, input: '1234\n' });
    expect(badRole.status).toBe(2);
    expect(badRole.stderr).toMatch(/--role must be one of staff, admin/);
    expect(tokendesk(['staff', 'add', 'anna', '--pin-stdin'], { home, input: '1234\n' }).status).toBe(2);
    expect(json<StaffJson>(tokendesk(['staff', 'list', '--json'], { home })).staff).toEqual([]);
  });

  const python = spawnSync('python3', ['-c', 'import pty'], { encoding: 'utf8' });
  const havePty = python.status === 0;
  if (!havePty) console.warn('skipping the terminal PIN prompt test: python3 with the pty module is not installed');

  it.skipIf(!havePty)('asks for the PIN twice on a terminal without echoing it', () => {
    const home = newHome();
    // A tiny pseudo-terminal driver: wait for each prompt, type a PIN, collect everything shown.
    const driver = `
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
shown = b''
def until(text, limit=20.0):
    global shown
    end = time.time() + limit
    while text not in shown and time.time() < end:
        try:
            shown += os.read(fd, 4096)
        except OSError:
            break
for prompt, pin in ((b'PIN for', b'70615243'), (b'same PIN again', b'70615243')):
    until(prompt)
    time.sleep(0.2)
    os.write(fd, pin + b'\\r')
until(b'Added')
_, status = os.waitpid(pid, 0)
sys.stdout.write(shown.decode('utf8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(status))
`;
    const result = spawnSync('python3', ['-c', driver, process.execPath, CLI, 'staff', 'add', 'carol', '--role', 'admin', '--home', home], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/PIN for carol \(4 to 12 digits\): [\s\S]*The same PIN again: [\s\S]*Added carol \(admin\)/);
    expect(result.stdout).not.toContain('70615243');
    expect(pinHashes(home)).toHaveLength(1);
  });
});

describe('tokendesk roster import', () => {
  it('imports a roster, refuses a bad one with line numbers (exit 1), and dry-runs', () => {
    const home = newHome();
    const bad = tokendesk(['roster', 'import', fixture('people-bad.csv')], { home });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/line 3: UPN: a UPN looks like name@example.com/);
    expect(bad.stdout).toMatch(/line 7: it has 3 cells, the header has 4/);
    expect(bad.stdout).toMatch(/nothing was imported/);

    const dry = tokendesk(['roster', 'import', fixture('people.csv'), '--dry-run', '--json'], { home });
    expect(dry.status, dry.stderr).toBe(0);
    expect(json(dry)).toMatchObject({ ok: true, added: 5, committed: false, dryRun: true, rosterSize: 0 });

    const good = tokendesk(['roster', 'import', fixture('people.csv'), '--json'], { home });
    expect(json(good)).toMatchObject({ ok: true, added: 5, updated: 0, committed: true, rosterSize: 5 });
    const update = tokendesk(['roster', 'import', fixture('people-update.csv'), '--json'], { home });
    expect(json(update)).toMatchObject({ ok: true, added: 1, updated: 2, unchanged: 1, rosterSize: 6 });

    const found = tokendesk(['roster', 'search', 'garc', '--json'], { home });
    expect(json(found)).toEqual({ ok: true, people: [{ upn: 'jose.garcia@example.com', displayName: 'José García', employeeId: 'E1003', badge: null, login: null }] });

    const missing = tokendesk(['roster', 'import', fixture('no-header.csv')], { home });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/line 1 is not a roster header/);
  });
});
