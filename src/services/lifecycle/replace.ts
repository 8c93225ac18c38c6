/**
 * Replace: the employee's token came back broken, drifted or was lost, and they get another one.
 * `replaceToken` records the end of the old hand-out (reason 'replaced'; the old token returned,
 * lost or broken); the new token then goes through the normal verified hand-out with
 * `replacesAssignmentId`, which links the two. The link is checked again under the hand-out's lock.
 */
import { Refusal } from '../../core/errors.js';
import type { Inventory } from '../../store/db.js';
import { endToken, type EndRequest, type EndResult } from './endings.js';

export type ReplacedCondition = 'returned' | 'lost' | 'broken';

export interface ReplaceResult extends EndResult {
  /** Pass to handOut as replacesAssignmentId for the new token. */
  replacesAssignmentId: number;
  upn: string;
}

export function replaceToken(inventory: Inventory, request: EndRequest & { condition: ReplacedCondition }): ReplaceResult {
  const event = request.condition === 'returned' ? 'return' : request.condition === 'lost' ? 'lose' : 'break';
  const ended = endToken(inventory, request, { event, reason: 'replaced', permission: 'end-hand-out', requireHolder: true });
  if (ended.assignmentId === null || ended.upn === null) throw new Error(`token ${ended.serial} had no holder`);
  return { ...ended, assignmentId: ended.assignmentId, upn: ended.upn, replacesAssignmentId: ended.assignmentId };
}

/** A hand-out may name the one it replaces only when that one ended as 'replaced', for the same person, and was not replaced yet. */
export function checkReplacement(inventory: Inventory, replacesAssignmentId: number, upn: string): void {
  const old = inventory.store.lifecycle.handOutById(replacesAssignmentId);
  if (!old) throw new Refusal('unknown-hand-out', `there is no hand-out #${replacesAssignmentId} to replace`);
  if (old.endReason !== 'replaced') {
    throw new Refusal('not-replaced', `hand-out #${replacesAssignmentId} was not ended for a replacement: record the replacement first (\`tokendesk tokens replace\`)`);
  }
  if (old.upn !== upn) throw new Refusal('replacement-other-person', `hand-out #${replacesAssignmentId} was ${old.upn}'s, not ${upn}'s: a replacement goes to the same person`);
  const already = inventory.store.lifecycle.replacementOf(replacesAssignmentId);
  if (already !== null) throw new Refusal('already-replaced', `hand-out #${replacesAssignmentId} was already replaced (by hand-out #${already})`);
}
