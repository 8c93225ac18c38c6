/**
 * A locked kiosk (`--locked`, the service): no key leaves it; only an admin's name and PIN quit.
 * And the screen error boundary: a screen that throws (drawing, or in a key handler) sends the
 * desk back to sign-in with a note that names the kind of error and nothing from its message.
 */
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyRouter, useKeys } from '../../src/kiosk/input/KeyRouter.js';
import { listAudit } from '../../src/services/auditTrail.js';
import { driveKiosk, signIn, stockedKiosk, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.unmount());

async function stillRunning(h: Harness, text: string): Promise<void> {
  await h.waitFor(text);
  expect(h.exited()).toBe(false);
}

describe('locked kiosk', () => {
  it('Ctrl+C, Ctrl+Z, Ctrl+\\, q and Esc at sign-in never quit; Ctrl+C asks for an admin', async () => {
    h = await stockedKiosk({ props: { locked: true } });
    await h.waitFor('Staff sign-in');
    for (const data of ['\u001a', '\u001c', 'q', '\u001b']) {
      h.stdin.write(data);
    }
    await h.press('escape');
    await stillRunning(h, 'Staff sign-in');
    await h.press('ctrl-c');
    await stillRunning(h, 'This kiosk is locked. To quit it, an admin signs in here.');
    // Esc in the admin box: back where it was.
    await h.press('escape');
    expect(h.frame()).not.toContain('This kiosk is locked');
    await stillRunning(h, 'Staff sign-in');
  });

  it('only an admin with the right PIN quits it; staff and wrong PINs are refused', async () => {
    h = await stockedKiosk({ props: { locked: true } });
    await signIn(h);
    await h.type('q');
    await h.waitFor('an admin signs in here');
    await h.type('alice');
    await h.press('enter');
    await h.type('4321');
    await h.press('enter');
    await stillRunning(h, 'alice is not an admin: only an admin can quit this kiosk');
    await h.press('tab');
    // The name field keeps alice; clear it and try the admin with a wrong PIN.
    await h.type('\u0015');
    await h.type('root');
    await h.press('enter');
    await h.type('1111');
    await h.press('enter');
    await stillRunning(h, 'do not match');
    await h.type('9999');
    await h.press('enter');
    for (let i = 0; i < 300 && !h.exited(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(h.exited()).toBe(true);
    const actions = listAudit(h.inventory, {}).map((e) => `${e.action}:${e.actor}`);
    expect(actions).toContain('sign-in:root');
  });

  it('Ctrl+C in the admin box goes back to the screen, which kept its state', async () => {
    h = await stockedKiosk({ props: { locked: true } });
    await signIn(h);
    await h.type('h');
    await h.waitFor('[Employee]');
    await h.type('ada@contoso.com');
    await h.press('ctrl-c');
    await h.waitFor('an admin signs in here');
    await h.press('ctrl-c');
    const frame = await h.waitFor('ada@contoso.com');
    expect(frame).not.toContain('an admin signs in here');
    expect(h.exited()).toBe(false);
  });

  it('before the home is unlocked (nobody to ask), Ctrl+C and q only say the kiosk is locked', async () => {
    const d = driveKiosk({ session: null, homeDir: '/nonexistent', unlock: async () => Promise.reject(new Error('no')), wedge: false, locked: true, size: { columns: 100, rows: 30 } });
    try {
      await d.waitFor('[Enter] unlock');
      await d.press('ctrl-c');
      await d.waitFor('This kiosk is locked: unlock it first, then an admin can quit it.');
      expect(d.exited()).toBe(false);
      expect(d.frame()).not.toContain('[Ctrl+C] quit');
    } finally {
      d.unmount();
    }
  });

  it('an unlocked kiosk still quits on Ctrl+C at sign-in', async () => {
    h = await stockedKiosk();
    await h.waitFor('Staff sign-in');
    await h.press('ctrl-c');
    expect(h.exited()).toBe(true);
  });
});

describe('screen error boundary', () => {
  it('a screen that throws sends the desk back to sign-in, naming no UPN or code', async () => {
    h = await stockedKiosk({ props: { testCrash: 'screen' } });
    await h.waitFor('Staff sign-in');
    await h.type('alice');
    await h.press('enter');
    await h.type('4321');
    await h.press('enter');
    const frame = await h.waitFor('Something went wrong on that screen (TypeError)');
    expect(frame).toContain('Staff sign-in');
    expect(frame).not.toMatch(/j\.doe|123456/);
    expect(h.exited()).toBe(false);
    // Signed out on the way (the audit says so), and the desk works again.
    expect(listAudit(h.inventory, {}).some((e) => e.action === 'sign-out')).toBe(true);
    await signIn(h);
  });

  it('the key router hands an error thrown in a key handler to onError instead of throwing', async () => {
    const errors: unknown[] = [];
    function Thrower() {
      useKeys(() => {
        throw new Error('boom for j.doe@example.com');
      });
      return <Text>ready</Text>;
    }
    const app = render(
      <KeyRouter onError={(e) => errors.push(e)}>
        <Thrower />
      </KeyRouter>,
    );
    while (!(app.lastFrame() ?? '').includes('ready')) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 5));
    app.stdin.write('x');
    // Typing is held a moment (it might be the start of a scanner burst), then delivered.
    for (let i = 0; i < 300 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(errors).toHaveLength(1);
    app.unmount();
  });
});
