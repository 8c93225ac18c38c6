/**
 * Screen tests drive the real KioskApp over a real inventory (temp SQLite file) with keystrokes,
 * and wait for what a person would see instead of sleeping: each key is sent, then the harness
 * waits until the key router has taken it (the screen has then redrawn), and `waitFor` polls the
 * frame for text only the new state can show.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterAll, expect } from 'vitest';
import { KioskApp, type KioskAppProps, type KioskSession } from '../../src/kiosk/KioskApp.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { addStaff } from '../../src/services/staff.js';
import { codeAtStep, timeStep } from '../../src/core/totp.js';
import { initHome, openInventory, type Inventory } from '../../src/services/home.js';
import { ADMIN, freshInventory, tempDir, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';
import { FakeScanner } from './fakeScanner.js';

export const T0 = Date.UTC(2026, 10, 30, 9, 0, 5);

// Kept from before any test fakes the timers: the harness itself must keep real time.
const realSetTimeout = globalThis.setTimeout;
const realSetImmediate = globalThis.setImmediate;
/** One turn of the event loop: Ink's lone-Esc flush and React's passive effects run in it. */
export const tick = () => new Promise<void>((resolve) => realSetImmediate(resolve));
const pause = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));

/** The frame as one line of words: a message Ink wrapped at the edge still reads as one sentence. */
export const flat = (frame: string) => frame.replace(/\u001b\[[0-9;]*m/g, '').replace(/[\s│]+/g, ' ');

export type KeyName = 'enter' | 'escape' | 'tab' | 'up' | 'down' | 'backspace' | 'ctrl-c' | 'pagedown' | 'pageup';

export interface Harness extends Driver {
  inventory: Inventory;
  tokens: TestToken[];
  clock: { now: number };
  codeFor(token: TestToken, offsetSteps?: number): string;
  scanner: FakeScanner;
}

const KEYS: Record<KeyName, string> = {
  enter: '\r',
  escape: '\u001b',
  tab: '\t',
  up: '\u001b[A',
  down: '\u001b[B',
  backspace: '\u007f',
  'ctrl-c': '\u0003',
  pagedown: '\u001b[6~',
  pageup: '\u001b[5~',
};

/**
 * A desk with six tokens and two staff (alice/4321 staff, root/9999 admin). Built once per test
 * file and copied for each test: a fresh home is mostly scrypt and sealing, the same every time.
 */
export async function stockedKiosk(
  options: { tokens?: number; staff?: boolean; size?: { columns: number; rows: number }; props?: Partial<KioskAppProps> } = {},
): Promise<Harness> {
  if ((options.tokens ?? 6) === 6 && options.staff !== false) {
    const template = await (stockedTemplate ??= buildStockedTemplate());
    const dir = join(tempDir(), 'home');
    cpSync(template.dir, dir, { recursive: true });
    const inventory = openInventory(dir);
    const h = mount(inventory, template.tokens, options.size, undefined, options.props);
    return { ...h, unmount: () => (h.unmount(), inventory.close()) };
  }
  const inventory = freshInventory('desk-7');
  const tokens = makeTokens(options.tokens ?? 6);
  await stock(inventory, tokens, options.staff !== false);
  return mount(inventory, tokens, options.size, undefined, options.props);
}

async function stock(inventory: Inventory, tokens: TestToken[], staff: boolean): Promise<void> {
  if (tokens.length > 0) await importSeeds(inventory, { file: writeTemp('seeds.csv', entraCsv(tokens)), actor: ADMIN });
  if (staff) {
    addStaff(inventory, { name: 'alice', role: 'staff', pin: '4321', actor: ADMIN });
    addStaff(inventory, { name: 'root', role: 'admin', pin: '9999', actor: ADMIN });
  }
}

let stockedTemplate: Promise<{ dir: string; tokens: TestToken[] }> | undefined;
const templateRoots: string[] = [];
afterAll(() => {
  for (const root of templateRoots.splice(0)) rmSync(root, { recursive: true, force: true });
});

async function buildStockedTemplate(): Promise<{ dir: string; tokens: TestToken[] }> {
  const root = mkdtempSync(join(tmpdir(), 'tokendesk-kiosk-template-'));
  templateRoots.push(root);
  const dir = join(root, 'home');
  initHome(dir, { deskId: 'desk-7' });
  const inventory = openInventory(dir);
  const tokens = makeTokens(6);
  try {
    await stock(inventory, tokens, true);
  } finally {
    inventory.close();
  }
  return { dir, tokens };
}

/** Keys, frames and waiting for any KioskApp: the shared part of every screen test. */
export interface Driver {
  stdin: { write(data: string): void };
  frame(): string;
  /** Waits for text on screen (a string may be wrapped over lines); returns the frame. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Types each character as its own key and waits until the kiosk has taken it. */
  type(text: string): Promise<void>;
  press(key: KeyName): Promise<void>;
  /** True once the kiosk has quit (exit() called). */
  exited(): boolean;
  unmount(): void;
}

export function driveKiosk(props: Omit<KioskAppProps, 'onKeysDrawn' | 'onExit'>): Driver {
  let drawn = 0;
  let exited = false;
  const app = render(<KioskApp {...props} onKeysDrawn={(count) => (drawn = count)} onExit={() => (exited = true)} />);
  const frame = () => app.lastFrame() ?? '';
  const waitFor = async (text: string | RegExp, timeoutMs = 3000) => {
    const start = Date.now();
    // At least one turn first: the first frame is drawn before Ink listens to the keyboard.
    await tick();
    for (;;) {
      const f = frame();
      if (typeof text === 'string' ? f.includes(text) || flat(f).includes(flat(text)) : text.test(f)) return f;
      if (Date.now() - start > timeoutMs) expect.fail(`timed out waiting for ${String(text)}; the screen shows:\n${f}`);
      await pause(10);
    }
  };
  /**
   * Writes one key and waits until the router has delivered it and the redraw it caused is
   * committed (Ink holds a lone Esc for a turn; React draws a turn or more later).
   */
  const send = async (data: string) => {
    const before = drawn;
    app.stdin.write(data);
    const start = Date.now();
    for (let turn = 0; drawn === before && !exited; turn++) {
      if (Date.now() - start > 3000) expect.fail(`the kiosk did not take the key ${JSON.stringify(data)}; the screen shows:\n${frame()}`);
      await (turn < 10 ? tick() : pause(5));
    }
    // Passive effects of that redraw run before the next key.
    await tick();
  };
  return {
    stdin: app.stdin,
    frame,
    waitFor,
    async type(text) {
      for (const ch of text) await send(ch);
    },
    press: (key) => send(KEYS[key]),
    exited: () => exited,
    unmount: () => app.unmount(),
  };
}

export function mount(
  inventory: Inventory,
  tokens: TestToken[],
  size = { columns: 100, rows: 30 },
  session?: Partial<KioskSession>,
  props?: Partial<KioskAppProps>,
): Harness {
  const clock = { now: T0 };
  const scanner = new FakeScanner();
  const driver = driveKiosk({
    session: { inventory, homeDir: inventory.paths.dir, practice: null, ...session },
    homeDir: inventory.paths.dir,
    now: () => clock.now,
    wedge: false,
    size,
    scanSource: scanner,
    ...props,
  });
  return {
    ...driver,
    inventory,
    tokens,
    clock,
    scanner,
    codeFor(token, offsetSteps = 0) {
      return codeAtStep({ secret: token.secret, algorithm: 'SHA1', digits: 6, period: 30 }, timeStep(clock.now, 30) + offsetSteps);
    },
  };
}

export async function signIn(h: Harness, name = 'alice', pin = '4321'): Promise<void> {
  await h.waitFor('Staff sign-in');
  await h.type(name);
  await h.press('enter');
  await h.type(pin);
  await h.press('enter');
  await h.waitFor('What next?');
}

/** From the menu to the Verify step for a token. */
export async function toVerify(h: Harness, upn: string, token: TestToken): Promise<void> {
  await h.type('h');
  await h.waitFor('[Employee]');
  await h.type(upn);
  await h.press('enter');
  await h.waitFor('[Token]');
  await h.type(token.serial);
  await h.press('enter');
  await h.waitFor('[Name]');
  await h.press('enter');
  await h.waitFor('[Verify]');
}
