/**
 * A locked kiosk in a real terminal (the built CLI under tmux, practice mode, `--locked`): the keys
 * that end or suspend a program in a shell (Ctrl+C, Ctrl+Z, Ctrl+\), and q and Esc, on every
 * screen leave it running; only the admin's name and PIN quit. An injected crash in a screen goes
 * back to sign-in; one outside React ends the process with status 70 (the unit restarts it), and
 * neither shows the UPN or code the error message held.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { tempDir } from '../support/home.js';
import { TmuxTerminal, tmuxAvailable } from '../support/tmux.js';

let term: TmuxTerminal | undefined;
afterEach(() => term?.kill());

const ADMIN_BOX = 'an admin signs in here';

function startLocked(env: Record<string, string> = {}): TmuxTerminal {
  return TmuxTerminal.start(`${process.execPath} ${CLI} kiosk --demo --locked --scanner keyboard`, { env: { TMPDIR: tempDir(), NO_COLOR: '1', ...env } });
}

async function signIn(t: TmuxTerminal): Promise<void> {
  await t.waitFor('Staff sign-in');
  await t.type('practice');
  await t.key('Enter');
  await t.type('1234');
  await t.key('Enter');
  await t.waitFor('What next?');
}

/** The shell keys, then Ctrl+C opens the admin box and Esc closes it; the screen is still `still`. */
async function tryToLeave(t: TmuxTerminal, still: string): Promise<void> {
  await t.keys('C-z', 'C-\\');
  await t.keys('C-c');
  await t.waitFor(ADMIN_BOX);
  await t.keys('C-z', 'C-\\', 'q');
  await t.keys('Escape');
  // The box closes (a redraw only the new state shows), and the screen under it is still there.
  const screen = await t.waitFor(new RegExp(`^(?![\\s\\S]*${ADMIN_BOX})[\\s\\S]*${escapeRegExp(still)}`));
  expect(screen).toContain(still);
  expect(t.running()).toBe(true);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.skipIf(!tmuxAvailable)('locked kiosk in a real terminal (tmux)', () => {
  it('keeps running through Ctrl+C, Ctrl+Z, Ctrl+\\, q and Esc on every screen; the admin quits it', async () => {
    term = startLocked();
    await term.waitFor('Staff sign-in');
    await tryToLeave(term, 'Staff sign-in');
    await term.keys('q', 'Escape');
    // Self-check (no one signed in).
    await term.type('?');
    await term.waitFor('Check your token');
    await tryToLeave(term, 'Check your token');
    await term.keys('q', 'Escape');
    await term.waitFor('Staff sign-in');

    await signIn(term);
    await tryToLeave(term, 'What next?');
    await term.keys('q');
    await term.waitFor(ADMIN_BOX);
    await term.keys('Escape');
    for (const [key, title] of [
      ['h', '[Employee]'],
      ['t', "Today's hand-outs"],
      ['c', 'Check your token'],
      ['i', 'Seed files'],
      ['b', 'Batches'],
    ] as const) {
      await term.waitFor('What next?');
      await term.type(key);
      await term.waitFor(title);
      await tryToLeave(term, title);
      await term.keys('q', 'Escape', 'Escape');
      expect(term.running()).toBe(true);
    }

    await term.waitFor('What next?');
    await term.keys('C-c');
    await term.waitFor(ADMIN_BOX);
    await term.type('practice');
    await term.key('Enter');
    await term.type('1234');
    await term.key('Enter');
    expect(await term.exitStatus()).toBe(0);
  }, 120_000);

  it('a screen that crashes goes back to sign-in and shows no UPN or code', async () => {
    term = startLocked({ TOKENDESK_TEST_CRASH: 'screen' });
    await term.waitFor('Staff sign-in');
    await term.type('practice');
    await term.key('Enter');
    await term.type('1234');
    await term.key('Enter');
    const screen = await term.waitFor('Something went wrong on that screen');
    expect(screen).toContain('Staff sign-in');
    expect(screen).not.toMatch(/j\.doe|123456/);
    await signIn(term);
    expect(term.running()).toBe(true);
  }, 60_000);

  it('an error outside the screens ends the kiosk with status 70, naming no UPN or code', async () => {
    term = startLocked({ TOKENDESK_TEST_CRASH: 'uncaught' });
    expect(await term.exitStatus()).toBe(70);
    const screen = term.screen();
    expect(screen).toContain('the kiosk stopped on an unexpected error (Error)');
    expect(screen).not.toMatch(/j\.doe|123456/);
  }, 60_000);
});
