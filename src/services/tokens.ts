/**
 * The token inventory as commands and screens read it: never a secret, except through `openSeed`,
 * the one way to a decrypted seed (for the verifier and the exporters): the sealed bytes come from
 * the store, the key is the inventory's vault.
 */
import { Refusal } from '../core/errors.js';
import { normaliseSerial } from '../core/identity.js';
import { verifyTotp, type VerifyOutcome } from '../core/totp.js';
import type { Inventory } from '../store/db.js';
import { TOKEN_STATUSES, type TokenStatus } from '../store/schema.js';
import type { TokenView } from '../store/tokenRepo.js';
import type { AssignmentView } from '../store/assignmentRepo.js';

export { TOKEN_STATUSES, type TokenStatus, type TokenView, type AssignmentView };

export function findToken(inventory: Inventory, serial: string): TokenView | undefined {
  return inventory.store.tokens.bySerial(serial);
}

export function listTokens(inventory: Inventory, filter: { status?: TokenStatus; limit?: number } = {}): TokenView[] {
  return inventory.store.tokens.list(filter);
}

export function tokenList(inventory: Inventory, filter: { status?: TokenStatus; limit?: number } = {}): TokenView[] {
  return listTokens(inventory, filter);
}

export function countTokensByStatus(inventory: Inventory): Record<TokenStatus, number> {
  return inventory.store.tokens.countByStatus();
}

export function assignmentsOfToken(inventory: Inventory, tokenId: number): AssignmentView[] {
  return inventory.store.assignments.ofToken(tokenId);
}

/** Live (not undone) hand-outs to a UPN: Entra allows at most five OATH tokens per user. */
export function liveTokenCountOf(inventory: Inventory, upn: string): number {
  return inventory.store.assignments.liveCountOf(upn);
}

/** The secret of a token, decrypted; refused when it was purged after upload. */
export function openSeed(inventory: Inventory, tokenId: number): Uint8Array {
  const row = inventory.store.tokens.sealedSeedOf(tokenId);
  if (!row) throw new Error(`token #${tokenId} vanished`);
  if (row.sealed === null) {
    throw new Refusal('seed-purged', `the seed of token ${row.serial} was deleted after its batch was uploaded; it can no longer be checked here`);
  }
  return inventory.vault.open(row.serial, row.sealed);
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
  return inventory.store.tokens.any();
}

/** A typed code checked against the token's own seed, at `now`, within `window` steps each way. */
export function checkCode(
  inventory: Inventory,
  token: Pick<TokenView, 'id' | 'algorithm' | 'digits' | 'period' | 'lastAcceptedStep'>,
  code: string,
  now: number,
  window: number,
): VerifyOutcome {
  return verifyTotp({
    token: { secret: openSeed(inventory, token.id), algorithm: token.algorithm, digits: token.digits, period: token.period },
    code,
    now,
    lastAcceptedStep: token.lastAcceptedStep,
    window,
  });
}
