/**
 * The rules screens show before a key is pressed. Each verdict is held against the service that
 * enforces it: where the rule says no, the service refuses with the same code and words; where it
 * says yes, the service goes ahead.
 */
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import type { Actor } from '../../src/services/actor.js';
import { listBatches, markUploaded, voidBatch } from '../../src/services/batch/lifecycle.js';
import { batchActions, triesLeft, undoVerdict, type UndoSubject, type Verdict } from '../../src/services/deskRules.js';
import { todaysHandOuts, undoHandOut } from '../../src/services/deskTools.js';
import { exportBatch } from '../../src/services/batch/export.js';
import { exportRemovalBatch } from '../../src/services/batch/removals.js';
import { handOut } from '../../src/services/handOut.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { codeAtStep, timeStep } from '../../src/core/totp.js';
import { ADMIN, freshInventory, STAFF, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';

const T0 = Date.UTC(2026, 10, 30, 9, 0, 5);
const OTHER_STAFF: Actor = { name: 'other-staff', role: 'staff' };

/** What the service says when asked to do it: ok, or its refusal's code and message. */
function serviceSays(fn: () => unknown): Verdict {
  try {
    fn();
    return { ok: true };
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    return { ok: false, code: error.code, reason: error.message };
  }
}

async function deskWithOneHandOut(actor: Actor) {
  const inventory = freshInventory('desk-r');
  const [token] = makeTokens(1);
  await importSeeds(inventory, { file: writeTemp('seeds.csv', entraCsv([token!])), actor: ADMIN });
  const code = codeAtStep({ secret: token!.secret, algorithm: 'SHA1', digits: 6, period: 30 }, timeStep(T0, 30));
  const result = handOut(inventory, { serial: token!.serial, upn: 'a@example.com', code, actor, now: T0 });
  expect(result.ok).toBe(true);
  const subject = (): UndoSubject => {
    const view = todaysHandOuts(inventory, { now: T0 })[0]!;
    const batch = listBatches(inventory).find((b) => view.exported && b.status !== 'void');
    return { ...view, batch: batch ? { name: batch.name, status: batch.status } : null };
  };
  return { inventory, subject, assignmentId: (result as { assignmentId: number }).assignmentId };
}

describe('triesLeft', () => {
  it('counts down from the desk setting and never below zero', () => {
    expect(triesLeft({ failedAttempts: 0 }, { maxFailedAttempts: 5 })).toBe(5);
    expect(triesLeft({ failedAttempts: 3 }, { maxFailedAttempts: 5 })).toBe(2);
    expect(triesLeft({ failedAttempts: 7 }, { maxFailedAttempts: 5 })).toBe(0);
  });
});

describe('undoVerdict', () => {
  it('agrees with undoHandOut: someone else\'s hand-out for staff, a pending one for its maker', async () => {
    const { inventory, subject, assignmentId } = await deskWithOneHandOut(STAFF);
    const undo = (actor: Actor) => () => undoHandOut(inventory, { assignmentId, reason: 'wrong person', actor, now: T0 });
    const refused = undoVerdict(subject(), OTHER_STAFF);
    expect(refused).toEqual({ ok: false, code: 'not-allowed', reason: `this hand-out was made by ${STAFF.name}: only they or an admin can undo it` });
    expect(serviceSays(undo(OTHER_STAFF))).toEqual(refused);
    expect(undoVerdict(subject(), STAFF)).toEqual({ ok: true });
    expect(serviceSays(undo(STAFF))).toEqual({ ok: true });
    const twice = undoVerdict(subject(), STAFF);
    expect(twice).toMatchObject({ ok: false, code: 'already-undone' });
    expect(serviceSays(undo(STAFF))).toEqual(twice);
  });

  it('agrees with undoHandOut once the hand-out is in a batch, and after upload offers no void', async () => {
    const { inventory, subject, assignmentId } = await deskWithOneHandOut(ADMIN);
    const batch = exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: T0 }).manifest!.batch;
    const exported = undoVerdict(subject(), ADMIN);
    expect(exported).toMatchObject({ ok: false, code: 'hand-out-exported' });
    expect(serviceSays(() => undoHandOut(inventory, { assignmentId, reason: 'wrong person', actor: ADMIN, now: T0 }))).toEqual(exported);

    markUploaded(inventory, { batch, actor: ADMIN, now: T0 });
    const uploaded = undoVerdict(subject(), ADMIN);
    expect(uploaded).toEqual({
      ok: false,
      code: 'hand-out-uploaded',
      reason: `token ${subject().serial} went to the identity provider in batch ${batch}: it can no longer be undone here; remove it there`,
    });
    expect(uploaded.ok ? '' : uploaded.reason).not.toMatch(/void/);
  });

  it('lets an undo through again once its batch is void', () => {
    expect(undoVerdict({ serial: '1', assignedBy: STAFF.name, undone: false, batch: { name: 'b', status: 'void' } }, STAFF)).toEqual({ ok: true });
  });
});

