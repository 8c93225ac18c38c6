/**
 * The scanner in the built CLI: `scanner list --json` loads the real node-hid (CI installs
 * libusb-1.0-0) or says why not; under tmux, the kiosk with the default `--scanner auto` on a machine
 * without a scanner says it reads keystrokes and why, tells a keyboard-wedge burst from slow typing,
 * and takes a scan from a followed replay file at the Token step of a practice hand-out.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, json, tokendesk } from '../support/cli.js';
import { tempDir } from '../support/home.js';
import { TmuxTerminal, tmuxAvailable } from '../support/tmux.js';
import type { ScannerListing } from '../../src/scanner/index.js';

const fixtures = fileURLToPath(new URL('../fixtures/scanner/', import.meta.url));
const SERIAL = '9900000000005';
// Wide enough that the header's scanner line is not cut (it sits beside the stock counts).
const COLUMNS = 200;

let term: TmuxTerminal | undefined;
afterEach(() => {
  term?.kill();
  term = undefined;
});

/** `tokendesk scanner list --json`, run once: what node-hid says on this machine. */
let listing: ScannerListing | undefined;
function scannerList(): ScannerListing {
  if (listing) return listing;
  const result = tokendesk(['scanner', 'list', '--json']);
  listing = json<ScannerListing>(result);
  expect(result.status).toBe(listing.nodeHid.loaded ? 0 : 1);
  return listing;
}

/** A person at the keyboard: well over the wedge detector's 35 ms between keys, even on a busy machine. */
async function typeSlowly(t: TmuxTerminal, text: string): Promise<void> {
  for (const ch of text) {
    execFileSync('tmux', ['-L', t.socket, 'send-keys', '-t', t.session, '-l', ch]);
    await new Promise((r) => setTimeout(r, 120));
  }
}

async function signInAndStartHandOut(t: TmuxTerminal): Promise<void> {
  await t.waitFor('Staff sign-in');
  await typeSlowly(t, 'practice');
  await t.key('Enter');
  await typeSlowly(t, '1234');
  await t.key('Enter');
  await t.waitFor('What next?');
  await typeSlowly(t, 'h');
  await t.waitFor('[Employee]');
}

describe('tokendesk scanner list --json (the real node-hid)', () => {
  it('loads node-hid and enumerates, or says why it cannot load', () => {
    const found = scannerList();
    if (found.nodeHid.loaded) {
      // What the kernel has: /dev/hidrawN for each node under /sys/class/hidraw (none on CI).
      const nodes = existsSync('/sys/class/hidraw') ? readdirSync('/sys/class/hidraw').map((n) => `/dev/${n}`).sort() : [];
      if (process.platform === 'linux') expect([...new Set(found.devices.map((d) => d.path))].sort()).toEqual(nodes);
      expect(found.auto).toMatchObject({ why: expect.any(String) });
      console.log(`node-hid loaded (hidapi ${found.nodeHid.hidapiVersion ?? '?'}): ${found.devices.length} HID interfaces; auto: ${found.auto?.why}`);
    } else {
      console.log(`node-hid does not load here: ${found.nodeHid.reason}`);
      expect(found.nodeHid.reason).toMatch(/libusb-1\.0-0/);
      expect(found.devices).toEqual([]);
    }
  });
});

describe.skipIf(!tmuxAvailable)('the kiosk with a scanner, in a real terminal (tmux)', () => {
  it('starts with --scanner auto in keyboard-wedge mode with the reason, and tells a scan from typing', async () => {
    const found = scannerList();
    const tmp = tempDir();
    term = TmuxTerminal.start(`${process.execPath} ${CLI} kiosk --demo`, { columns: COLUMNS, env: { TMPDIR: tmp, NO_COLOR: '1' } });
    const first = await term.waitFor('Staff sign-in');
    if (!found.nodeHid.loaded) {
      expect(first).toMatch(/scanner unavailable: node-hid could not load \(.*\): install libusb-1\.0-0/);
    } else if (found.auto?.device) {
      console.log(`skipping the keyboard-wedge header check: a scanner is plugged in (${found.auto.device.name})`);
    } else {
      // No scanner on this machine (CI has no USB devices at all): keystrokes, and the reason why.
      expect(first).toContain(`scanner: keyboard-wedge input (${found.auto?.why}; scans are read from keystrokes)`);
    }

    await signInAndStartHandOut(term);
    // A burst at the Employee step is a scan, not a typed UPN: the kiosk says it was a token.
    term.scan(SERIAL);
    await term.waitFor(`that was token ${SERIAL}: first choose the employee`);
    // Typed at a person's pace: typing, so the roster suggests as the UPN grows, and a person's Enter picks it.
    await typeSlowly(term, 'grace.hopper@practice.example');
    await term.waitFor('Grace Hopper <grace.hopper@practice.example>');
    await term.key('Enter');
    await term.waitFor('[Token]');
    // Someone starts typing the serial, then scans: the burst is the serial, not more typing
    // (as typing, the field would read "7" + the serial, which is no token).
    await typeSlowly(term, '7');
    term.scan(SERIAL);
    const name = await term.waitFor('[Name]');
    expect(name).toContain(SERIAL);
    expect(name).not.toContain(`7${SERIAL}`);
  });

  it('takes a scan from a replay file (--scanner replay:FILE) at the Token step of a practice hand-out', async () => {
    const tmp = tempDir();
    const scans = join(tmp, 'scans.txt');
    copyFileSync(join(fixtures, 'practice-hand-out.txt'), scans);
    term = TmuxTerminal.start(`${process.execPath} ${CLI} kiosk --demo --scanner replay:${scans}`, { columns: COLUMNS, env: { TMPDIR: tmp, NO_COLOR: '1' } });
    const first = await term.waitFor('Staff sign-in');
    expect(first).toContain('scanner: replay scans.txt, replay');

    await signInAndStartHandOut(term);
    await typeSlowly(term, 'ada.lovelace@practice.example');
    await term.waitFor('Ada Lovelace <ada.lovelace@practice.example>');
    await term.key('Enter');
    await term.waitFor('[Token]');
    appendFileSync(scans, `${SERIAL}\n`);
    const name = await term.waitFor('[Name]');
    expect(name).toContain(SERIAL);
  });
});
