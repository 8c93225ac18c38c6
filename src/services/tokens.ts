/** The token inventory as commands and screens read it: never a secret. */
import { Refusal } from '../core/errors.js';
import { normaliseSerial } from '../core/identity.js';
import type { Inventory } from '../store/db.js';
import { TOKEN_STATUSES, type TokenStatus } from '../store/schema.js';
import { assignmentsOfToken, findToken, listTokens, type AssignmentView, type TokenView } from '../store/tokenRepo.js';

export { TOKEN_STATUSES, type TokenStatus, type TokenView, type AssignmentView };

export function tokenList(inventory: Inventory, filter: { status?: TokenStatus; limit?: number } = {}): TokenView[] {
  return listTokens(inventory, filter);
}

/** One token and its hand-out history; refused when the serial is not in this inventory. */
export function tokenDetails(inventory: Inventory, rawSerial: string): { token: TokenView; assignments: AssignmentView[] } {
  const serial = normaliseSerial(rawSerial);
  const token = findToken(inventory, serial);
  if (!token) throw new Refusal('unknown-serial', `token ${serial} is not in this inventory`);
  return { token, assignments: assignmentsOfToken(inventory, token.id) };
}

/** Whether any token was ever imported (the kiosk's first-run welcome). */
export function hasAnyToken(inventory: Inventory): boolean {
  return listTokens(inventory, { limit: 1 }).length > 0;
}
