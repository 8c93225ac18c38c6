/**
 * What a 200-person hand-out day tripped over (issue 12, desk-day fixes), each on screen: a typed
 * employee id, the Done screen passing its input on, the count after a hand-out, a serial in the
 * wrong field or without its leading zeros, a UPN typo with a roster loaded, self-check wording,
 * messages that offer only possible actions, "1 minute", the code checked at its last digit.
 * Practice mode at 80x24 is tested in a real terminal (test/e2e/deskDay.tmux.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { importSeeds } from '../../src/services/importSeeds.js';
import { importRoster } from '../../src/services/roster.js';
import { addStaff } from '../../src/services/staff.js';
import { listAudit } from '../../src/services/auditTrail.js';
import { tokenDetails } from '../../src/services/tokens.js';
import { ADMIN, freshInventory, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';
import { mount, signIn, stockedKiosk, toVerify, type Harness } from './harness.js';

let h: Harness | undefined;
const closers: Array<() => void> = [];
afterEach(() => {
  h?.unmount();
  h = undefined;
  for (const close of closers.splice(0)) close();
});

/** A desk with a roster: Ada (E1006, badge B5006) and Grace. */
async function rosterKiosk(options: { size?: { columns: number; rows: number } } = {}): Promise<Harness> {
  const inventory = freshInventory('desk-7');
  const tokens = makeTokens(6);
  await importSeeds(inventory, { file: writeTemp('seeds.csv', entraCsv(tokens)), actor: ADMIN });
  addStaff(inventory, { name: 'alice', role: 'staff', pin: '4321', actor: ADMIN });
  const roster = writeTemp('roster.csv', 'upn,display name,employee id,badge\nada.lovelace@contoso.com,Ada Lovelace,E1006,B5006\ngrace.hopper@contoso.com,Grace Hopper,E1007,B5007\n');
  await importRoster(inventory, { file: roster, actor: ADMIN });
  const harness = mount(inventory, tokens, options.size);
  closers.push(() => inventory.close());
  return harness;
}

async function toDone(harness: Harness, upn: string, index: number): Promise<string> {
  await toVerify(harness, upn, harness.tokens[index]!);
  await harness.type(harness.codeFor(harness.tokens[index]!));
  return harness.waitFor('Handed out.');
}

describe('desk day: finding the employee', () => {
  it('a typed employee id or badge code finds the person (2)', async () => {
    h = await rosterKiosk();
    await signIn(h);
    await h.type('h');
    await h.type('E1006');
    await h.press('enter');
    await h.waitFor('Employee: Ada Lovelace <ada.lovelace@contoso.com>');
    await h.press('escape');
    await h.type('\u0015B5007');
    await h.press('enter');
    await h.waitFor('Employee: Grace Hopper <grace.hopper@contoso.com>');
  });

  it('a serial typed into the Employee field is explained like a scanned one (5)', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await h.type('h');
    await h.type(h.tokens[1]!.serial);
    await h.press('enter');
    await h.waitFor(`that was token ${h.tokens[1]!.serial}`);
  });

  it('a serial without its leading zeros suggests the inventory serial it matches (5)', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await h.type('h');
    await h.type('jane@example.com');
    await h.press('enter');
    await h.waitFor('[Token]');
    const serial = h.tokens[3]!.serial;
    await h.type(serial.replace(/^0+/, ''));
    await h.press('enter');
    await h.waitFor(`did you mean ${serial}?`);
  });

  it('with a roster loaded, a UPN not in it needs a second Enter, and the audit says it was confirmed (6)', async () => {
    h = await rosterKiosk();
    await signIn(h);
    await h.type('h');
    await h.type('j.deo@contoso.com');
    await h.press('enter');
    await h.waitFor('j.deo@contoso.com is not in the roster');
    expect(h.frame()).not.toContain('[Token]');
    await h.press('enter');
    await h.waitFor('[Token]');
    h.scanner.scan(h.tokens[0]!.serial);
    await h.waitFor('[Name]');
    await h.press('enter');
    await h.waitFor('[Verify]');
    await h.type(h.codeFor(h.tokens[0]!));
    await h.waitFor('Handed out.');
    const entry = listAudit(h.inventory, {}).find((e) => e.action === 'hand-out');
    expect(String(entry?.subject)).toContain('"notInRoster":"confirmed"');
  });
});

