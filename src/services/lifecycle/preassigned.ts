/**
 * Pre-assigned UPNs from seed files (Entra CSV `upn`, OATH CSV v2 user): the box says who a token
 * is meant for. Handing it to someone else needs a confirmation; a scanned token names its person
 * so the hand-out can offer them first.
 */
import { Refusal } from '../../core/errors.js';
import { normaliseSerial } from '../../core/identity.js';
import type { Inventory } from '../../store/db.js';
import type { TokenView } from '../../store/tokenRepo.js';

/** Refused unless the token is meant for this person, for nobody, or the desk confirmed. */
export function checkPreassigned(token: Pick<TokenView, 'serial' | 'preassignedUpn'>, upn: string, confirmed: boolean): void {
  if (token.preassignedUpn === null || confirmed) return;
  if (token.preassignedUpn.toLowerCase() === upn.toLowerCase()) return;
  throw new Refusal(
    'preassigned-to-other',
    `token ${token.serial} was pre-assigned to ${token.preassignedUpn} by its seed file: hand it to them, take another token, ` +
      'or confirm handing it to this person (`tokendesk assign --confirm-preassigned`)',
    { preassignedUpn: token.preassignedUpn },
  );
}

/** The person a token's seed file names, to offer first at the hand-out; null when none (or no such token). */
export function preassignedPerson(inventory: Inventory, rawSerial: string): string | null {
  return inventory.store.tokens.bySerial(normaliseSerial(rawSerial))?.preassignedUpn ?? null;
}
