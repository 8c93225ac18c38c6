/**
 * The hand-out wizard without Ink: keys in, state out, over a real inventory. Keys are fed one
 * after another with no redraw between them, as a scanner or a fast typist delivers them.
 */
import { describe, expect, it } from 'vitest';
import { codeAtStep, timeStep } from '../../src/core/totp.js';
import { createHandOutWizard, handOutDesk, handOutReducer, HAND_OUT_START, type HandOutWizard } from '../../src/kiosk/hooks/useHandOutWizard.js';
import type { KioskKey } from '../../src/kiosk/input/keys.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { importRoster } from '../../src/services/roster.js';
import { tokenDetails } from '../../src/services/tokens.js';
import { ADMIN, freshInventory, STAFF, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';

const T0 = Date.UTC(2026, 10, 30, 9, 0, 5);
const text = (t: string): KioskKey[] => [...t].map((c) => ({ kind: 'text', text: c }));
const key = (name: 'enter' | 'escape' | 'down' | 'tab' | 'backspace'): KioskKey => ({ kind: 'key', name });
const scan = (t: string): KioskKey => ({ kind: 'scan', text: t });

async function wizard() {
  const inventory = freshInventory();
  const tokens = makeTokens(3);
  await importSeeds(inventory, { file: writeTemp('seeds.csv', entraCsv(tokens)), actor: ADMIN });
  await importRoster(inventory, {
    file: writeTemp('roster.csv', 'upn,display name,employee id,badge\njane.doe@example.com,Jane Doe,E1006,04A7C2\njanet.roe@example.com,Janet Roe,E1007,\n'),
    actor: ADMIN,
  });
  const calls = { exit: 0, changed: 0 };
  const w: HandOutWizard = createHandOutWizard(handOutDesk({ inventory, now: () => T0 }, STAFF), {
    exit: () => calls.exit++,
    changed: () => calls.changed++,
  });
  const feed = (...keys: Array<KioskKey | KioskKey[]>) => keys.flat().forEach((k) => w.key(k));
  const code = (token: TestToken, offset = 0) => codeAtStep({ secret: token.secret, algorithm: 'SHA1', digits: 6, period: 30 }, timeStep(T0, 30) + offset);
  return { inventory, tokens, w, feed, calls, code, state: () => w.state.get() };
}

describe('hand-out wizard (no Ink)', () => {
  it('goes Employee > Token > Name > Verify > Done on keys fed without a redraw between them', async () => {
    const { inventory, tokens, feed, state, code, calls } = await wizard();
    const t = tokens[0]!;
    // a@example.com is not in the roster: the second Enter confirms it. The code is checked at its
    // last digit; the Enter typed out of habit right after it is taken as read on Done.
    feed(text('a@example.com'), key('enter'), key('enter'), scan(t.serial), key('enter'), text(code(t)), key('enter'));
    expect(state()).toMatchObject({ step: 'Done', code: '', notice: null, done: { serial: t.serial, upn: 'a@example.com', name: 'Token2 C202', offset: 'on time' } });
    expect(state().employee).toMatchObject({ tokensHeld: 1, notInRoster: true });
    expect(tokenDetails(inventory, t.serial).token.status).toBe('assigned');
    expect(calls.changed).toBe(1);
    // A key on Done starts the next hand-out with it.
    feed(text('x'));
    expect(state()).toMatchObject({ ...HAND_OUT_START, employeeText: 'x', suggestions: [] });
  });

  it('asks identify what a scan or typed id at the Employee step is', async () => {
    const { tokens, feed, state } = await wizard();
    feed(scan(tokens[1]!.serial));
    expect(state()).toMatchObject({ step: 'Employee', notice: { tone: 'info', text: `that was token ${tokens[1]!.serial}: first choose the employee, then scan the token at the Token step` } });
    feed(scan('04A7C2'));
    expect(state()).toMatchObject({ step: 'Token', employee: { upn: 'jane.doe@example.com', displayName: 'Jane Doe', tokensHeld: 0 } });
    // Back at Employee the chosen UPN stays in the field to edit; Ctrl+U clears it.
    feed(key('escape'), { kind: 'ctrl', letter: 'u' }, text('E1006'), key('enter'));
    expect(state()).toMatchObject({ step: 'Token', employee: { upn: 'jane.doe@example.com' } });
  });

  it('suggests from the roster as the name grows; down and Enter pick', async () => {
    const { feed, state } = await wizard();
    feed(text('jan'));
    expect(state().suggestions.map((p) => p.upn)).toEqual(['jane.doe@example.com', 'janet.roe@example.com']);
    feed(key('down'), key('down'));
    expect(state().selected).toBe(1);
    feed(key('enter'));
    expect(state()).toMatchObject({ step: 'Token', employee: { upn: 'janet.roe@example.com', displayName: 'Janet Roe' } });
  });

  it('keeps tries left from the token, then from each refusal, and goes back to Token when the token locks', async () => {
    const { tokens, feed, state, code } = await wizard();
    const t = tokens[2]!;
    feed(text('a@example.com'), key('enter'), key('enter'), text(t.serial), key('enter'), key('enter'));
    expect(state()).toMatchObject({ step: 'Verify', triesLeft: 5 });
    const near = new Set(Array.from({ length: 41 }, (_, i) => code(t, i - 20)));
    const wrong = ['000000', '111111', '222222', '333333', '444444', '555555', '666666', '777777'].filter((c) => !near.has(c));
    for (let i = 1; i <= 4; i++) {
      feed(text(wrong[i - 1]!), key('enter'));
      expect(state()).toMatchObject({ step: 'Verify', triesLeft: 5 - i, code: '', notice: { tone: 'bad' } });
    }
    feed(text(wrong[4]!), key('enter'));
    expect(state()).toMatchObject({ step: 'Token', token: null, serialText: '', triesLeft: null });
    expect(state().notice?.text).toContain(`token ${t.serial} is locked for 5 minutes`);
  });

  it('Esc goes back one step at a time, and leaves from the first step', async () => {
    const { tokens, feed, state, calls } = await wizard();
    feed(text('a@example.com'), key('enter'), key('enter'), text(tokens[0]!.serial), key('enter'), key('enter'), text('12'));
    expect(state()).toMatchObject({ step: 'Verify', code: '12' });
    feed(key('escape'));
    expect(state()).toMatchObject({ step: 'Name', code: '' });
    feed(key('escape'));
    expect(state()).toMatchObject({ step: 'Token', token: null, serialText: '' });
    feed(key('escape'));
    expect(state()).toMatchObject({ step: 'Employee', employee: null });
    expect(calls.exit).toBe(0);
    feed(key('escape'));
    expect(calls.exit).toBe(1);
  });

  it('the reducer keeps a code to the digits and clears a refusal once typing starts again', () => {
    const refused = handOutReducer(HAND_OUT_START, { type: 'code-refused', notice: { tone: 'bad', text: 'no' }, triesLeft: 2, tokenUnusable: false });
    expect(refused).toMatchObject({ notice: { text: 'no' }, triesLeft: 2 });
    expect(handOutReducer(refused, { type: 'code-typed', code: '1' })).toMatchObject({ notice: null, code: '1', triesLeft: 2 });
  });
});
