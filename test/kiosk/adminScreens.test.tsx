import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenDetails } from '../../src/services/tokens.js';
import { snapshot, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';
import { flat, signIn, stockedKiosk, toVerify, type Harness } from './harness.js';

let h: Harness | undefined;
/** The keys the footer offers now. */
const footer = (harness: Harness) => harness.frame().trimEnd().split('\n').at(-1)!;
afterEach(() => h?.unmount());

describe('kiosk: admin screens', () => {
  it('hides admin tasks from staff', async () => {
    h = await stockedKiosk();
    await signIn(h);
    expect(h.frame()).not.toContain('Seed files');
    await h.type('i');
    expect(h.frame()).toContain('What next?');
  });

  it('imports a seed file after a preview and a confirm', async () => {
    h = await stockedKiosk();
    await signIn(h, 'root', '9999');
    await h.type('i');
    await h.waitFor('Seed files');
    await h.type('n');
    const box = makeTokens(4, { prefix: '0042' });
    const file = writeTemp('box-0042.csv', entraCsv(box));
    await h.type(file);
    const before = snapshot(h.inventory.paths.database);
    await h.press('enter');
    const preview = await h.waitFor('Import these 4 token(s)?');
    expect(preview).toContain('4 × Token2 C202, SHA1, 6 digits, 30 s');
    expect(snapshot(h.inventory.paths.database)).toBe(before);
    await h.type('y');
    await h.waitFor(/Imported 4 token\(s\) as import #2/);
    expect(tokenDetails(h.inventory, box[0]!.serial).token.status).toBe('in-stock');
    await h.press('enter');
    // The list row, not the report above it: only the list after Enter shows it.
    await h.waitFor(/#2 +[\d-]+ [\d:]+ box-0042\.csv +entra-csv +\+4 new/);
  });

  it('shows why a file is refused and cannot confirm it', async () => {
    h = await stockedKiosk();
    await signIn(h, 'root', '9999');
    await h.type('i');
    await h.type('n');
    const clash = [{ ...makeTokens(1, { prefix: '99' })[0]!, serial: h.tokens[0]!.serial }];
    await h.type(writeTemp('clash.csv', entraCsv(clash)));
    await h.press('enter');
    await h.waitFor('already in the inventory with a different secret');
    const before = snapshot(h.inventory.paths.database);
    await h.type('y');
    expect(h.frame()).not.toContain('Imported');
    expect(snapshot(h.inventory.paths.database)).toBe(before);
  });

  it('exports, voids and marks a batch uploaded with the seeds purged', async () => {
    h = await stockedKiosk();
    await signIn(h, 'root', '9999');
    await toVerify(h, 'a@example.com', h.tokens[0]!);
    await h.type(h.codeFor(h.tokens[0]!));
    await h.press('enter');
    await h.waitFor('Handed out.');
    await h.press('escape');
    await h.waitFor('What next?');
    await h.type('b');
    await h.waitFor('Waiting for export: 1');
    await h.type('e');
    await h.waitFor('[2] graph-json');
    await h.type('1');
    await h.waitFor(/batch desk-7-\d{8}-1: 1 token\(s\) written to/);
    expect(readdirSync(h.inventory.paths.exports).filter((f) => f.endsWith('.csv'))).toHaveLength(1);
    await h.type('v');
    await h.waitFor('Say why');
    await h.type('wrong tenant');
    await h.press('enter');
    await h.waitFor(/is void: 1 hand-out\(s\) wait for the next export/);
    await h.type('e');
    await h.type('2');
    await h.waitFor(/batch desk-7-\d{8}-2: 1 token\(s\) written/);
    await h.type('u');
    await h.waitFor('delete the seeds of its tokens now: YES');
    await h.type('y');
    await h.waitFor(/marked uploaded; 1 seed\(s\) deleted/);
    expect(tokenDetails(h.inventory, h.tokens[0]!.serial).token.seedPurged).toBe(true);
  });

  it('offers only what a batch and a hand-out still allow: no void or undo after upload', async () => {
    h = await stockedKiosk();
    await signIn(h, 'root', '9999');
    await toVerify(h, 'a@example.com', h.tokens[0]!);
    await h.type(h.codeFor(h.tokens[0]!));
    await h.press('enter');
    await h.waitFor('Handed out.');
    await h.press('escape');
    await h.waitFor('What next?');
    await h.type('b');
    await h.type('e');
    await h.type('1');
    const exported = await h.waitFor(/batch (desk-7-\d{8}-1): 1 token\(s\) written to/);
    const batch = /batch (desk-7-\d{8}-1):/.exec(exported)![1]!;
    expect(footer(h)).toContain('[v] void');
    expect(footer(h)).toContain('[u] mark uploaded');
    await h.press('escape');
    await h.type('t');
    await h.waitFor("Today's hand-outs at this desk: 1");
    expect(footer(h)).not.toContain('[u] undo');
    await h.type('u');
    await h.waitFor(`token ${h.tokens[0]!.serial} is already in batch ${batch}: an admin must void that batch first`);
    expect(h.frame()).not.toContain('Say why');
    await h.press('escape');
    await h.type('b');
    await h.type('u');
    await h.type('y');
    await h.waitFor(`batch ${batch} marked uploaded; 1 seed(s) deleted`);
    expect(footer(h)).not.toContain('[v] void');
    expect(footer(h)).toContain('[u] delete seeds');
    await h.type('v');
    await h.waitFor(`batch ${batch} was uploaded (`);
    expect(flat(h.frame())).toContain('it cannot be voided here. Remove its tokens in the identity provider first');
    expect(h.frame()).not.toContain('Say why');
    await h.press('escape');
    await h.type('t');
    await h.waitFor("Today's hand-outs at this desk: 1");
    await h.type('u');
    await h.waitFor(`token ${h.tokens[0]!.serial} went to the identity provider in batch ${batch}: it can no longer be undone here`);
    expect(h.frame()).not.toContain('void that batch');
  });
});
