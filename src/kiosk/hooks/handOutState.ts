/**
 * The hand-out wizard's state: its steps, the events that move it, and the pure reducer that says
 * how each event changes it. useHandOutWizard.ts turns keys into these events.
 */
import type { RosterPerson } from '../../services/roster.js';
import type { TokenView } from '../../services/tokens.js';
import type { NextSteps } from '../../services/upload/nextSteps.js';

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
  done: { serial: string; upn: string; name: string; offset: string; autoChecked?: boolean; nextSteps?: NextSteps | null } | null;
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
