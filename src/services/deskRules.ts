/**
 * The rules the desk's screens show before anyone presses a key: how many tries a token has left,
 * whether a hand-out may be undone, which batch actions are possible, and how long each typed field
 * may be. Pure functions over the views the services already return, the actor and the settings;
 * the wording is the services' refusal wording, so a screen never offers what the service refuses.
 *
 * This file imports no other service but actor.ts: deskTools and batches can call it without a cycle.
 */
import type { BatchStatus } from '../store/schema.js';
import { may, type Actor } from './actor.js';

/** A rule's answer: go ahead, or the refusal the service would give (same code, same words). */
export type Verdict = { ok: true } | { ok: false; code: string; reason: string };

const OK: Verdict = { ok: true };
const no = (code: string, reason: string): Verdict => ({ ok: false, code, reason });

// ---- lengths the services check without a named constant of their own -----------------------
// (Serials: core/identity's MAX_SERIAL_LENGTH; token names: handOut's MAX_DISPLAY_NAME_LENGTH; undo
// reasons: deskTools' UNDO_REASON_MAX. These four have a literal in a pattern or a check instead.)

/** Entra's limit on a UPN (core/identity's upnProblem refuses longer ones with the same number). */
export const MAX_UPN_LENGTH = 113;
/** A void reason: one line for the audit trail (batches' voidBatch refuses longer ones). */
export const MAX_VOID_REASON_LENGTH = 200;
/** Staff names and PINs (services/staff's STAFF_NAME_PATTERN and PIN_PATTERN). */
export const MAX_STAFF_NAME_LENGTH = 32;
export const MAX_PIN_LENGTH = 12;
/** The longest code a TOTP token shows (6 or 8 digits). */
export const MAX_CODE_DIGITS = 8;

// ---- wrong codes ----------------------------------------------------------------------------

/** Wrong codes this token may still take before it locks. */
export function triesLeft(token: { failedAttempts: number }, settings: { maxFailedAttempts: number }): number {
  return Math.max(0, settings.maxFailedAttempts - token.failedAttempts);
}

// ---- undoing a hand-out ---------------------------------------------------------------------

/** A hand-out as today's list shows it, with the batch it went out in (null: none, or void). */
export interface UndoSubject {
  serial: string;
  assignedBy: string;
  undone: boolean;
  batch: { name: string; status: BatchStatus } | null;
}

/**
 * May this actor undo this hand-out? Staff their own, admins anyone's; not twice; not once it is in
 * a batch. The role is checked first so nothing about someone else's hand-out is said to staff.
 */
export function undoVerdict(handOut: UndoSubject, actor: Actor): Verdict {
  const own = handOut.assignedBy === actor.name;
  if (own ? !may(actor, 'undo-own-hand-out') : !may(actor, 'undo-any-hand-out')) {
    return no(
      'not-allowed',
      own
        ? `${actor.name} (${actor.role}) may not undo hand-outs; ask an admin`
        : `this hand-out was made by ${handOut.assignedBy}: only they or an admin can undo it`,
    );
  }
  if (handOut.undone) return no('already-undone', `the hand-out of token ${handOut.serial} was already undone`);
  const batch = handOut.batch && handOut.batch.status !== 'void' ? handOut.batch : null;
  if (batch?.status === 'uploaded') {
    // Voiding is not possible after upload: say so instead of pointing to it.
    return no(
      'hand-out-uploaded',
      `token ${handOut.serial} went to the identity provider in batch ${batch.name}: it can no longer be undone here; remove it there`,
    );
  }
  if (batch) {
    return no(
      'hand-out-exported',
      `token ${handOut.serial} is already in batch ${batch.name}: an admin must void that batch first ` +
        `(\`tokendesk batch void ${batch.name} --reason ...\`), then undo the hand-out`,
    );
  }
  return OK;
}

// ---- batches --------------------------------------------------------------------------------

export interface BatchSubject {
  name: string;
  status: BatchStatus;
  uploadedAt: string | null;
  voidReason: string | null;
  /** A removal batch holds no seeds: nothing to purge. */
  kind?: 'hand-out' | 'removal';
}

export interface BatchActions {
  /** Not uploaded and will not be: its hand-outs go back to waiting. */
  void: Verdict;
  /** It is in the identity provider now. */
  markUploaded: Verdict;
  /** Delete the seeds of its tokens (with mark uploaded, or after it). */
  purgeSeeds: Verdict;
}

const roleRefusal = (actor: Actor, what: string): Verdict => no('not-allowed', `${actor.name} (${actor.role}) may not ${what}; ask an admin`);

/** Which of void, mark uploaded and purge this actor can do to this batch now, and why not. */
export function batchActions(batch: BatchSubject, actor: Actor): BatchActions {
  const isVoid = no('batch-void', `batch ${batch.name} is already void (${batch.voidReason ?? 'no reason given'}); nothing changed`);
  const voidVerdict = !may(actor, 'void-batch')
    ? roleRefusal(actor, 'void batch')
    : batch.status === 'void'
      ? isVoid
      : batch.status === 'partly-uploaded'
        ? no(
            'batch-partly-uploaded',
            `batch ${batch.name} is partly uploaded: some of its tokens are in the identity provider already, so it cannot be voided. ` +
              'Finish it (run the upload again, or `tokendesk batch mark-uploaded` once the rest is in), then take back what must go with a removal batch',
          )
        : batch.status === 'uploaded'
        ? no(
            'batch-uploaded',
            `batch ${batch.name} was uploaded (${batch.uploadedAt}); it cannot be voided here. Remove its tokens in the identity provider first`,
          )
        : OK;
  const markVerdict = !may(actor, 'mark-uploaded')
    ? roleRefusal(actor, 'mark uploaded')
    : batch.status === 'void'
      ? isVoid
      : batch.status === 'uploaded'
        ? no('already-uploaded', `batch ${batch.name} was already marked uploaded (${batch.uploadedAt}); nothing changed`)
        : OK;
  const purgeVerdict = !may(actor, 'purge-seeds')
    ? roleRefusal(actor, 'purge seeds')
    : batch.status === 'void'
      ? isVoid
      : batch.kind === 'removal'
        ? no('no-seeds', `batch ${batch.name} is a removal batch: it holds no seeds to purge. Mark it uploaded without --purge-seeds; nothing changed`)
        : OK;
  return { void: voidVerdict, markUploaded: markVerdict, purgeSeeds: purgeVerdict };
}
