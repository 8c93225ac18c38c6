/**
 * What did this scan or typed text identify? A token of this inventory, a person of the roster (by
 * badge or employee id), a UPN, or nothing, with a hint that says what to do. Screens ask this
 * instead of guessing from the text's shape, so a scanned badge and a typed employee id find the
 * same person, and a token scanned where a person was expected is named as a token.
 */
import { Refusal } from '../core/errors.js';
import { normaliseSerial, normaliseUpn, serialProblem, upnProblem } from '../core/identity.js';
import type { Inventory } from './home.js';
import { findByBadge, type RosterPerson } from './roster.js';
import { tokenDetails, type TokenStatus } from './tokens.js';

export type Identified =
  /** A token; `preassignedUpn`: the person its seed file names, to offer first. */
  | { kind: 'token'; serial: string; status: TokenStatus; preassignedUpn: string | null }
  | { kind: 'person'; person: RosterPerson }
  | { kind: 'upn'; upn: string }
  | { kind: 'unknown'; hint: string };

/** How the text arrived: a scanner's burst, or typed and ended with Enter. */
export type Arrival = 'scan' | 'typed';

export function identify(inventory: Inventory, text: string, arrival: Arrival): Identified {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'unknown', hint: arrival === 'scan' ? 'the scan was empty: scan again' : 'type the UPN or a name' };
  // A UPN is never a serial or a badge code: no lookup needed.
  if (trimmed.includes('@')) {
    const upn = normaliseUpn(trimmed);
    const problem = upnProblem(upn);
    return problem ? { kind: 'unknown', hint: problem } : { kind: 'upn', upn };
  }
  const token = findTokenBySerial(inventory, trimmed);
  if (token) return { kind: 'token', serial: token.serial, status: token.status, preassignedUpn: token.preassignedUpn };
  const person = findByBadge(inventory, trimmed);
  if (person) return { kind: 'person', person };
  if (arrival === 'scan') return { kind: 'unknown', hint: 'that badge is not in the roster: type the UPN instead' };
  return { kind: 'unknown', hint: upnProblem(normaliseUpn(trimmed)) ?? 'type the UPN or a name' };
}

function findTokenBySerial(inventory: Inventory, text: string): { serial: string; status: TokenStatus; preassignedUpn: string | null } | null {
  const serial = normaliseSerial(text);
  if (serialProblem(serial)) return null;
  try {
    return tokenDetails(inventory, serial).token;
  } catch (error) {
    if (error instanceof Refusal && error.code === 'unknown-serial') return null;
    throw error;
  }
}
