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
import { nextStepsAfterHandOut, type NextSteps } from '../../services/upload/nextSteps.js';
import { findByUpn, rosterSize, searchRoster, type RosterPerson } from '../../services/roster.js';
import type { TokenView } from '../../services/tokens.js';
import type { KioskContext } from '../context.js';
import { FIELD_LIMITS } from '../fieldLimits.js';
import { edit, isKey, type KioskKey } from '../input/keys.js';
import { createScreenState, useOnce, useScreenState, type ScreenState } from './screenState.js';
import { cursorMoveOf, moveCursor } from './useListCursor.js';
import { HAND_OUT_STEPS, type HandOutStep, DONE_RETURN_MS, SUGGESTIONS, type Notice, type Employee, type HandOutState, HAND_OUT_START, type HandOutEvent, handOutReducer } from './handOutState.js';

export { HAND_OUT_STEPS, type HandOutStep, DONE_RETURN_MS, SUGGESTIONS, type Notice, type Employee, type HandOutState, HAND_OUT_START, type HandOutEvent, handOutReducer } from './handOutState.js';

/** What the wizard asks the services; one real implementation, and tests may pass their own. */
export interface HandOutDesk {
  identify(text: string, arrival: Arrival): Identified;
  suggest(text: string): RosterPerson[];
  checkEmployee(upn: string): { upn: string; tokensHeld: number };
  checkToken(serial: string): TokenView;
  checkName(name: string): string;
  defaultName(token: TokenView): string;
  triesLeft(token: TokenView): number;
  handOut(request: { serial: string; upn: string; displayName: string; code: string; confirmPreassigned?: boolean; notInRoster?: boolean }): HandOutResult;
  /** False only when a roster is loaded and this UPN is not in it. */
  listed(upn: string): boolean;
  /** What the employee does next with the token, when the desk knows its route (services/upload/nextSteps.ts). */
  nextSteps?(serial: string, tokenName: string): NextSteps | null;
}

export function handOutDesk(kiosk: Pick<KioskContext, 'inventory' | 'now'>, actor: Actor, replacesAssignmentId?: number): HandOutDesk {
  const { inventory, now } = kiosk;
  return {
    identify: (text, arrival) => identify(inventory, text, arrival),
    suggest: (text) => (text.trim().length >= 2 ? searchRoster(inventory, text.trim(), SUGGESTIONS) : []),
    checkEmployee: (upn) => checkEmployee(inventory, upn),
    checkToken: (serial) => checkTokenForHandOut(inventory, serial, now()),
    checkName: checkDisplayName,
    defaultName: defaultDisplayName,
    triesLeft: (token) => triesLeft(token, inventory.settings),
    handOut: (request) => handOut(inventory, { ...request, actor, now: now(), ...(replacesAssignmentId !== undefined && { replacesAssignmentId }) }),
    listed: (upn) => rosterSize(inventory) === 0 || findByUpn(inventory, upn) !== undefined,
    nextSteps: (serial, tokenName) => nextStepsAfterHandOut(inventory, serial, tokenName),
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
        // A token its seed file names a person for: offer that person first.
        if (found.preassignedUpn) return chooseEmployee(found.preassignedUpn);
        return notice('info', `that was token ${found.serial}: first choose the employee, then scan the token at the Token step`);
      case 'person':
        return chooseEmployee(found.person.upn, found.person.displayName);
      case 'upn':
        return chooseUpn(found.upn);
      case 'unknown':
        return notice('bad', found.hint);
    }
  };

  /** A token its seed file pre-assigned to someone else, shown with a warning: going on to Verify confirms it. */
  let confirmedPreassigned: string | null = null;

  const chooseToken = (serial: string) =>
    attempt(() => {
      const token = desk.checkToken(serial);
      dispatch({ type: 'token-chosen', token, name: desk.defaultName(token), triesLeft: desk.triesLeft(token) });
      const upn = state.get().employee?.upn;
      confirmedPreassigned = token.preassignedUpn && upn && token.preassignedUpn !== upn ? token.serial : null;
      if (confirmedPreassigned) {
        notice('warn', `token ${token.serial} was pre-assigned to ${token.preassignedUpn} by its seed file: going on hands it to ${upn} instead (recorded as confirmed). Esc to take another token`);
      }
    });

  const chooseName = () => attempt(() => dispatch({ type: 'name-confirmed', name: desk.checkName(state.get().name) }));

  const verify = (code: string, autoChecked = false) => {
    const { employee, token, name } = state.get();
    if (!employee || !token) return;
    attempt(() => {
      const result = desk.handOut({ serial: token.serial, upn: employee.upn, displayName: name, code, confirmPreassigned: confirmedPreassigned === token.serial, ...(employee.notInRoster && { notInRoster: true }) });
      if (result.ok) {
        const offset = describeOffset(result.offsetSteps, result.period);
        const nextSteps = desk.nextSteps?.(result.serial, result.displayName) ?? null;
        dispatch({ type: 'handed-out', done: { serial: result.serial, upn: result.upn, name: result.displayName, offset, autoChecked, nextSteps } });
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

/** The wizard for one mounted hand-out screen; Done moves on by itself after DONE_RETURN_MS (five times that with next steps shown). */
export function useHandOutWizard(
  kiosk: KioskContext,
  actor: Actor,
  onExit: () => void,
  replacing?: { upn: string; assignmentId: number },
): { state: HandOutState; key: (key: KioskKey) => void } {
  const hooks = useOnce<WizardHooks>(() => ({ exit: () => {}, changed: () => {} }));
  hooks.exit = onExit;
  hooks.changed = kiosk.changed;
  const wizard = useOnce(() => {
    const desk = handOutDesk(kiosk, actor, replacing?.assignmentId);
    // A replacement starts at the Token step for the employee whose token was just ended.
    const initial = replacing ? handOutReducer(HAND_OUT_START, { type: 'employee-chosen', employee: desk.checkEmployee(replacing.upn) }) : HAND_OUT_START;
    return createHandOutWizard(desk, hooks, initial);
  });
  const state = useScreenState(wizard.state);
  useEffect(() => {
    if (state.step !== 'Done') return;
    // Next steps for the employee are read from the screen: they stay up longer (any key still moves on).
    const waitMs = state.done?.nextSteps ? DONE_RETURN_MS * 5 : DONE_RETURN_MS;
    const timer = setTimeout(() => wizard.state.dispatch({ type: 'restart' }), waitMs);
    return () => clearTimeout(timer);
  }, [state.step, state.done, wizard]);
  return { state, key: wizard.key };
}
