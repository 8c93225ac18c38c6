/**
 * Screen tests drive the real KioskApp over a real inventory (temp SQLite file) with keystrokes,
 * and wait for what a person would see instead of sleeping.
 */
import { render } from 'ink-testing-library';
import { expect } from 'vitest';
import { KioskApp, type KioskSession } from '../../src/kiosk/KioskApp.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { addStaff } from '../../src/services/staff.js';
import { codeAtStep, timeStep } from '../../src/core/totp.js';
import type { Inventory } from '../../src/store/db.js';
import { ADMIN, freshInventory, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';
import { FakeScanner } from './fakeScanner.js';

export const T0 = Date.UTC(2026, 10, 30, 9, 0, 5);

export interface Harness {
  inventory: Inventory;
  tokens: TestToken[];
  clock: { now: number };
  stdin: { write(data: string): void };
  frame(): string;
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  type(text: string): Promise<void>;
  press(key: 'enter' | 'escape' | 'tab' | 'up' | 'down' | 'backspace' | 'ctrl-c' | 'pagedown'): Promise<void>;
  codeFor(token: TestToken, offsetSteps?: number): string;
  scanner: FakeScanner;
  unmount(): void;
}

const KEYS = { enter: '\r', escape: '\u001b', tab: '\t', up: '\u001b[A', down: '\u001b[B', backspace: '\u007f', 'ctrl-c': '\u0003', pagedown: '\u001b[6~' };

export async function stockedKiosk(options: { tokens?: number; staff?: boolean; size?: { columns: number; rows: number } } = {}): Promise<Harness> {
  const inventory = freshInventory('desk-7');
  const tokens = makeTokens(options.tokens ?? 6);
  if (tokens.length > 0) await importSeeds(inventory, { file: writeTemp('seeds.csv', entraCsv(tokens)), actor: ADMIN });
  if (options.staff !== false) {
    addStaff(inventory, { name: 'alice', role: 'staff', pin: '4321', actor: ADMIN });
    addStaff(inventory, { name: 'root', role: 'admin', pin: '9999', actor: ADMIN });
  }
  return mount(inventory, tokens, options.size);
}

export function mount(inventory: Inventory, tokens: TestToken[], size = { columns: 100, rows: 30 }, session?: Partial<KioskSession>): Harness {
  const clock = { now: T0 };
  const scanner = new FakeScanner();
  const app = render(
    <KioskApp
      session={{ inventory, homeDir: inventory.paths.dir, practice: null, ...session }}
      homeDir={inventory.paths.dir}
      now={() => clock.now}
      wedge={false}
      size={size}
      scanSource={scanner}
    />,
  );
  const frame = () => app.lastFrame() ?? '';
  const waitFor = async (text: string | RegExp, timeoutMs = 3000) => {
    const start = Date.now();
    for (;;) {
      const f = frame();
      if (typeof text === 'string' ? f.includes(text) : text.test(f)) return f;
      if (Date.now() - start > timeoutMs) {
        expect.fail(`timed out waiting for ${String(text)}; the screen shows:\n${f}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  // Let React commit the effect that registers the screen's key handler after each key.
  const settle = () => new Promise((r) => setTimeout(r, 15));
  return {
    inventory,
    tokens,
    clock,
    stdin: app.stdin,
    scanner,
    frame,
    waitFor,
    async type(text) {
      for (const ch of text) {
        app.stdin.write(ch);
        await settle();
      }
    },
    async press(key) {
      app.stdin.write(KEYS[key]);
      await settle();
    },
    codeFor(token, offsetSteps = 0) {
      return codeAtStep({ secret: token.secret, algorithm: 'SHA1', digits: 6, period: 30 }, timeStep(clock.now, 30) + offsetSteps);
    },
    unmount: () => app.unmount(),
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
