/**
 * Key modes and CLI authentication from the command line: `init --passphrase`, `key status`,
 * `key protect`, `key change-passphrase`, `key rotate`, the passphrase on every command that opens
 * the home (--passphrase-file or the terminal), and who acts: --as NAME with a PIN (terminal,
 * --pin-stdin, TOKENDESK_PIN), the passphrase holder, or the bootstrap admin while there is none.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeAt } from '../../src/core/totp.js';
import { openInventory } from '../../src/store/db.js';
import { findToken, openSeed } from '../../src/services/tokens.js';
import { tempDir } from '../support/home.js';
import { CLI, json, tokendesk } from '../support/cli.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';

const PASSPHRASE = 'correct horse battery staple';
const ANNA = { name: 'anna', pin: '90817263' };
const BEN = { name: 'ben', pin: '55102938' };

function secretFile(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, `${text}\n`, { mode: 0o600 });
  return file;
}

function expectSeeds(home: string, tokens: TestToken[], passphrase?: string): void {
  const inventory = openInventory(home, { passphrase });
  try {
    for (const t of tokens) expect(Buffer.from(openSeed(inventory, findToken(inventory, t.serial)!.id)).equals(Buffer.from(t.secret))).toBe(true);
  } finally {
    inventory.close();
  }
}

const auditActors = (home: string, passphraseFile: string) =>
  json<{ entries: Array<{ actor: string; action: string }> }>(tokendesk(['audit', 'list', '--json', '--oldest', '--passphrase-file', passphraseFile], { home })).entries;

describe('a passphrase-protected home from the command line', () => {
  it('init --passphrase, then every command needs the passphrase; the holder acts as an admin; rotate and change-passphrase', () => {
    const dir = tempDir();
    const home = join(dir, 'home');
    const pass = secretFile(dir, 'pass', PASSPHRASE);
    const init = tokendesk(['init', '--passphrase', '--passphrase-file', pass, '--desk', 'hq', '--json'], { home });
    expect(init.status, init.stderr).toBe(0);
    const created = json<{ keyMode: string; scrypt: { N: number; r: number; p: number } }>(init);
    expect(created.keyMode).toBe('passphrase');
    expect(created.scrypt.N).toBeGreaterThanOrEqual(2 ** 15);
    expect(json(tokendesk(['key', 'status', '--json'], { home }))).toMatchObject({ ok: true, mode: 'passphrase', scrypt: created.scrypt, rotationPending: false });

    // No passphrase and no terminal to ask on: a usage error saying what to add.
    const locked = tokendesk(['tokens', 'list'], { home });
    expect(locked.status).toBe(2);
    expect(locked.stderr).toMatch(/protected by a passphrase and standard input is not a terminal.*--passphrase-file FILE/);

    // A wrong passphrase: exit 1, a clear message, the passphrase never shown.
    const wrong = tokendesk(['tokens', 'list', '--passphrase-file', secretFile(dir, 'wrong', 'not the passphrase')], { home });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/that passphrase does not unlock the home .*1 wrong passphrase in a row/);
    expect(wrong.stdout + wrong.stderr).not.toContain('not the passphrase');

    // The passphrase holder imports (an admin command), even once admins exist.
    const tokens = makeTokens(30);
    const seeds = join(dir, 'seeds.csv');
    writeFileSync(seeds, entraCsv(tokens));
    const imported = tokendesk(['import', seeds, '--json', '--passphrase-file', pass], { home });
    expect(imported.status, imported.stderr).toBe(0);
    expect(tokendesk(['staff', 'add', 'anna', '--role', 'admin', '--pin-stdin', '--passphrase-file', pass], { home, input: `${ANNA.pin}\n` }).status).toBe(0);
    const rotated = tokendesk(['key', 'rotate', '--json', '--passphrase-file', pass], { home });
    expect(rotated.status, rotated.stderr).toBe(0);
    expect(json(rotated)).toEqual({ ok: true, seeds: 30, keyMode: 'passphrase' });
    expectSeeds(home, tokens, PASSPHRASE);
    // ... or as a named admin, with the PIN.
    const asAnna = tokendesk(['key', 'rotate', '--passphrase-file', pass], { home, as: ANNA });
    expect(asAnna.status, asAnna.stderr).toBe(0);
    expect(asAnna.stdout).toMatch(/Rotated the data key .*30 seed\(s\) re-encrypted/);

    const actors = auditActors(home, pass);
    expect(actors.filter((e) => e.action === 'key-rotate').map((e) => e.actor)).toEqual([expect.stringMatching(/^cli:.+ \(passphrase\)$/), 'anna']);
    expect(actors.filter((e) => e.action === 'unlock-failed')).toHaveLength(1);

    // A new passphrase: the old one stops working.
    const next = secretFile(dir, 'next', 'a completely different passphrase');
    const changed = tokendesk(['key', 'change-passphrase', '--passphrase-file', pass, '--new-passphrase-file', next, '--json'], { home });
    expect(changed.status, changed.stderr).toBe(0);
    expect(tokendesk(['tokens', 'list', '--passphrase-file', pass], { home }).status).toBe(1);
    expect(tokendesk(['tokens', 'list', '--passphrase-file', next], { home }).status).toBe(0);
    expect(tokendesk(['key', 'protect', '--passphrase-file', next, '--new-passphrase-file', next], { home }).stderr).toMatch(/already protected by a passphrase/);
    expectSeeds(home, tokens, 'a completely different passphrase');
  });

  it('key protect turns a file-mode home into passphrase mode; a weak new passphrase is refused', () => {
    const dir = tempDir();
    const home = join(dir, 'home');
    expect(tokendesk(['init'], { home }).status).toBe(0);
    const tokens = makeTokens(5);
    writeFileSync(join(dir, 's.csv'), entraCsv(tokens));
    expect(tokendesk(['import', join(dir, 's.csv')], { home }).status).toBe(0);

    const weak = tokendesk(['key', 'protect', '--new-passphrase-file', secretFile(dir, 'weak', 'short')], { home });
    expect(weak.status).toBe(1);
    expect(weak.stderr).toMatch(/at least 8 characters/);
    expect(json(tokendesk(['key', 'status', '--json'], { home }))).toMatchObject({ mode: 'file' });

    const pass = secretFile(dir, 'pass', PASSPHRASE);
    const noTty = tokendesk(['key', 'protect'], { home });
    expect(noTty.status).toBe(2);
    expect(noTty.stderr).toMatch(/--new-passphrase-file/);
    const protectedNow = tokendesk(['key', 'protect', '--new-passphrase-file', pass], { home });
    expect(protectedNow.status, protectedNow.stderr).toBe(0);
    expect(protectedNow.stdout).toMatch(/now wrapped by your passphrase .*\n.*\n.*old key file still hold the key in the clear/);
    expect(readFileSync(join(home, 'tokendesk.key'), 'utf8')).not.toMatch(/"dataKey"/);
    expect(tokendesk(['tokens', 'list'], { home }).status).toBe(2);
    expectSeeds(home, tokens, PASSPHRASE);
  });
});

describe('who acts on the command line', () => {
  function homeWithAdmin(): { dir: string; home: string; tokens: TestToken[] } {
    const dir = tempDir();
    const home = join(dir, 'home');
    expect(tokendesk(['init', '--desk', 'hq'], { home }).status).toBe(0);
    const tokens = makeTokens(8);
    writeFileSync(join(dir, 's.csv'), entraCsv(tokens));
    // Bootstrap: no admin yet, so the command line acts as one, and says how to end that.
    const bootstrap = tokendesk(['import', join(dir, 's.csv')], { home });
    expect(bootstrap.status, bootstrap.stderr).toBe(0);
    expect(bootstrap.stderr).toMatch(/^tokendesk: note: this home has no admin yet, so the command line acts as admin cli:\S+; create one with `tokendesk staff add NAME --role admin`\n$/);
    const first = tokendesk(['staff', 'add', 'anna', '--role', 'admin', '--pin-stdin'], { home, input: `${ANNA.pin}\n` });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    // With --as and --pin-stdin: your PIN first, then the new member's.
    const second = tokendesk(['staff', 'add', 'ben', '--role', 'staff', '--as', 'anna', '--pin-stdin'], { home, input: `${ANNA.pin}\n${BEN.pin}\n` });
    expect(second.status, second.stderr).toBe(0);
    return { dir, home, tokens };
  }

  it('once there is an admin: admin commands need --as NAME and the PIN; staff may only hand out', () => {
    const { dir, home, tokens } = homeWithAdmin();

    const anonymous = tokendesk(['export', '--json'], { home });
    expect(anonymous.status).toBe(2);
    expect(json(anonymous)).toMatchObject({ ok: false, error: { code: 'usage', message: expect.stringMatching(/--as NAME \(or TOKENDESK_AS=NAME\).*--pin-stdin.*TOKENDESK_PIN/) } });

    const wrongPin = tokendesk(['key', 'rotate', '--as', 'anna', '--pin-stdin'], { home, input: '11112222\n' });
    expect(wrongPin.status).toBe(1);
    expect(wrongPin.stderr).toMatch(/that name and PIN do not match; 4 tries left/);
    expect(wrongPin.stdout + wrongPin.stderr).not.toContain('11112222');

    const noPin = tokendesk(['key', 'rotate', '--as', 'anna'], { home });
    expect(noPin.status).toBe(2);
    expect(noPin.stderr).toMatch(/give the PIN of anna: type it on a terminal, pipe it with --pin-stdin, or \(scripts and CI only\) set TOKENDESK_PIN/);

    const staffTries = tokendesk(['staff', 'disable', 'anna'], { home, as: BEN });
    expect(staffTries.status).toBe(1);
    expect(staffTries.stderr).toMatch(/ben is staff: this command needs an admin/);

    const rotated = tokendesk(['key', 'rotate', '--json'], { home, as: ANNA });
    expect(rotated.status, rotated.stderr).toBe(0);
    expectSeeds(home, tokens);

    // The hand-out: staff may, but must say who they are too.
    const code = codeAt({ secret: tokens[0]!.secret, algorithm: 'SHA1', digits: 6, period: 30 }, Date.now());
    const assignArgs = ['assign', '--serial', tokens[0]!.serial, '--upn', 'ann@example.com', '--code', code, '--json'];
    expect(tokendesk(assignArgs, { home }).status).toBe(2);
    const assigned = tokendesk(assignArgs, { home, as: BEN });
    expect(assigned.status, assigned.stdout + assigned.stderr).toBe(0);

    const audit = json<{ entries: Array<{ actor: string; action: string }> }>(tokendesk(['audit', 'list', '--json', '--oldest'], { home })).entries;
    expect(audit.filter((e) => ['key-rotate', 'hand-out', 'staff-add'].includes(e.action)).map((e) => [e.action, e.actor])).toEqual([
      ['staff-add', expect.stringMatching(/^cli:/)],
      ['staff-add', 'anna'],
      ['key-rotate', 'anna'],
      ['hand-out', 'ben'],
    ]);
    // A file-mode home ignores --passphrase-file, and says so.
    expect(tokendesk(['tokens', 'list', '--passphrase-file', secretFile(dir, 'stray', PASSPHRASE)], { home }).stderr).toMatch(/this home has no passphrase/);
  });

  const python = spawnSync('python3', ['-c', 'import pty'], { encoding: 'utf8' });
  const havePty = python.status === 0;
  if (!havePty) console.warn('skipping the terminal prompt tests: python3 with the pty module is not installed');

  /** Runs the CLI on a pseudo-terminal, answering each prompt in turn; returns everything shown. */
  function onTerminal(args: string[], answers: Array<[string, string]>): { status: number | null; shown: string } {
    const driver = `
import json, os, pty, sys, time
answers = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
shown = b''
def until(text, limit=30.0):
    global shown
    end = time.time() + limit
    while text not in shown and time.time() < end:
        try:
            shown += os.read(fd, 4096)
        except OSError:
            break
for prompt, answer in answers:
    until(prompt.encode())
    time.sleep(0.2)
    os.write(fd, answer.encode() + b'\\r')
until(b'\\x00', 30.0)
_, status = os.waitpid(pid, 0)
sys.stdout.write(shown.decode('utf8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(status))
`;
    const result = spawnSync('python3', ['-c', driver, JSON.stringify(answers), process.execPath, CLI, ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', TOKENDESK_AS: '', TOKENDESK_PIN: '' },
      timeout: 90_000,
    });
    return { status: result.status, shown: result.stdout };
  }

  it.skipIf(!havePty)('on a terminal: the new passphrase twice at init, then the passphrase and the PIN, never echoed', () => {
    const home = join(tempDir(), 'home');
    const init = onTerminal(['init', '--passphrase', '--home', home], [
      ['New passphrase', PASSPHRASE],
      ['The same again', PASSPHRASE],
    ]);
    expect(init.status, init.shown).toBe(0);
    expect(init.shown).toMatch(/New passphrase: [\s\S]*The same again: [\s\S]*Created a tokendesk home/);

    const add = tokendesk(['staff', 'add', 'anna', '--role', 'admin', '--pin-stdin', '--passphrase-file', secretFile(tempDir(), 'p', PASSPHRASE)], { home, input: `${ANNA.pin}\n` });
    expect(add.status, add.stderr).toBe(0);

    const rotate = onTerminal(['key', 'rotate', '--as', 'anna', '--home', home], [
      ['Passphrase for the tokendesk home', PASSPHRASE],
      ['Signing in as anna. PIN:', ANNA.pin],
    ]);
    expect(rotate.status, rotate.shown).toBe(0);
    expect(rotate.shown).toMatch(/Rotated the data key/);
    for (const secret of [PASSPHRASE, ANNA.pin]) expect(init.shown + rotate.shown).not.toContain(secret);
  });
});
