/**
 * The hand-out wizard's state and actions, apart from its view: Employee > Token > Name > Verify >
 * Done. A pure reducer says how each event changes the state; the wizard turns keys into events,
 * asking the services (through `HandOutDesk`) what a scan identified and whether each step may go
 * on. Nothing is written until the code is accepted, and then by the same service as `assign`.
 */
import { useEffect } from 'react';
import { Refusal } from '../../core/errors.js';
import { describeOffset } from '../../core/drift.js';
import type { Actor } from '../../services/actor.js';
import { triesLeft } from '../../services/deskRules.js';
import { checkDisplayName, checkEmployee, checkTokenForHandOut, defaultDisplayName, handOut, type HandOutResult } from '../../services/handOut.js';
import { identify, type Arrival, type Identified } from '../../services/identify.js';
import { findByUpn, rosterSize, searchRoster, type RosterPerson } from '../../services/roster.js';
import type { TokenView } from '../../services/tokens.js';
import type { KioskContext } from '../context.js';
import { FIELD_LIMITS } from '../fieldLimits.js';
import { edit, isKey, type KioskKey } from '../input/keys.js';
import { createScreenState, useOnce, useScreenState, type ScreenState } from './screenState.js';
import { cursorMoveOf, moveCursor } from './useListCursor.js';

export const HAND_OUT_STEPS = ['Employee', 'Token', 'Name', 'Verify', 'Done'] as const;
export type HandOutStep = (typeof HAND_OUT_STEPS)[number];

/** Done goes back to a fresh Employee step by itself after this long. */
export const DONE_RETURN_MS = 6000;
/** Roster suggestions under the Employee field. */
export const SUGGESTIONS = 5;

export interface Notice {
  tone: 'ok' | 'bad' | 'warn' | 'info';
  text: string;
}

export interface Employee {
  upn: string;
  displayName?: string;
  tokensHeld: number;
  /** A roster is loaded and this UPN is not in it: the desk confirmed it (the audit says so). */
  notInRoster?: boolean;
}

export interface HandOutState {
  step: HandOutStep;
  employeeText: string;
  employee: Employee | null;
  suggestions: RosterPerson[];
  selected: number;
  serialText: string;
  token: TokenView | null;
  /** Wrong codes the token takes before it locks: from the token when scanned, then from each refusal. */
  triesLeft: number | null;
  name: string;
  code: string;
  notice: Notice | null;
  /** A UPN not in the roster, waiting for a second Enter to confirm it (a typo is caught here). */
  unlistedUpn: string | null;
  /**
   * `autoChecked`: the code was checked at its last digit. The Enter a person types out of habit
   * right after it must not skip the Done screen, so the first Enter there is taken as read.
   */
  done: { serial: string; upn: string; name: string; offset: string; autoChecked?: boolean } | null;
}

export const HAND_OUT_START: HandOutState = {
  step: 'Employee',
  employeeText: '',
  employee: null,
  suggestions: [],
  selected: 0,
  serialText: '',
  token: null,
  triesLeft: null,
  name: '',
  code: '',
  notice: null,
  unlistedUpn: null,
  done: null,
};

export type HandOutEvent =
  | { type: 'employee-typed'; text: string; suggestions: RosterPerson[] }
  | { type: 'suggestion-moved'; selected: number }
  | { type: 'suggestion-completed' }
  | { type: 'employee-chosen'; employee: Employee }
  | { type: 'serial-typed'; text: string }
  | { type: 'token-chosen'; token: TokenView; name: string; triesLeft: number }
  | { type: 'name-typed'; name: string }
  | { type: 'name-confirmed'; name: string }
  | { type: 'code-typed'; code: string }
  | { type: 'handed-out'; done: NonNullable<HandOutState['done']> }
  | { type: 'code-refused'; notice: Notice; triesLeft?: number; tokenUnusable: boolean }
  | { type: 'notice'; notice: Notice | null }
  | { type: 'confirm-upn'; upn: string; notice: Notice }
  | { type: 'done-enter-taken' }
  | { type: 'back' }
  | { type: 'restart' };

