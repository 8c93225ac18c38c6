/**
 * The end of a hand-out at the desk: the token came back (returned), was lost, broke, or an admin
 * retires it for good. Each is one transaction: the token moves through the lifecycle (checked and
 * audited by TokenRepo.transition), the live hand-out ends with its reason, and when the identity
 * provider may know the token (exported or uploaded) a removal is recorded for the next removal
 * batch: unassign when the device may be used again, delete when it is lost, broken or retired.
 */
import { Refusal } from '../../core/errors.js';
import { normaliseSerial, normaliseUpn, upnProblem } from '../../core/identity.js';
import { KNOWN_TO_IDP_STATES, TRANSITIONS, type LifecycleEvent } from '../../core/lifecycle.js';
import type { Inventory } from '../../store/db.js';
import type { AssignmentEndReason, TokenStatus } from '../../store/schema.js';
import { authorise, type Actor, type Permission } from '../actor.js';

export const MAX_NOTE_LENGTH = 200;

export interface EndRequest {
  serial: string;
  /** Why, in the desk's words (optional for return/lost/broken, required to retire). */
  note?: string;
  actor: Actor;
  now?: number;
}

export interface EndResult {
  serial: string;
  from: TokenStatus;
  to: TokenStatus;
  /** The hand-out that ended (null when nobody held the token). */
  assignmentId: number | null;
  upn: string | null;
  /** What the identity provider must do, when it may know the token. */
  removal: { id: number; action: 'unassign' | 'delete' } | null;
}

/** The employee gave the token back: it waits in a drawer until an admin restocks it. */
export function returnToken(inventory: Inventory, request: EndRequest): EndResult {
  return endToken(inventory, request, { event: 'return', reason: 'returned', permission: 'end-hand-out' });
}

/** The token is lost: never handed out again; the identity provider deletes it. */
export function reportLost(inventory: Inventory, request: EndRequest): EndResult {
  return endToken(inventory, request, { event: 'lose', reason: 'lost', permission: 'end-hand-out' });
}

/** The token is broken: out of service; the identity provider deletes it. */
export function reportBroken(inventory: Inventory, request: EndRequest): EndResult {
  return endToken(inventory, request, { event: 'break', reason: 'broken', permission: 'end-hand-out' });
}

/** An admin takes a token out of service for good, with a reason. */
export function retireToken(inventory: Inventory, request: EndRequest & { note: string }): EndResult {
  if ((request.note ?? '').trim() === '') throw new Refusal('bad-reason', 'say why the token is retired (--reason "..."); nothing was changed');
  return endToken(inventory, request, { event: 'retire', reason: 'retired', permission: 'retire-token' });
}

export function noteProblem(note: string): string | null {
  if (note.length > MAX_NOTE_LENGTH) return `a note has at most ${MAX_NOTE_LENGTH} characters`;
  if (/[\x00-\x1f\x7f]/.test(note)) return 'a note cannot hold control characters';
  return null;
}

/**
 * The removal an ended hand-out needs: none unless the identity provider may know the token; unassign
 * when the token came back (it may be handed out again), delete when it is lost, broken or retired.
 */
export function removalActionFor(from: TokenStatus, tokenNowAt: TokenStatus): 'unassign' | 'delete' | null {
  if (!(KNOWN_TO_IDP_STATES as readonly string[]).includes(from)) return null;
  return tokenNowAt === 'returned' ? 'unassign' : 'delete';
}

/** The shared body of return, lost, broken, retired and (with `endReason: 'replaced'`) replace. */
export function endToken(
  inventory: Inventory,
  request: EndRequest,
  how: {
    event: Extract<LifecycleEvent, 'return' | 'lose' | 'break' | 'retire'>;
    reason: AssignmentEndReason;
    permission: Permission;
    /** Refuse (writing nothing) when nobody holds the token: a replacement needs a holder. */
    requireHolder?: boolean;
  },
): EndResult {
  authorise(request.actor, how.permission);
  const serial = normaliseSerial(request.serial);
  const note = request.note?.trim() || null;
  const problem = note === null ? null : noteProblem(note);
  if (problem) throw new Refusal('bad-note', `${problem}; nothing was changed`);
  const { store, deskId } = inventory;
  const token = store.tokens.bySerial(serial);
  if (!token) throw new Refusal('unknown-serial', `token ${serial} is not in this inventory: check the serial on the back of the token`);
  const at = new Date(request.now ?? Date.now()).toISOString();

  return store.write((): EndResult => {
    const live = store.lifecycle.liveHandOutOfToken(token.id);
    const from = store.tokens.verificationState(token.id)?.status ?? token.status;
    // Decided before the transition so its audit entry names the hand-out and the removal.
    const to = TRANSITIONS[how.event].to;
    if (!live && how.requireHolder) {
      throw new Refusal('not-handed-out', `token ${token.serial} is held by nobody, so there is nobody to replace it for; nothing was changed`);
    }
    const action = live ? removalActionFor(from, to) : null;
    const moved = store.tokens.transition(token.id, how.event, {
      at,
      actor: request.actor.name,
      deskId,
      subject: {
        ...(live ? { upn: live.upn, assignment: live.assignmentId, endReason: how.reason } : {}),
        ...(note ? { note } : {}),
        ...(action ? { removal: action } : {}),
      },
    });
    if (!live) return { serial: moved.serial, from: moved.from, to: moved.to, assignmentId: null, upn: null, removal: null };
    if (!store.lifecycle.endHandOut(live.assignmentId, { at, by: request.actor.name, reason: how.reason, note })) {
      throw new Error(`the hand-out of token ${moved.serial} ended meanwhile`);
    }
    const removalId =
      action === null
        ? null
        : store.lifecycle.recordRemoval({
            tokenId: token.id,
            assignmentId: live.assignmentId,
            upn: live.upn,
            reason: how.reason,
            action,
            requestedAt: at,
            requestedBy: request.actor.name,
            deskId,
          });
    return {
      serial: moved.serial,
      from: moved.from,
      to: moved.to,
      assignmentId: live.assignmentId,
      upn: live.upn,
      removal: removalId === null || action === null ? null : { id: removalId, action },
    };
  });
}

/** What the desk sees after scanning a token to end its hand-out: its state and who holds it (staff may see this). */
export function tokenAtDesk(inventory: Inventory, rawSerial: string, actor: Actor): { serial: string; status: TokenStatus; upn: string | null; assignmentId: number | null } {
  authorise(actor, 'end-hand-out');
  const serial = normaliseSerial(rawSerial);
  const token = inventory.store.tokens.bySerial(serial);
  if (!token) throw new Refusal('unknown-serial', `token ${serial} is not in this inventory: check the serial on the back of the token`);
  const live = inventory.store.lifecycle.liveHandOutOfToken(token.id);
  return { serial: token.serial, status: token.status, upn: live?.upn ?? null, assignmentId: live?.assignmentId ?? null };
}

/** The tokens a person holds now, for the Return screen when they come without the token (lost) or with several. */
export function tokensHeldBy(inventory: Inventory, rawUpn: string, actor: Actor): Array<{ serial: string; status: TokenStatus; upn: string; assignmentId: number }> {
  authorise(actor, 'end-hand-out');
  const upn = normaliseUpn(rawUpn);
  const problem = upnProblem(upn);
  if (problem) throw new Refusal('bad-upn', problem);
  return inventory.store.lifecycle
    .holdersOfUpn(upn)
    .filter((r) => r.undoneAt === null && r.endedAt === null && r.assignmentId !== null)
    .map((r) => ({ serial: r.serial, status: r.status, upn, assignmentId: r.assignmentId! }));
}
