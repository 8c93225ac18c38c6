import { afterEach, describe, expect, it } from 'vitest';
import { holders } from '../../src/services/lifecycle/index.js';
import { tokenDetails } from '../../src/services/tokens.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { addStaff } from '../../src/services/staff.js';
import { ADMIN, freshInventory, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';
import { mount, signIn, stockedKiosk, toVerify, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

async function handOutOne(harness: Harness, upn: string, index: number): Promise<void> {
  await toVerify(harness, upn, harness.tokens[index]!);
  await harness.type(harness.codeFor(harness.tokens[index]!));
  await harness.press('enter');
  await harness.waitFor('Handed out.');
  await harness.press('escape');
  await harness.waitFor('What next?');
}

describe('kiosk: return, lost, replace', () => {
  it('records a return from a scan and says where the token goes', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await handOutOne(h, 'jane.doe@example.com', 0);
    await h.type('r');
    await h.waitFor('Scan the token the employee brings back');
    h.scanner.scan(h.tokens[0]!.serial);
    await h.waitFor('held by jane.doe@example.com');
    await h.type('r');
    await h.waitFor(`token ${h.tokens[0]!.serial} recorded as returned`);
    expect(tokenDetails(h.inventory, h.tokens[0]!.serial).token.status).toBe('returned');
    // The header counts it as waiting for an admin.
    await h.waitFor('to export 0 · returned 1');
  });

  it('finds the tokens of an employee who lost theirs by UPN, and records the one picked as lost', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await handOutOne(h, 'jane.doe@example.com', 0);
    await handOutOne(h, 'jane.doe@example.com', 1);
    await h.type('r');
    await h.waitFor('Scan the token the employee brings back');
    await h.type('Jane.Doe@example.com');
    await h.press('enter');
    await h.waitFor('jane.doe@example.com holds 2 tokens. Which one?');
    await h.type('2');
    await h.waitFor(`Token ${h.tokens[1]!.serial} is assigned, held by jane.doe@example.com`);
    await h.type('l');
    await h.waitFor(`token ${h.tokens[1]!.serial} recorded as lost`);
    expect(tokenDetails(h.inventory, h.tokens[1]!.serial).token.status).toBe('lost');
    expect(tokenDetails(h.inventory, h.tokens[0]!.serial).token.status).toBe('assigned');
  });

  it('refuses to record a token nobody holds as returned, with what to do', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await h.type('r');
    await h.waitFor('Scan the token the employee brings back');
    await h.type(h.tokens[1]!.serial);
    await h.press('enter');
    await h.waitFor('held by nobody');
    await h.type('r');
    await h.waitFor('nobody holds it, so there is nothing to return');
    expect(tokenDetails(h.inventory, h.tokens[1]!.serial).token.status).toBe('in-stock');
  });

  it('replace: records the end, then the normal verified hand-out for the same employee, linked', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await handOutOne(h, 'jane.doe@example.com', 0);
    await h.type('r');
    await h.waitFor('Scan the token the employee brings back');
    h.scanner.scan(h.tokens[0]!.serial);
    await h.waitFor('[p] replace it with another token');
    await h.type('p');
    await h.waitFor('what became of the old token?');
    await h.type('b');
    // The wizard opens at the Token step, for Jane.
    await h.waitFor('[Token]');
    h.clock.now += 60_000;
    await h.type(h.tokens[1]!.serial);
    await h.press('enter');
    await h.press('enter');
    await h.type(h.codeFor(h.tokens[1]!));
    await h.press('enter');
    await h.waitFor('Handed out.');
    const rows = holders(h.inventory, { upn: 'jane.doe@example.com', actor: ADMIN });
    expect(rows.map((r) => [r.serial, r.status, r.current, r.ended?.how ?? null])).toEqual([
      [h.tokens[0]!.serial, 'broken', false, 'replaced'],
      [h.tokens[1]!.serial, 'assigned', true, null],
    ]);
    expect(rows[1]!.replacesAssignmentId).toBe(rows[0]!.assignmentId);
  });
});

describe('kiosk: who holds what', () => {
  it('is offered to admins only and finds a person by UPN', async () => {
    h = await stockedKiosk();
    await signIn(h);
    expect(h.frame()).not.toContain('Who holds what');
    await handOutOne(h, 'jane.doe@example.com', 2);
    await h.type('s');
    await signIn(h, 'root', '9999');
    await h.type('w');
    await h.waitFor('UPN or serial');
    await h.type('Jane.Doe@example.com');
    await h.press('enter');
    await h.waitFor(new RegExp(`${h.tokens[2]!.serial}\\s+assigned\\s+jane.doe@example.com.*holds it`));
    await h.type('x');
    await h.press('enter');
    await h.waitFor('not in this inventory');
  });
});

describe('kiosk: tokens pre-assigned by the seed file', () => {
  it('a scanned token offers its person first; handing it to someone else warns and is recorded as confirmed', async () => {
    const inventory = freshInventory('desk-7');
    const tokens = makeTokens(2);
    await importSeeds(inventory, { file: writeTemp('seeds.csv', entraCsv(tokens, { upn: () => 'meant.for@example.com' })), actor: ADMIN });
    addStaff(inventory, { name: 'alice', role: 'staff', pin: '4321', actor: ADMIN });
    h = mount(inventory, tokens);
    await signIn(h);
    await h.type('h');
    await h.waitFor('[Employee]');
    h.scanner.scan(tokens[0]!.serial);
    await h.waitFor('[Token]');
    expect(h.frame()).toContain('meant.for@example.com');
    await h.press('escape');
    await h.waitFor('Who is the token for?');
    await h.press('escape');
    await h.waitFor('What next?');
    await h.type('h');
    await h.waitFor('[Employee]');
    await h.type('someone.else@example.com');
    await h.press('enter');
    await h.waitFor('[Token]');
    await h.type(tokens[1]!.serial);
    await h.press('enter');
    await h.waitFor('pre-assigned to meant.for@example.com by its seed file: going on hands it to someone.else@example.com');
    await h.press('enter');
    await h.waitFor('[Verify]');
    await h.type(h.codeFor(tokens[1]!));
    await h.press('enter');
    await h.waitFor('Handed out.');
    const entry = inventory.sqlite.prepare("SELECT subject FROM audit_log WHERE action = 'hand-out'").get() as { subject: string };
    expect(JSON.parse(entry.subject)).toMatchObject({ upn: 'someone.else@example.com', preassignedTo: 'meant.for@example.com', confirmed: true });
  });
});