export function handOutReducer(state: HandOutState, event: HandOutEvent): HandOutState {
  switch (event.type) {
    case 'employee-typed':
      return { ...state, employeeText: event.text, suggestions: event.suggestions, selected: 0, notice: null, unlistedUpn: null };
    case 'confirm-upn':
      return { ...state, unlistedUpn: event.upn, notice: event.notice };
    case 'done-enter-taken':
      return state.done ? { ...state, done: { ...state.done, autoChecked: false } } : state;
    case 'suggestion-moved':
      return { ...state, selected: event.selected };
    case 'suggestion-completed': {
      const pick = state.suggestions[state.selected];
      return pick ? { ...state, employeeText: pick.upn } : state;
    }
    case 'employee-chosen':
      return { ...state, step: 'Token', employee: event.employee, employeeText: event.employee.upn, suggestions: [], selected: 0, notice: null, unlistedUpn: null };
    case 'serial-typed':
      return { ...state, serialText: event.text };
    case 'token-chosen':
      return { ...state, step: 'Name', token: event.token, serialText: event.token.serial, name: event.name, triesLeft: event.triesLeft, notice: null };
    case 'name-typed':
      return { ...state, name: event.name };
    case 'name-confirmed':
      return { ...state, step: 'Verify', name: event.name, code: '', notice: null };
    case 'code-typed':
      return { ...state, code: event.code, notice: event.code.length > 0 ? null : state.notice };
    case 'handed-out': {
      // The count the Done screen shows is the one after this hand-out.
      const employee = state.employee ? { ...state.employee, tokensHeld: state.employee.tokensHeld + 1 } : null;
      return { ...state, step: 'Done', code: '', notice: null, done: event.done, employee };
    }
    case 'code-refused': {
      const next = { ...state, code: '', notice: event.notice, triesLeft: event.triesLeft ?? state.triesLeft };
      // This token cannot be handed out now: back to scan another one.
      return event.tokenUnusable ? { ...next, step: 'Token', token: null, serialText: '', triesLeft: null } : next;
    }
    case 'notice':
      return { ...state, notice: event.notice };
    case 'back':
      switch (state.step) {
        case 'Token':
          return { ...state, step: 'Employee', employee: null, notice: null };
        case 'Name':
          return { ...state, step: 'Token', token: null, serialText: '', triesLeft: null, notice: null };
        case 'Verify':
          return { ...state, step: 'Name', code: '', notice: null };
        default:
          return state;
      }
    case 'restart':
      return HAND_OUT_START;
  }
}

/** What the wizard asks the services; one real implementation, and tests may pass their own. */
export interface HandOutDesk {
  identify(text: string, arrival: Arrival): Identified;
  suggest(text: string): RosterPerson[];
  checkEmployee(upn: string): { upn: string; tokensHeld: number };
  checkToken(serial: string): TokenView;
  checkName(name: string): string;
  defaultName(token: TokenView): string;
  triesLeft(token: TokenView): number;
  handOut(request: { serial: string; upn: string; displayName: string; code: string; notInRoster?: boolean }): HandOutResult;
  /** False only when a roster is loaded and this UPN is not in it. */
  listed(upn: string): boolean;
}

export function handOutDesk(kiosk: Pick<KioskContext, 'inventory' | 'now'>, actor: Actor): HandOutDesk {
  const { inventory, now } = kiosk;
  return {
    identify: (text, arrival) => identify(inventory, text, arrival),
    suggest: (text) => (text.trim().length >= 2 ? searchRoster(inventory, text.trim(), SUGGESTIONS) : []),
    checkEmployee: (upn) => checkEmployee(inventory, upn),
    checkToken: (serial) => checkTokenForHandOut(inventory, serial, now()),
    checkName: checkDisplayName,
    defaultName: defaultDisplayName,
    triesLeft: (token) => triesLeft(token, inventory.settings),
    handOut: (request) => handOut(inventory, { ...request, actor, now: now() }),
    listed: (upn) => rosterSize(inventory) === 0 || findByUpn(inventory, upn) !== undefined,
  };
}