describe('batchActions', () => {
  it('agrees with voidBatch and markUploaded for an exported, an uploaded and a void batch', async () => {
    const { inventory } = await deskWithOneHandOut(ADMIN);
    const name = exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: T0 }).manifest!.batch;
    const batch = () => listBatches(inventory).find((b) => b.name === name)!;

    expect(batchActions(batch(), ADMIN)).toEqual({ void: { ok: true }, markUploaded: { ok: true }, purgeSeeds: { ok: true } });
    const staffCan = batchActions(batch(), STAFF);
    expect(staffCan.void).toEqual(serviceSays(() => voidBatch(inventory, { batch: name, reason: 'test', actor: STAFF, now: T0 })));
    expect(staffCan.markUploaded).toEqual(serviceSays(() => markUploaded(inventory, { batch: name, actor: STAFF, now: T0 })));

    markUploaded(inventory, { batch: name, actor: ADMIN, now: T0 });
    const afterUpload = batchActions(batch(), ADMIN);
    expect(afterUpload.void).toEqual(serviceSays(() => voidBatch(inventory, { batch: name, reason: 'test', actor: ADMIN, now: T0 })));
    expect(afterUpload.void).toMatchObject({ ok: false, code: 'batch-uploaded' });
    expect(afterUpload.markUploaded).toEqual(serviceSays(() => markUploaded(inventory, { batch: name, actor: ADMIN, now: T0 })));
    expect(afterUpload.purgeSeeds).toEqual({ ok: true });
    expect(serviceSays(() => markUploaded(inventory, { batch: name, purgeSeeds: true, actor: ADMIN, now: T0 }))).toEqual({ ok: true });
  });

  it('agrees with voidBatch and markUploaded for a partly uploaded batch and a removal batch', async () => {
    const { inventory } = await deskWithOneHandOut(ADMIN);
    const name = exportBatch(inventory, { format: 'graph-json', actor: ADMIN, now: T0 }).manifest!.batch;
    inventory.store.write(() => inventory.store.graphUploads.setBatchStatus(1, 'partly-uploaded', new Date(T0).toISOString()));
    const partly = batchActions(listBatches(inventory).find((b) => b.name === name)!, ADMIN);
    expect(partly.void).toEqual(serviceSays(() => voidBatch(inventory, { batch: name, reason: 'test', actor: ADMIN, now: T0 })));
    expect(partly.void).toMatchObject({ ok: false, code: 'batch-partly-uploaded' });
    expect(partly.markUploaded).toEqual({ ok: true });

    // A removal batch: nothing to purge.
    markUploaded(inventory, { batch: name, actor: ADMIN, now: T0 });
    inventory.store.write(() =>
      inventory.store.removalBatches.request({ tokenId: 1, assignmentId: 1, upn: 'x@example.com', reason: 'lost', action: 'delete', requestedAt: new Date(T0).toISOString(), requestedBy: 'test', deskId: 'desk-r' }),
    );
    const removal = exportRemovalBatch(inventory, { format: 'graph-json', actor: ADMIN, now: T0 }).manifest!.batch;
    const can = batchActions(listBatches(inventory).find((b) => b.name === removal)!, ADMIN);
    expect(can.purgeSeeds).toEqual(serviceSays(() => markUploaded(inventory, { batch: removal, purgeSeeds: true, actor: ADMIN, now: T0 })));
    expect(can.purgeSeeds).toMatchObject({ ok: false, code: 'no-seeds' });
    expect(can.markUploaded).toEqual(serviceSays(() => markUploaded(inventory, { batch: removal, actor: ADMIN, now: T0 })));
  });

  it('agrees with voidBatch and markUploaded for a void batch', async () => {
    const { inventory } = await deskWithOneHandOut(ADMIN);
    const name = exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: T0 }).manifest!.batch;
    voidBatch(inventory, { batch: name, reason: 'wrong tenant', actor: ADMIN, now: T0 });
    const batch = listBatches(inventory).find((b) => b.name === name)!;
    const can = batchActions(batch, ADMIN);
    expect(can.void).toEqual(serviceSays(() => voidBatch(inventory, { batch: name, reason: 'again', actor: ADMIN, now: T0 })));
    expect(can.void).toMatchObject({ ok: false, code: 'batch-void', reason: expect.stringContaining('(wrong tenant)') });
    expect(can.markUploaded).toEqual(serviceSays(() => markUploaded(inventory, { batch: name, actor: ADMIN, now: T0 })));
    expect(can.purgeSeeds.ok).toBe(false);
  });
});