describe('desk day: verify and done', () => {
  it('checks the code as soon as the last digit is typed; Backspace works before (2-scan hand-out)', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await toVerify(h, 'jane@example.com', h.tokens[0]!);
    const code = h.codeFor(h.tokens[0]!);
    await h.type(code.slice(0, 5));
    await h.type(String((Number(code[5]) + 1) % 10));
    // A wrong last digit is checked at once (a refusal), then the right code goes through.
    await h.waitFor(/Tries left before the token locks: [0-9]/);
    await h.type(code.slice(0, 3));
    await h.press('backspace');
    await h.type(code.slice(2));
    const frame = await h.waitFor('Handed out.');
    expect(frame).toContain(h.tokens[0]!.serial);
  });

  it('Done shows the count after the hand-out (4)', async () => {
    h = await stockedKiosk();
    await signIn(h);
    const frame = await toDone(h, 'jane@example.com', 0);
    expect(frame).toContain('(holds 1 of 5)');
  });

  it('a key or a scan on Done starts the next hand-out with it (3)', async () => {
    h = await rosterKiosk();
    await signIn(h);
    await toDone(h, 'ada.lovelace@contoso.com', 0);
    await h.type('gr');
    await h.waitFor(/Employee\s+gr/);
    await h.waitFor('Grace Hopper <grace.hopper@contoso.com>');
    await h.press('escape');
    await h.type('h');
    await h.type('ada.lovelace@contoso.com');
    await h.press('enter');
    await h.waitFor('[Token]');
    h.scanner.scan(h.tokens[1]!.serial);
    await h.waitFor('[Name]');
    await h.press('enter');
    await h.type(h.codeFor(h.tokens[1]!));
    await h.waitFor('Handed out.');
    h.scanner.scan('B5007');
    await h.waitFor('Employee: Grace Hopper <grace.hopper@contoso.com>');
  });
});

describe('desk day: wording', () => {
  it('self-check says "your token works" once (7)', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await toDone(h, 'jane.doe@example.com', 0);
    await h.press('escape');
    await h.type('s');
    await h.type('?');
    await h.waitFor('Check your token');
    h.clock.now += 60_000;
    h.scanner.scan(h.tokens[0]!.serial);
    await h.type(h.codeFor(h.tokens[0]!));
    await h.press('enter');
    const frame = await h.waitFor('Your token works');
    expect(frame.toLowerCase().split('your token works').length - 1).toBe(1);
  });

  it('self-check of a purged token says so before asking for a code (7)', async () => {
    h = await stockedKiosk();
    h.inventory.sqlite.prepare("UPDATE tokens SET status = 'uploaded', sealed_secret = NULL, secret_purged_at = ? WHERE serial = ?").run(new Date(h.clock.now).toISOString(), h.tokens[1]!.serial);
    await h.waitFor('Staff sign-in');
    await h.type('?');
    h.scanner.scan(h.tokens[1]!.serial);
    const frame = await h.waitFor("this token's seed was deleted after upload");
    expect(frame).not.toContain('press the button on your token and type the digits');
  });

  it('after an undo is no longer possible, the 5-token message does not say "undo it here" (8)', async () => {
    h = await stockedKiosk();
    const upn = 'full@example.com';
    for (let i = 0; i < 5; i++) {
      h.inventory.sqlite
        .prepare(
          "INSERT INTO assignments (token_id, upn, display_name, verified_at, offset_steps, assigned_by, desk_id, batch_id) SELECT id, ?, 'T', ?, 0, 'x', 'desk-7', NULL FROM tokens WHERE serial = ?",
        )
        .run(upn, new Date(h.clock.now).toISOString(), h.tokens[i]!.serial);
      h.inventory.sqlite.prepare("UPDATE tokens SET status = 'uploaded' WHERE serial = ?").run(h.tokens[i]!.serial);
    }
    await signIn(h);
    await h.type('h');
    await h.type(upn);
    await h.press('enter');
    const frame = await h.waitFor("Entra's limit is 5");
    expect(frame).not.toContain('undo it here');
  });

  it("today's list keeps its columns (status, by) aligned under a long UPN (9)", async () => {
    h = await stockedKiosk();
    await signIn(h);
    const long = 'maximilian.alexander.von-humboldt-ellington@example.com';
    for (const [i, upn] of [[0, 'a@example.com'], [1, long]] as const) {
      await toDone(h, upn, i);
      await h.press('escape');
      await h.waitFor('What next?');
    }
    await h.type('t');
    const frame = await h.waitFor("Today's hand-outs at this desk: 2");
    const rows = frame.split('\n').filter((l) => / by alice/.test(l));
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((r) => r.indexOf(' by alice'))).size).toBe(1);
    expect(new Set(rows.map((r) => r.search(/pending|exported/))).size).toBe(1);
  });

  it('the idle sign-out says "1 minute" (9)', async () => {
    h = await stockedKiosk();
    h.inventory.settings.idleMinutes = 1;
    await signIn(h);
    h.clock.now += 61_000;
    await h.waitFor('signed out after 1 minute without a key press', 5000);
  });
});