export interface HandOutWizard {
  state: ScreenState<HandOutState, HandOutEvent>;
  key(key: KioskKey): void;
}

export interface WizardHooks {
  /** Esc on the first step (or on Done): back to the menu. */
  exit(): void;
  /** Something was written: the header counts change. */
  changed(): void;
}

export function createHandOutWizard(desk: HandOutDesk, hooks: WizardHooks, initial: HandOutState = HAND_OUT_START): HandOutWizard {
  const state = createScreenState(handOutReducer, initial);
  const { dispatch } = state;
  const notice = (tone: Notice['tone'], text: string) => dispatch({ type: 'notice', notice: { tone, text } });

  /** Runs a step's check; a refusal is shown, anything else is a bug and goes up. */
  const attempt = (step: () => void) => {
    try {
      step();
    } catch (error) {
      if (error instanceof Refusal) notice('bad', error.message);
      else throw error;
    }
  };

  const chooseEmployee = (upn: string, displayName?: string, notInRoster = false) =>
    attempt(() => {
      const checked = desk.checkEmployee(upn);
      dispatch({ type: 'employee-chosen', employee: { ...checked, ...(displayName !== undefined && { displayName }), ...(notInRoster && { notInRoster }) } });
    });

  /** A UPN typed out: with a roster loaded, one not in it is asked again (j.deo for j.doe). */
  const chooseUpn = (upn: string) => {
    if (desk.listed(upn)) return chooseEmployee(upn);
    if (state.get().unlistedUpn === upn) return chooseEmployee(upn, undefined, true);
    dispatch({
      type: 'confirm-upn',
      upn,
      notice: { tone: 'warn', text: `${upn} is not in the roster: check the spelling, or press Enter again to hand out to it anyway` },
    });
  };

  const identifyEmployee = (text: string, arrival: Arrival) => {
    const found = desk.identify(text, arrival);
    switch (found.kind) {
      case 'token':
        return notice('info', `that was token ${found.serial}: first choose the employee, then scan the token at the Token step`);
      case 'person':
        return chooseEmployee(found.person.upn, found.person.displayName);
      case 'upn':
        return chooseUpn(found.upn);
      case 'unknown':
        return notice('bad', found.hint);
    }
  };

  const chooseToken = (serial: string) =>
    attempt(() => {
      const token = desk.checkToken(serial);
      dispatch({ type: 'token-chosen', token, name: desk.defaultName(token), triesLeft: desk.triesLeft(token) });
    });

  const chooseName = () => attempt(() => dispatch({ type: 'name-confirmed', name: desk.checkName(state.get().name) }));

  const verify = (code: string, autoChecked = false) => {
    const { employee, token, name } = state.get();
    if (!employee || !token) return;
    attempt(() => {
      const result = desk.handOut({ serial: token.serial, upn: employee.upn, displayName: name, code, ...(employee.notInRoster && { notInRoster: true }) });
      if (result.ok) {
        const offset = describeOffset(result.offsetSteps, result.period);
        dispatch({ type: 'handed-out', done: { serial: result.serial, upn: result.upn, name: result.displayName, offset, autoChecked } });
      } else {
        const tone = result.outcome === 'malformed' || result.outcome === 'replayed' ? 'warn' : 'bad';
        dispatch({
          type: 'code-refused',
          notice: { tone, text: result.message },
          ...(result.attemptsLeft !== undefined && { triesLeft: result.attemptsLeft }),
          tokenUnusable: result.outcome === 'locked' || result.outcome === 'out-of-window',
        });
      }
    });
    // A wrong code is recorded too (the count, maybe a lock): the header may change either way.
    hooks.changed();
  };

  const employeeKey = (key: KioskKey) => {
    const s = state.get();
    if (key.kind === 'scan') return identifyEmployee(key.text, 'scan');
    const move = cursorMoveOf(key);
    if (move === 'up' || move === 'down') {
      return dispatch({ type: 'suggestion-moved', selected: moveCursor({ index: s.selected, top: 0 }, move, s.suggestions.length, SUGGESTIONS).index });
    }
    if (isKey(key, 'enter')) {
      const pick = s.suggestions[s.selected];
      const typed = s.employeeText.trim();
      // A name typed and a suggestion picked; or the UPN typed out in full and suggested too.
      if (pick && (!typed.includes('@') || pick.upn === typed.toLowerCase())) return chooseEmployee(pick.upn, pick.displayName);
      return identifyEmployee(typed, 'typed');
    }
    if (isKey(key, 'tab')) return dispatch({ type: 'suggestion-completed' });
    const text = edit(s.employeeText, key, { maxLength: FIELD_LIMITS.upn });
    if (text !== s.employeeText) dispatch({ type: 'employee-typed', text, suggestions: desk.suggest(text) });
  };

  return {
    state,
    key(key) {
      const s = state.get();
      if (isKey(key, 'escape')) {
        if (s.step === 'Employee' || s.step === 'Done') return hooks.exit();
        return dispatch({ type: 'back' });
      }
      switch (s.step) {
        case 'Employee':
          return employeeKey(key);
        case 'Token':
          if (key.kind === 'scan') return chooseToken(key.text);
          // Enter on an empty field (a habit after a code) keeps the notice that sent the desk here.
          if (isKey(key, 'enter')) return s.serialText.trim() === '' ? undefined : chooseToken(s.serialText);
          return dispatch({ type: 'serial-typed', text: edit(s.serialText, key, { maxLength: FIELD_LIMITS.serial }) });
        case 'Name':
          if (key.kind === 'scan') return notice('info', 'a scan is not needed here: check the token name and press Enter');
          if (isKey(key, 'enter')) return chooseName();
          return dispatch({ type: 'name-typed', name: edit(s.name, key, { maxLength: FIELD_LIMITS.tokenName }) });
        case 'Verify': {
          if (!s.token) return;
          // A code typed fast and ended with Enter may arrive as a "scan": take it as typed digits.
          if (key.kind === 'scan') return verify(key.text);
          // Enter on an empty field (after a refused code) keeps the refusal on screen.
          if (isKey(key, 'enter')) return s.code === '' ? undefined : verify(s.code);
          const code = edit(s.code, key, { maxLength: s.token.digits, accept: /[0-9 ]/ }).replace(/ /g, '');
          dispatch({ type: 'code-typed', code });
          // The last digit checks the code: a badge, a token and the digits, no Enter needed.
          if (code.length === s.token.digits && code !== s.code) verify(code, true);
          return;
        }
        case 'Done':
          if (isKey(key, 'enter')) {
            if (s.done?.autoChecked) return dispatch({ type: 'done-enter-taken' });
            return dispatch({ type: 'restart' });
          }
          // The next employee's name or badge: it starts the next hand-out, nothing is lost.
          if (key.kind === 'text' || key.kind === 'scan') {
            dispatch({ type: 'restart' });
            return employeeKey(key);
          }
          return;
      }
    },
  };
}

/** The wizard for one mounted hand-out screen; Done moves on by itself after DONE_RETURN_MS. */
export function useHandOutWizard(kiosk: KioskContext, actor: Actor, onExit: () => void): { state: HandOutState; key: (key: KioskKey) => void } {
  const hooks = useOnce<WizardHooks>(() => ({ exit: () => {}, changed: () => {} }));
  hooks.exit = onExit;
  hooks.changed = kiosk.changed;
  const wizard = useOnce(() => createHandOutWizard(handOutDesk(kiosk, actor), hooks));
  const state = useScreenState(wizard.state);
  useEffect(() => {
    if (state.step !== 'Done') return;
    const timer = setTimeout(() => wizard.state.dispatch({ type: 'restart' }), DONE_RETURN_MS);
    return () => clearTimeout(timer);
  }, [state.step, wizard]);
  return { state, key: wizard.key };
}
