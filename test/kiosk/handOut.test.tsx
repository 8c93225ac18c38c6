import { afterEach, describe, expect, it, vi } from 'vitest';
import { bigDigitRows } from '../../src/kiosk/components/BigDigits.js';
import { DONE_RETURN_MS } from '../../src/kiosk/screens/HandOut.js';
import { tokenDetails } from '../../src/services/tokens.js';
import type { Inventory } from '../../src/services/home.js';
import { snapshot } from '../support/home.js';
import { signIn, stockedKiosk, toVerify, type Harness } from './harness.js';

const statusOf = (inventory: Inventory, serial: string) => tokenDetails(inventory, serial).token.status;

let h: Harness | undefined;
afterEach(() => h?.unmount());

describe('kiosk: sign-in', () => {
  it('signs in with name and PIN, refusing a wrong PIN with attempts left', async () => {
    h = await stockedKiosk();
    await h.waitFor('Staff sign-in');
    await h.type('alice');
    await h.press('enter');
    await h.type('0000');
    await h.press('enter');
    await h.waitFor('that name and PIN do not match; 4 tries left before sign-in for this name locks');
    expect(h.frame()).not.toContain('0000');
    await h.type('4321');
    await h.press('enter');
    await h.waitFor('Hello alice (staff)');
    expect(h.frame()).toContain('alice (staff)');
  });
});

describe('kiosk: hand-out wizard', () => {
  it('hands out a token: Employee > Token > Name > Verify > Done, and writes it once', async () => {
    h = await stockedKiosk();
    await signIn(h);
    const t = h.tokens[0]!;
    await toVerify(h, 'j.doe@example.com', t);
    expect(h.frame()).toContain('Token: ' + t.serial);
    expect(h.frame()).toContain('Tries left before the token locks: 5');
    expect(statusOf(h.inventory, t.serial)).toBe('in-stock'); // nothing written before Verify
    const code = h.codeFor(t);
    await h.type(code.slice(0, 5));
    await h.waitFor(bigDigitRows(code.slice(0, 5), 6)[1]);
    expect(h.frame()).not.toContain(code.slice(0, 5)); // big digits, never the plain code
    // The last digit checks the code; the Enter typed out of habit after it keeps Done on screen.
    await h.type(code.slice(5));
    await h.press('enter');
    const done = await h.waitFor('Handed out.');
    expect(done).toContain('j.doe@example.com');
    expect(done).toContain(t.serial);
    expect(done).toContain('Token2 C202');
    expect(done).toContain('on time');
    expect(statusOf(h.inventory, t.serial)).toBe('assigned');
    await h.waitFor('today 1');
    await h.press('enter');
    await h.waitFor('[Employee]');
  });

  it('Done tells the employee how to enrol a token staged for self-service, in Microsoft\'s words', async () => {
    h = await stockedKiosk();
    const t = h.tokens[0]!;
    // `upload --unassigned` staged this token in the tenant: the employee adds it at My Security Info.
    h.inventory.store.graphUploads.save({ tenant: 'contoso', serial: t.serial, assignmentId: null, batchId: null, stage: 'staged', userId: null, deviceId: 'd1', failureCode: null, failureReason: null, calls: 1, updatedAt: new Date().toISOString() });
    await signIn(h);
    await toVerify(h, 'j.doe@example.com', t);
    await h.type(h.codeFor(t));
    const done = await h.waitFor('For the employee: Add the token to your account yourself, today');
    expect(done).toContain('Add sign-in method');
    expect(done).toContain(t.serial);
  });

  it('refuses a malformed UPN and an unknown serial with their own messages', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await h.type('h');
    await h.type('not-a-upn');
    await h.press('enter');
    await h.waitFor('a UPN looks like name@example.com');
    for (let i = 0; i < 9; i++) await h.press('backspace');
    await h.type('a@example.com');
    await h.press('enter');
    await h.waitFor('[Token]');
    await h.type('12345');
    await h.press('enter');
    await h.waitFor('is not in this inventory');
  });

  it('explains a token scanned at the Employee step, and takes a scan at the Token step', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await h.type('h');
    await h.waitFor('[Employee]');
    h.scanner.scan(h.tokens[1]!.serial);
    await h.waitFor(`that was token ${h.tokens[1]!.serial}: first choose the employee`);
    await h.type('a@example.com');
    await h.press('enter');
    await h.waitFor('[Token]');
    // The footer follows the step: the wizard names its keys.
    expect(h.frame().trimEnd().split('\n').at(-1)).toContain('[scan] or type + [Enter]');
    h.scanner.scan(h.tokens[1]!.serial);
    await h.waitFor('[Name]');
    expect(h.frame()).toContain(`Token: ${h.tokens[1]!.serial}`);
  });

  it('refuses a token that was already handed out', async () => {
    h = await stockedKiosk();
    await signIn(h);
    const t = h.tokens[0]!;
    await toVerify(h, 'a@example.com', t);
    await h.type(h.codeFor(t));
    await h.press('enter');
    await h.waitFor('Handed out.');
    await h.press('enter');
    await h.type('b@example.com');
    await h.press('enter');
    await h.waitFor('[Token]');
    await h.type(t.serial);
    await h.press('enter');
    await h.waitFor('already handed out');
  });

  it('counts wrong codes, then locks the token and sends the desk back to the Token step', async () => {
    h = await stockedKiosk();
    await signIn(h);
    const t = h.tokens[2]!;
    await toVerify(h, 'a@example.com', t);
    const before = snapshot(h.inventory.paths.database);
    const near = new Set(Array.from({ length: 41 }, (_, i) => h!.codeFor(t, i - 20)));
    const wrong = ['000000', '111111', '222222', '333333', '444444', '555555', '666666', '777777'].filter((c) => !near.has(c));
    for (let attempt = 1; attempt <= 4; attempt++) {
      await h.type(wrong[attempt - 1]!);
      await h.press('enter');
      await h.waitFor(`${5 - attempt} ${5 - attempt === 1 ? 'try' : 'tries'} left)`);
      // The count under the big digits follows each refusal (no lookup on every redraw).
      expect(h.frame()).toContain(`Tries left before the token locks: ${5 - attempt}`);
    }
    expect(snapshot(h.inventory.paths.database)).not.toBe(before); // each wrong code is recorded
    await h.type(wrong[4]!);
    await h.press('enter');
    await h.waitFor('is locked for 5 minutes');
    await h.waitFor('[Token]');
    await h.type(t.serial);
    await h.press('enter');
    await h.waitFor(/locked after too many wrong codes; try again in 5 minutes/);
  });

  it('explains drift in plain words and asks for another token', async () => {
    h = await stockedKiosk();
    await signIn(h);
    const t = h.tokens[3]!;
    await toVerify(h, 'a@example.com', t);
    await h.type(h.codeFor(t, 8));
    await h.press('enter');
    await h.waitFor(/clock is about 4 minutes fast; Entra sign-in allows about 1 minute: give the\s+employee another token/);
    await h.waitFor('[Token]');
  });

  it('refuses a replayed code with its own message', async () => {
    h = await stockedKiosk();
    await signIn(h);
    const t = h.tokens[4]!;
    await toVerify(h, 'a@example.com', t);
    // The code of the step before was accepted earlier (e.g. a hand-out later undone).
    h.inventory.sqlite.prepare('UPDATE tokens SET last_accepted_step = ? WHERE serial = ?').run(Math.floor(h.clock.now / 30000), t.serial);
    await h.type(h.codeFor(t));
    await h.press('enter');
    await h.waitFor('already used');
  });

  it('Esc goes back one step at a time and writes nothing', async () => {
    h = await stockedKiosk();
    await signIn(h);
    const before = snapshot(h.inventory.paths.database);
    await toVerify(h, 'a@example.com', h.tokens[0]!);
    await h.press('escape');
    await h.waitFor('[Name]');
    await h.press('escape');
    await h.waitFor('[Token]');
    await h.press('escape');
    await h.waitFor('[Employee]');
    await h.press('escape');
    await h.waitFor('What next?');
    // Sign-in wrote its audit row before the snapshot; the wizard wrote nothing.
    expect(snapshot(h.inventory.paths.database)).toBe(before);
  });

  it('edits the token name, refusing an empty one', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await h.type('h');
    await h.type('a@example.com');
    await h.press('enter');
    await h.type(h.tokens[0]!.serial);
    await h.press('enter');
    await h.waitFor('[Name]');
    for (let i = 0; i < 11; i++) await h.press('backspace');
    await h.press('enter');
    await h.waitFor('the token needs a name');
    await h.type('Blue fob');
    await h.press('enter');
    await h.waitFor('Token name: Blue fob');
  });
});

