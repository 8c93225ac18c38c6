/**
 * The full hand-out in a real terminal: the built CLI in practice mode under tmux, a desk worker
 * signing in, a badge-less employee typed in, the token scanned as a keyboard-wedge burst, the live
 * code read off the practice panel, and the database checked while the kiosk still runs.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { tempDir } from '../support/home.js';
import { TmuxTerminal, tmuxAvailable } from '../support/tmux.js';

let term: TmuxTerminal | undefined;
afterEach(() => term?.kill());

function practiceDatabase(tmp: string): string {
  const dir = readdirSync(tmp).find((d) => d.startsWith('tokendesk-practice-'));
  if (!dir) throw new Error('no practice home in the temp folder');
  return join(tmp, dir, 'home', 'tokendesk.db');
}

async function signInAndStart(t: TmuxTerminal): Promise<void> {
  await t.waitFor('Staff sign-in');
  await t.type('practice');
  await t.key('Enter');
  await t.type('1234');
  await t.key('Enter');
  await t.waitFor('What next?');
}

describe.skipIf(!tmuxAvailable)('kiosk in a real terminal (tmux)', () => {
  it('hands out a practice token end to end and records it', async () => {
    const tmp = tempDir();
    term = TmuxTerminal.start(`${process.execPath} ${CLI} kiosk --demo --scanner keyboard`, { env: { TMPDIR: tmp, NO_COLOR: '1' } });
    await signInAndStart(term);
    await term.type('h');
    await term.waitFor('[Employee]');
    await term.type('grace');
    await term.waitFor('Grace Hopper <grace.hopper@practice.example>');
    await term.key('Enter');
    await term.waitFor('[Token]');
    term.scan('9900000000007');
    await term.waitFor('[Name]');
    await term.key('Enter');
    const verify = await term.waitFor(/shows code (\d{6})/);
    const code = /shows code (\d{6})/.exec(verify)![1]!;
    await term.type(code);
    await term.key('Enter');
    const done = await term.waitFor('Handed out.');
    expect(done).toContain('grace.hopper@practice.example');
    expect(done).toContain('9900000000007');

    const db = new Database(practiceDatabase(tmp), { readonly: true });
    const row = db
      .prepare("SELECT a.upn, a.display_name AS name, t.status FROM assignments a JOIN tokens t ON t.id = a.token_id WHERE t.serial = '9900000000007'")
      .get();
    db.close();
    expect(row).toEqual({ upn: 'grace.hopper@practice.example', name: 'Token2 C202', status: 'assigned' });

    await term.key('C-c');
    expect(await term.exitStatus()).toBe(0);
    // The practice home is gone once the kiosk has quit.
    expect(readdirSync(tmp).filter((d) => d.startsWith('tokendesk-practice-'))).toEqual([]);
  });

  it('lets an employee check their token without signing in', async () => {
    const tmp = tempDir();
    term = TmuxTerminal.start(`${process.execPath} ${CLI} kiosk --demo --scanner keyboard`, { env: { TMPDIR: tmp, NO_COLOR: '1' } });
    await signInAndStart(term);
    await term.type('h');
    await term.type('ada.lovelace@practice.example');
    await term.key('Enter');
    await term.waitFor('[Token]');
    term.scan('9900000000002');
    await term.waitFor('[Name]');
    await term.key('Enter');
    const code = /shows code (\d{6})/.exec(await term.waitFor(/shows code (\d{6})/))![1]!;
    await term.type(code);
    await term.key('Enter');
    await term.waitFor('Handed out.');
    await term.key('Escape');
    await term.waitFor('What next?');
    await term.type('s');
    await term.waitFor('Staff sign-in');

    // The employee comes back: wait for a fresh code (a code is never accepted twice).
    await term.type('?');
    await term.waitFor('Check your token');
    term.scan('9900000000002');
    let fresh = code;
    const deadline = Date.now() + 40_000;
    while (fresh === code && Date.now() < deadline) {
      fresh = /shows code (\d{6})/.exec(await term.waitFor(/shows code (\d{6})/))![1]!;
      if (fresh === code) await new Promise((r) => setTimeout(r, 500));
    }
    await term.type(fresh);
    await term.key('Enter');
    const result = await term.waitFor('Press Enter when you are done');
    expect(result).toContain('Your token works');
    expect(result).toContain('a***@practice.example');
  }, 90_000);
});

