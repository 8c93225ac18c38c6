import { afterEach, describe, expect, it } from 'vitest';
import { addStaff } from '../../src/services/staff.js';
import { tokenDetails } from '../../src/services/tokens.js';
import { ADMIN, freshInventory } from '../support/home.js';
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

describe('kiosk: employee self-check', () => {
  it('says "your token works" with a masked UPN only, and changes no assignment', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await handOutOne(h, 'jane.doe@example.com', 0);
    await h.type('s');
    await h.waitFor('Staff sign-in');
    await h.type('?');
    await h.waitFor('Check your token');
    h.clock.now += 60_000; // a minute later: a fresh code
    h.scanner.scan(h.tokens[0]!.serial);
    await h.type(h.codeFor(h.tokens[0]!));
    await h.press('enter');
    const frame = await h.waitFor('Your token works');
    expect(frame).toContain('j***@example.com');
    expect(frame).not.toContain('jane.doe');
    expect(tokenDetails(h.inventory, h.tokens[0]!.serial).token.status).toBe('assigned');
    await h.press('enter');
    await h.waitFor('Staff sign-in');
  });

  it('sends a token that is not handed out to the desk', async () => {
    h = await stockedKiosk();
    await h.waitFor('Staff sign-in');
    await h.type('?');
    await h.waitFor('Check your token');
    await h.type(h.tokens[2]!.serial);
    await h.press('enter');
    await h.type(h.codeFor(h.tokens[2]!));
    await h.press('enter');
    await h.waitFor(`token ${h.tokens[2]!.serial} has not been handed out to anyone, so there is nothing to check; please come to the desk`);
    expect(h.frame()).not.toContain('Your token works');
  });
});

describe("kiosk: today's hand-outs", () => {
  it('lists them and undoes a pending one with a reason, back to stock', async () => {
    h = await stockedKiosk();
    await signIn(h);
    await handOutOne(h, 'a@example.com', 0);
    await handOutOne(h, 'b@example.com', 1);
    await h.type('t');
    const list = await h.waitFor("Today's hand-outs at this desk: 2");
    expect(list).toContain('a@example.com');
    expect(list).toContain('b@example.com');
    expect(list.trimEnd().split('\n').at(-1)).toContain('[u] undo');
    await h.type('u');
    await h.waitFor('Say why');
    await h.type('wrong person');
    await h.press('enter');
    await h.waitFor(/undone: token \S+ is back in stock/);
    const undone = /undone: token (\S+) is back in stock/.exec(h.frame())![1]!;
    expect(tokenDetails(h.inventory, undone).token.status).toBe('in-stock');
    await h.waitFor('in stock 5');
  });
});

describe('kiosk: idle and frame', () => {
  it('signs out after the idle time and clears names from the screen', async () => {
    h = await stockedKiosk();
    h.inventory.settings.idleMinutes = 1;
    await signIn(h);
    await h.type('h');
    await h.type('secret.person@example.com');
    await h.waitFor('secret.person@example.com');
    h.clock.now += 61_000;
    await h.waitFor('signed out after 1 minute without a key press', 4000);
    expect(h.frame()).not.toContain('secret.person');
    expect(h.frame()).toContain('Staff sign-in');
  });

  it('fits 80x24: the frame is one row under the terminal height and nothing wraps past the edge', async () => {
    h = await stockedKiosk({ size: { columns: 80, rows: 23 } });
    await signIn(h);
    await toVerify(h, 'a.very.long.name.for.a.person@example.com', h.tokens[0]!);
    const lines = h.frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
    expect(h.frame()).toContain('[Verify]');
  });

  it('welcomes a desk with no staff and says what to run', async () => {
    const inventory = freshInventory();
    h = mount(inventory, []);
    const frame = await h.waitFor('Welcome to tokendesk');
    expect(frame).toContain('tokendesk staff add YOURNAME --role admin');
    expect(frame).toContain('[p] try practice mode');
  });

  it('welcomes a desk with staff but no tokens, says how to import, and lets staff continue', async () => {
    const inventory = freshInventory();
    addStaff(inventory, { name: 'alice', role: 'staff', pin: '4321', actor: ADMIN });
    h = mount(inventory, []);
    const frame = await h.waitFor('The inventory is empty. Quit and import the seed file the vendor sent with the box:');
    expect(frame).toContain(`tokendesk import SEEDFILE.csv --dry-run --home ${inventory.paths.dir}`);
    expect(frame).not.toContain('tokendesk staff add');
    expect(frame).toContain('[c] continue to sign-in anyway');
    await h.type('c');
    await h.waitFor('Staff sign-in');
  });

  it('shows the scanner state in the header and follows unplugging', async () => {
    h = await stockedKiosk();
    await h.waitFor('Test scanner');
    h.scanner.setStatus({ kind: 'disconnected', device: 'Test scanner' } as never);
    await h.waitFor(/disconnected/);
  });
});
