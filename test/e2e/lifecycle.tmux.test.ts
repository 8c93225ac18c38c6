/**
 * After the hand-out in a real terminal: the built kiosk under tmux over a home with known seeds.
 * A drifted token is quarantined (another token vouched for the kiosk clock) and refused at the next
 * hand-out with its reason; a return + replacement for one employee ends with one live token for
 * them, a removal for the old one, and the audit trail linking both.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { codeAt } from '../../src/core/totp.js';
import { CLI, tokendesk } from '../support/cli.js';
import { tempDir } from '../support/home.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';
import { TmuxTerminal, tmuxAvailable } from '../support/tmux.js';

let term: TmuxTerminal | undefined;
afterEach(() => term?.kill());

const code = (t: TestToken, shiftMs = 0) => codeAt({ secret: t.secret, algorithm: 'SHA1', digits: 6, period: 30 }, Date.now() + shiftMs);
const ROOT = { name: 'root', pin: '9911' };

async function handOut(t: TmuxTerminal, upn: string, token: TestToken, shiftMs = 0): Promise<string> {
  await t.type('h');
  await t.waitFor('[Employee]');
  await t.type(upn);
  await t.key('Enter');
  await t.waitFor('[Token]');
  t.scan(token.serial);
  await t.waitFor('[Name]');
  await t.key('Enter');
  await t.waitFor('[Verify]');
  await t.type(code(token, shiftMs));
  await t.key('Enter');
  return t.waitFor(/Handed out\.|quarantined|clock is/);
}

describe.skipIf(!tmuxAvailable)('token lifecycle in a real terminal (tmux)', () => {
  it('quarantines a drifted token, refuses it next time with why, and links a return + replacement', async () => {
    const dir = tempDir();
    const home = join(dir, 'home');
    expect(tokendesk(['init', '--desk', 'hq'], { home }).status).toBe(0);
    const tokens = makeTokens(4, { prefix: '0077' });
    const [a, b, c] = tokens as [TestToken, TestToken, TestToken];
    writeFileSync(join(dir, 'box.csv'), entraCsv(tokens));
    expect(tokendesk(['import', join(dir, 'box.csv')], { home }).status).toBe(0);
    expect(tokendesk(['staff', 'add', ROOT.name, '--role', 'admin', '--pin-stdin'], { home, input: `${ROOT.pin}\n` }).status).toBe(0);

    term = TmuxTerminal.start(`${process.execPath} ${CLI} kiosk --home ${home} --scanner keyboard`, { env: { NO_COLOR: '1' } });
    await term.waitFor('Staff sign-in');
    await term.type(ROOT.name);
    await term.key('Enter');
    await term.type(ROOT.pin);
    await term.key('Enter');
    await term.waitFor('What next?');

    // A good hand-out vouches for the kiosk clock; then a token 3 minutes fast is quarantined.
    expect(await handOut(term, 'ann@contoso.com', a)).toContain('Handed out.');
    await term.key('Escape');
    await term.waitFor('What next?');
    expect(await handOut(term, 'bob@contoso.com', b, 180_000)).toMatch(/is now quarantined/);
    await term.key('Escape');
    await term.key('Escape');
    await term.key('Escape');
    await term.key('Escape');
    await term.waitFor('What next?');
    await term.type('h');
    await term.waitFor('[Employee]');
    await term.type('bob@contoso.com');
    await term.key('Enter');
    await term.waitFor('[Token]');
    term.scan(b.serial);
    await term.waitFor(/quarantined \(its clock was about 3 minutes fast\) until an admin looks at it/);
    await term.key('Escape');
    await term.key('Escape');
    await term.waitFor('What next?');

    // Ann's token goes out in a batch, comes back, and she gets a replacement through the wizard.
    const exported = tokendesk(['export', '--format', 'entra-csv'], { home, as: ROOT });
    expect(exported.status, exported.stderr).toBe(0);
    await term.type('r');
    await term.waitFor('Scan the token the employee brings back');
    term.scan(a.serial);
    await term.waitFor('held by ann@contoso.com');
    await term.type('p');
    await term.waitFor('what became of the old token?');
    await term.type('r');
    await term.waitFor('[Token]');
    term.scan(c.serial);
    await term.waitFor('[Name]');
    await term.key('Enter');
    await term.waitFor('[Verify]');
    await term.type(code(c));
    await term.key('Enter');
    expect(await term.waitFor('Handed out.')).toContain('ann@contoso.com');

    const db = new Database(join(home, 'tokendesk.db'), { readonly: true });
    try {
      const live = db.prepare("SELECT t.serial FROM assignments a JOIN tokens t ON t.id = a.token_id WHERE a.upn = 'ann@contoso.com' AND a.ended_at IS NULL AND a.undone_at IS NULL").all();
      expect(live).toEqual([{ serial: c.serial }]);
      const removal = db.prepare('SELECT t.serial, r.reason, r.action, r.assignment_id AS assignmentId FROM removals r JOIN tokens t ON t.id = r.token_id').all() as Array<{ assignmentId: number }>;
      expect(removal).toMatchObject([{ serial: a.serial, reason: 'replaced', action: 'unassign' }]);
      const ended = JSON.parse((db.prepare("SELECT subject FROM audit_log WHERE action = 'token-returned'").get() as { subject: string }).subject);
      const replacement = JSON.parse((db.prepare("SELECT subject FROM audit_log WHERE action = 'hand-out' ORDER BY seq DESC LIMIT 1").get() as { subject: string }).subject);
      expect(ended).toMatchObject({ serial: a.serial, upn: 'ann@contoso.com', endReason: 'replaced', assignment: removal[0]!.assignmentId, removal: 'unassign' });
      expect(replacement).toMatchObject({ serial: c.serial, upn: 'ann@contoso.com', replaces: removal[0]!.assignmentId });
      const drifted = db.prepare('SELECT status, quarantine_reason AS reason, quarantine_offset_steps AS offset FROM tokens WHERE serial = ?').get(b.serial) as { offset: number };
      expect(drifted).toMatchObject({ status: 'quarantined', reason: 'drift' });
      // 6 steps, or 5 when a step boundary passed while the code was typed.
      expect([5, 6]).toContain(drifted.offset);
    } finally {
      db.close();
    }
    await term.key('C-c');
    expect(await term.exitStatus()).toBe(0);
  });
});
