/**
 * The desk day in a real terminal (the built CLI in practice mode under tmux): the hand-out with a
 * badge scanner is two scans, Enter on the name and the digits (checked at the last one, no Enter),
 * a burst typed into the undo reason keeps every character, and the Verify step at 80x24 keeps
 * every line whole (the issue saw lines lose their first letter,
 * the big digits their top row and the header its second line).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { tempDir } from '../support/home.js';
import { TmuxTerminal, tmuxAvailable } from '../support/tmux.js';

let term: TmuxTerminal | undefined;

/** Typed faster than any person: one write of the whole text (no Enter, so not a scan). */
const execBurst = (t: TmuxTerminal, text: string) => t.bytes(Buffer.from(text, 'utf8'));
afterEach(() => term?.kill());

function practice(size: { columns: number; rows: number }): TmuxTerminal {
  return TmuxTerminal.start(`${process.execPath} ${CLI} kiosk --demo --scanner keyboard`, { ...size, env: { TMPDIR: tempDir(), NO_COLOR: '1' } });
}

async function signIn(t: TmuxTerminal): Promise<void> {
  await t.waitFor('Staff sign-in');
  await t.type('practice');
  await t.key('Enter');
  await t.type('1234');
  await t.key('Enter');
  await t.waitFor('What next?');
}

describe.skipIf(!tmuxAvailable)('desk day in a real terminal (tmux)', () => {
  it('a hand-out with a badge scanner: badge scan, token scan, Enter on the name, the digits', async () => {
    term = practice({ columns: 110, rows: 30 });
    await signIn(term);
    await term.type('h');
    await term.waitFor('[Employee]');
    term.scan('B5003');
    await term.waitFor('Employee: Grace Hopper <grace.hopper@practice.example> (holds 0 of 5)');
    term.scan('9900000000004');
    await term.waitFor('[Name]');
    await term.key('Enter');
    const code = /shows code (\d{6})/.exec(await term.waitFor(/shows code (\d{6})/))![1]!;
    // A slip first: Backspace still works before the last digit.
    await term.type(code.slice(0, 2));
    await term.type(String((Number(code[2]) + 1) % 10));
    await term.keys('BSpace');
    await term.type(code.slice(2));
    const done = await term.waitFor('Handed out.');
    expect(done).toContain('9900000000004');
    expect(done).toContain('(holds 1 of 5)');

    // A burst typed into the undo reason keeps every character (the issue saw "replay test" become "t").
    await term.key('Escape');
    await term.waitFor('What next?');
    await term.type('t');
    await term.waitFor("Today's hand-outs at this desk: 1");
    await term.type('u');
    await term.waitFor('Say why');
    execBurst(term, 'replay test');
    await term.waitFor(/Reason\s+replay test/);
  }, 60_000);

  it('the Verify step in practice mode at 80x24 keeps every line whole', async () => {
    term = practice({ columns: 80, rows: 24 });
    await signIn(term);
    await term.type('h');
    await term.type('grace');
    await term.waitFor('Grace Hopper');
    await term.key('Enter');
    term.scan('9900000000007');
    await term.waitFor('[Name]');
    await term.key('Enter');
    const screen = await term.waitFor(/shows code \d{6}/);
    const lines = screen.split('\n');
    expect(lines[0]).toMatch(/^ tokendesk · desk practice/);
    expect(lines[1]).toMatch(/^ in stock 20/);
    expect(screen).toMatch(/^ Employee ✔ {2}> {2}Token ✔/m);
    expect(screen).toMatch(/^ Token name: Token2 C202/m);
    expect(screen).toMatch(/^ Employee: press the button/m);
    expect(screen).toContain('─── ─── ─── ─── ─── ───');
    expect(screen).toMatch(/^ Tries left before the token locks: 5$/m);
    expect(screen).toMatch(/\[Esc\] back/);
  }, 60_000);
});
