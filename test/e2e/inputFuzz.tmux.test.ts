/**
 * Input fuzz through a real terminal: the built CLI (practice mode, locked, so no random key can
 * quit it) under tmux, and on every reachable screen thousands of random byte sequences: escape
 * sequences of every family (complete, cut short, with random parameters), control bytes, invalid
 * UTF-8, text in several scripts, bracketed and unbracketed long pastes. After each write the
 * process must still run; after each screen its frame must be whole (header on the first row, the
 * footer rule above the last) and its clock must still tick (not hung).
 *
 * Small by default (about 1,400 sequences in all); TOKENDESK_KIOSK_FUZZ=1 runs about 22,000.
 * TOKENDESK_FUZZ_SEED=n replays a run (the seed is in every failure message).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { tempDir } from '../support/home.js';
import { TmuxTerminal, tmuxAvailable } from '../support/tmux.js';

const LARGE = process.env.TOKENDESK_KIOSK_FUZZ === '1';
const PER_SCREEN = LARGE ? 2500 : 150;
const SEED = Number(process.env.TOKENDESK_FUZZ_SEED ?? 20261202);
const COLUMNS = 100;
const ROWS = 30;

let term: TmuxTerminal | undefined;
afterEach(() => term?.kill());

/** mulberry32: small, seeded, the same sequence on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ESC = 0x1b;
const ascii = (s: string) => [...Buffer.from(s, 'utf8')];

function sequence(random: () => number): number[] {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T,>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const params = () => Array.from({ length: int(4) }, () => String(int(300))).join(pick([';', ':', ';']));
  switch (int(12)) {
    case 0: // CSI with random parameters and a random final byte (SGR, cursor reports, F-keys...)
      return [ESC, 0x5b, ...ascii(pick(['', '?', '>', '<', '='])), ...ascii(params()), 0x40 + int(0x3f)];
    case 1: // a known troublemaker
      return ascii(pick(['\u001b[31m', '\u001b[0m', 'x\u001b[1;5my', '\u001b[1;2R', '\u001b[200~', '\u001b[201~', '\u001b[M !!', '\u001b[[A', '\u001bOP', '\u001b[15;2~', '\u001b[99;5u', '\u001b[I', '\u001b[O']));
    case 2: // OSC / DCS / APC strings, ended by BEL, by ST, or not at all
      return [ESC, ...ascii(pick([']', 'P', '_', '^', 'X'])), ...ascii(`${int(100)};${'z'.repeat(int(40))}`), ...pick([[0x07], [ESC, 0x5c], []])];
    case 3: // a sequence cut short, then anything
      return [ESC, ...ascii(pick(['[', '[1;', 'O', ']0;', '(', ''])), ...(random() < 0.5 ? [int(256)] : [])];
    case 4: // control bytes, Ctrl+C/Z/\ and friends included
      return Array.from({ length: 1 + int(4) }, () => pick([int(0x20), 0x7f, 0x03, 0x1a, 0x1c, 0x0d, 0x0a, 0x09, 0x08, 0x15]));
    case 5: // invalid UTF-8: stray continuation bytes, cut-off multi-byte starts, overlongs, surrogates
      return Array.from({ length: 1 + int(6) }, () => pick([0x80 + int(0x40), 0xc0 + int(0x40), 0xf5 + int(0x0b), 0xed, 0xa0, 0xff]));
    case 6: // C1 controls written as UTF-8 (the 8-bit CSI, OSC, ST...)
      return [0xc2, 0x80 + int(0x20), ...ascii(params()), 0x40 + int(0x3f)];
    case 7: // text in several scripts, emoji, combining marks
      return ascii(pick(['ada', 'E1006', 'Zoë', 'Ωμέγα', 'шифр', '漢字', '😀👍🏽', 'e\u0301', '9900000000007', '@contoso.com', ' ', '?']));
    case 8: { // bracketed paste of random content (sometimes with escapes and newlines inside)
      const body = Array.from({ length: 1 + int(60) }, () => (random() < 0.1 ? pick(['\u001b[31m', '\r', '\n', '\u0003']) : String.fromCharCode(0x20 + int(0x5f)))).join('');
      return [...ascii('\u001b[200~'), ...ascii(body), ...(random() < 0.9 ? ascii('\u001b[201~') : [])];
    }
    case 9: // a long paste, bracketed or not
      return [...(random() < 0.5 ? ascii('\u001b[200~') : []), ...ascii('x'.repeat(500 + int(3500))), ...ascii('\u001b[201~')];
    case 10: // named keys: arrows, Home/End, PgUp/PgDn, Tab, Shift+Tab, Esc, Backspace, Enter
      return ascii(pick(['\u001b[A', '\u001b[B', '\u001b[C', '\u001b[D', '\u001b[H', '\u001b[F', '\u001b[5~', '\u001b[6~', '\t', '\u001b[Z', '\u001b', '\u007f', '\r']));
    default: // random bytes
      return Array.from({ length: 1 + int(8) }, () => int(256));
  }
}

function start(): TmuxTerminal {
  return TmuxTerminal.start(`${process.execPath} ${CLI} kiosk --demo --locked --scanner keyboard`, {
    columns: COLUMNS,
    rows: ROWS,
    env: { TMPDIR: tempDir(), NO_COLOR: '1' },
  });
}

async function signIn(t: TmuxTerminal): Promise<void> {
  await t.waitFor('Staff sign-in');
  await t.type('practice');
  await t.key('Enter');
  await t.type('1234');
  await t.key('Enter');
  await t.waitFor('What next?');
}

/** The frame is whole: header on the first row, the footer's rule above its last line. */
function expectWholeFrame(screen: string, context: string): void {
  const lines = screen.split('\n');
  expect(lines[0], context).toMatch(/^ tokendesk · desk practice/);
  expect(lines.filter((l) => /^─{20,}/.test(l)).length, context).toBeGreaterThanOrEqual(2);
  expect(screen, context).not.toMatch(/\[20[01]~|\u001b/);
}

async function clockTicks(t: TmuxTerminal, context: string): Promise<void> {
  const clock = () => /clock (\d\d:\d\d:\d\d)/.exec(t.screen())?.[1];
  const before = clock();
  expect(before, context).toBeDefined();
  await t.waitFor(new RegExp(`clock (?!${before})\\d\\d:\\d\\d:\\d\\d`), 10_000);
}

/** How to reach each screen from a fresh, signed-in (or not) kiosk. */
const SCREENS: Array<{ name: string; signedIn: boolean; go: (t: TmuxTerminal) => Promise<void> }> = [
  { name: 'sign-in', signedIn: false, go: async () => {} },
  { name: 'self-check', signedIn: false, go: async (t) => (await t.type('?'), void (await t.waitFor('Check your token'))) },
  {
    name: 'admin quit box',
    signedIn: false,
    go: async (t) => {
      // A key the kiosk shows first: before it reads keys, the terminal is not yet raw (Ctrl+C
      // would be a signal, which a locked kiosk ignores).
      await t.type('a');
      await t.waitFor(/Name\s+a/);
      await t.keys('C-c');
      await t.waitFor('an admin signs in here');
    },
  },
  { name: 'menu', signedIn: true, go: async () => {} },
  { name: 'hand-out: employee', signedIn: true, go: async (t) => (await t.type('h'), void (await t.waitFor('[Employee]'))) },
  {
    name: 'hand-out: verify',
    signedIn: true,
    go: async (t) => {
      await t.type('h');
      await t.type('grace');
      await t.waitFor('Grace Hopper');
      await t.key('Enter');
      await t.waitFor('[Token]');
      t.scan('9900000000007');
      await t.waitFor('[Name]');
      await t.key('Enter');
      await t.waitFor('[Verify]');
    },
  },
  { name: 'today', signedIn: true, go: async (t) => (await t.type('t'), void (await t.waitFor("Today's hand-outs"))) },
  { name: 'imports', signedIn: true, go: async (t) => (await t.type('i'), void (await t.waitFor('Seed files'))) },
  { name: 'batches', signedIn: true, go: async (t) => (await t.type('b'), void (await t.waitFor('Batches'))) },
];

describe.skipIf(!tmuxAvailable)('kiosk input fuzz in a real terminal (tmux)', () => {
  it.each(SCREENS.map((s, i) => [s.name, i] as const))(`random bytes into %s: no crash, the frame whole (seed ${SEED})`, async (name, index) => {
    const screen = SCREENS[index]!;
    const random = rng(SEED + index);
    term = start();
    if (screen.signedIn) await signIn(term);
    else await term.waitFor('Staff sign-in');
    await screen.go(term);
    let sent = 0;
    while (sent < PER_SCREEN) {
      // Several sequences in one write (a burst, one read) or one alone.
      const count = Math.min(PER_SCREEN - sent, random() < 0.5 ? 1 : 1 + Math.floor(random() * 15));
      const bytes: number[] = [];
      for (let i = 0; i < count; i++) bytes.push(...sequence(random));
      term.bytes(Uint8Array.from(bytes));
      sent += count;
      if (!term.running()) {
        expect.fail(`the kiosk ended on ${name} after ${sent} sequences (seed ${SEED + index}); last write (first 200 bytes) ${Buffer.from(bytes.slice(0, 200)).toString('hex')}:\n${term.screen()}`);
      }
    }
    const context = `${name}, seed ${SEED + index}`;
    await clockTicks(term, context);
    expectWholeFrame(term.screen(), context);
    expect(term.running(), context).toBe(true);
  }, LARGE ? 900_000 : 120_000);
});