describe('kiosk: Ctrl+C', () => {
  it('asks before quitting mid-hand-out, and stays on any other key', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await h.type('h');
    await h.type('a@example.com');
    await h.press('ctrl-c');
    await h.waitFor('A hand-out is in progress. Quit anyway? [y/N]');
    await h.type('n');
    // The wizard's own footer is back: only the state after the answer shows it.
    await h.waitFor('[Tab] complete');
    expect(h.frame()).not.toContain('Quit anyway');
    expect(h.frame()).toContain('a@example.com');
    expect(h.exited()).toBe(false);
  });

  it('quits on y after asking, mid-hand-out', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await h.type('h');
    await h.type('a');
    await h.press('ctrl-c');
    await h.waitFor('A hand-out is in progress. Quit anyway? [y/N]');
    expect(h.exited()).toBe(false);
    await h.type('y');
    expect(h.exited()).toBe(true);
  });

  it('quits at once where nothing is in progress', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await h.press('ctrl-c');
    expect(h.exited()).toBe(true);
    expect(h.frame()).not.toContain('Quit anyway');
  });
});

describe('kiosk: the Done step', () => {
  afterEach(() => vi.useRealTimers());

  it('moves on to a fresh Employee step by itself', async () => {
    h = await stockedKiosk();
    await signIn(h);
    const t = h.tokens[0]!;
    await toVerify(h, 'jane.doe@example.com', t);
    // Only the wizard's timers are faked; the harness keeps real time for its own waiting.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await h.type(h.codeFor(t));
    await h.press('enter');
    await h.waitFor('Handed out.');
    vi.advanceTimersByTime(DONE_RETURN_MS - 1);
    await h.waitFor('Next employee in a few seconds');
    vi.advanceTimersByTime(1);
    const fresh = await h.waitFor('Who is the token for?');
    expect(fresh).toContain('[Employee]');
    expect(fresh).not.toContain('jane.doe@example.com');
    expect(fresh).not.toContain('Handed out.');
  });
});
