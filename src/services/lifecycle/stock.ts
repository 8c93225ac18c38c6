/**
 * Back to stock, admin only. A returned token goes back only when its seed is still held, a fresh
 * code from it passes (the code proves it is this token with a good clock), and, when the identity
 * provider knew it, its removal is recorded done. A quarantined token is released by an admin who
 * looked at it. Lost tokens never come back (the lifecycle has no way out of lost but retire).
 */
import { Refusal } from '../../core/errors.js';
import { describeOffset, driftAdvice } from '../../core/drift.js';
import { normaliseSerial } from '../../core/identity.js';
import { checkTransition } from '../../core/lifecycle.js';
import type { Inventory } from '../../store/db.js';
import type { TokenView } from '../../store/tokenRepo.js';
import { authorise, type Actor } from '../actor.js';
import { checkCode } from '../tokens.js';
import { noteProblem } from './endings.js';
import { applyDriftVerdict, driftVerdictNote, judgeDrift, recordCodeCheck } from './evidence.js';

export interface RestockResult {
  serial: string;
  offsetSteps: number;
  period: number;
}

function tokenOf(inventory: Inventory, rawSerial: string): TokenView {
  const serial = normaliseSerial(rawSerial);
  const token = inventory.store.tokens.bySerial(serial);
  if (!token) throw new Refusal('unknown-serial', `token ${serial} is not in this inventory: check the serial on the back of the token`);
  return token;
}

/**
 * Returned -> in stock after a fresh code check. A code far outside the window quarantines the
 * token instead (when the kiosk clock is vouched for); any other failure writes nothing but the audit.
 */
export function restockToken(inventory: Inventory, request: { serial: string; code: string; actor: Actor; now?: number }): RestockResult {
  authorise(request.actor, 'restock-token');
  const token = tokenOf(inventory, request.serial);
  const now = request.now ?? Date.now();
  const at = new Date(now).toISOString();
  const { store, deskId, settings } = inventory;
  const verdict = checkTransition(token.serial, token.status, 'restock');
  if (!verdict.ok) throw new Refusal(verdict.code, `${verdict.message}; nothing was changed`);
  if (token.seedPurged) {
    throw new Refusal('seed-purged', `token ${token.serial} has no seed stored any more, so it cannot be checked or handed out again: retire it (\`tokendesk tokens retire ${token.serial} --reason "seed purged"\`)`);
  }
  const removal = store.lifecycle.latestRemovalOfToken(token.id);
  if (removal && removal.doneAt === null) {
    throw new Refusal(
      'removal-pending',
      `token ${token.serial} may still be assigned in the identity provider: its removal is not recorded done yet. ` +
        'Export the removal batch (`tokendesk export --removals`), upload it, mark it uploaded, then restock',
    );
  }

  const outcome = checkCode(inventory, token, request.code, now, settings.acceptWindowSteps);
  switch (outcome.kind) {
    case 'malformed':
      throw new Refusal('bad-code', `${outcome.reason}; type the ${token.digits} digits the token shows`);
    case 'wrong':
      throw new Refusal('wrong-code', `that code is not token ${token.serial}'s: check the serial on the back, press the button and type the new code; nothing was changed`);
    case 'replayed':
      throw new Refusal('code-replayed', 'that code was already used; wait for the token to show a new code and type that');
    case 'out-of-window': {
      const drift = store.write(() => {
        recordCodeCheck(inventory, token, 'return', outcome.offsetSteps, now);
        const judged = judgeDrift(inventory, token, outcome.offsetSteps, now);
        if (!applyDriftVerdict(inventory, token, judged, outcome.offsetSteps, { at, actor: request.actor.name })) {
          store.audit.append({ actor: request.actor.name, deskId, action: 'code-out-of-window', at, subject: { serial: token.serial, offsetSteps: outcome.offsetSteps } });
        }
        return judged;
      });
      throw new Refusal(
        drift.kind === 'drifted' ? 'quarantined' : 'code-out-of-window',
        `${driftAdvice(outcome.offsetSteps, token.period).replace(': give the employee another token', '')}.${driftVerdictNote(token.serial, drift, outcome.offsetSteps, token.period)}`,
        { offsetSteps: outcome.offsetSteps },
      );
    }
    case 'accepted':
      store.write(() => {
        if (!store.tokens.acceptStep(token.id, outcome.step)) throw new Refusal('code-replayed', 'that code was just used; wait for the next code');
        recordCodeCheck(inventory, token, 'return', outcome.offsetSteps, now);
        store.tokens.transition(token.id, 'restock', {
          at,
          actor: request.actor.name,
          deskId,
          subject: { offsetSteps: outcome.offsetSteps, clock: describeOffset(outcome.offsetSteps, token.period) },
        });
      });
      return { serial: token.serial, offsetSteps: outcome.offsetSteps, period: token.period };
  }
}

/** Quarantined -> in stock: an admin looked at the token (and its clock) and lets it out again. */
export function releaseToken(inventory: Inventory, request: { serial: string; note?: string; actor: Actor; now?: number }): { serial: string; quarantineReason: string | null } {
  authorise(request.actor, 'release-token');
  const token = tokenOf(inventory, request.serial);
  const note = request.note?.trim() || null;
  const problem = note === null ? null : noteProblem(note);
  if (problem) throw new Refusal('bad-note', `${problem}; nothing was changed`);
  const at = new Date(request.now ?? Date.now()).toISOString();
  const { store, deskId } = inventory;
  return store.write(() => {
    const before = store.tokens.bySerial(token.serial);
    store.tokens.transition(token.id, 'release', {
      at,
      actor: request.actor.name,
      deskId,
      subject: { quarantineReason: before?.quarantineReason ?? null, offsetSteps: before?.quarantineOffsetSteps ?? null, ...(note ? { note } : {}) },
    });
    return { serial: token.serial, quarantineReason: before?.quarantineReason ?? null };
  });
}
