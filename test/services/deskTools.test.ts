import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { codeAtStep, timeStep, type TotpToken } from '../../src/core/totp.js';
import type { Actor } from '../../src/services/actor.js';
import { inventoryCounts, todaysHandOuts, undoHandOut } from '../../src/services/deskTools.js';
import { markUploaded, voidBatch } from '../../src/services/batch/lifecycle.js';
import { exportBatch } from '../../src/services/batch/export.js';
import { handOut } from '../../src/services/handOut.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import type { Inventory } from '../../src/store/db.js';
import { findToken } from '../../src/services/tokens.js';
import { ADMIN, STAFF, freshInventory, snapshot, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';

/** Mid-morning on the kiosk's own clock, whatever the time zone the tests run in. */
const NOW = new Date(2026, 10, 29, 10, 0, 10).getTime();
const OTHER_STAFF: Actor = { name: 'other-staff', role: 'staff' };

const totp = (t: TestToken): TotpToken => ({ secret: t.secret, algorithm: 'SHA1', digits: 6, period: 30 });
const codeFor = (t: TestToken, now = NOW, offset = 0) => codeAtStep(totp(t), timeStep(now, 30) + offset);

function refusalOf(fn: () => unknown): Refusal {
  try {
    fn();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

async function stocked(count = 6): Promise<{ inventory: Inventory; tokens: TestToken[] }> {
  const inventory = freshInventory();
  const tokens = makeTokens(count);
  await importSeeds(inventory, { file: writeTemp('seeds.csv', entraCsv(tokens)), actor: ADMIN });
  return { inventory, tokens };
}

function give(inventory: Inventory, t: TestToken, upn: string, actor: Actor, now = NOW): number {
  const result = handOut(inventory, { serial: t.serial, upn, code: codeFor(t, now), actor, now });
  if (!result.ok) throw new Error(result.message);
  return result.assignmentId;
}

describe('todaysHandOuts', () => {
  it("lists this desk's hand-outs of the local day, newest first, undone ones marked", async () => {
    const { inventory, tokens } = await stocked();
    const yesterday = new Date(2026, 10, 28, 23, 59, 0).getTime();
    give(inventory, tokens[0]!, 'old@example.com', STAFF, yesterday);
    const early = give(inventory, tokens[1]!, 'early@example.com', STAFF, new Date(2026, 10, 29, 0, 0, 5).getTime());
    const later = give(inventory, tokens[2]!, 'later@example.com', OTHER_STAFF, NOW - 60_000);
    const elsewhere = give(inventory, tokens[3]!, 'elsewhere@example.com', STAFF, NOW - 30_000);
    inventory.sqlite.prepare("UPDATE assignments SET desk_id = 'another-desk' WHERE id = ?").run(elsewhere);
    undoHandOut(inventory, { assignmentId: early, reason: 'wrong employee', actor: STAFF, now: NOW });

    const list = todaysHandOuts(inventory, { now: NOW });
    expect(list.map((h) => [h.assignmentId, h.upn, h.undone, h.undoReason])).toEqual([
      [later, 'later@example.com', false, null],
      [early, 'early@example.com', true, 'wrong employee'],
    ]);
    expect(list[0]).toMatchObject({ serial: tokens[2]!.serial, displayName: 'Token2 C202', assignedBy: 'other-staff', offsetSteps: 0, exported: false });
    // Just before midnight, yesterday's hand-out is "today".
    expect(todaysHandOuts(inventory, { now: yesterday + 30_000 }).map((h) => h.upn)).toEqual(['old@example.com']);
  });
});

describe('undoHandOut', () => {
  it('puts the token back in stock, marks the hand-out undone and audits it, in one go', async () => {
    const { inventory, tokens } = await stocked();
    const t = tokens[0]!;
    const id = give(inventory, t, 'a@example.com', STAFF);
    const step = findToken(inventory, t.serial)!.lastAcceptedStep;
    undoHandOut(inventory, { assignmentId: id, reason: '  wrong employee  ', actor: STAFF, now: NOW + 1000 });

    expect(findToken(inventory, t.serial)).toMatchObject({ status: 'in-stock', lastAcceptedStep: step });
    const row = inventory.sqlite.prepare('SELECT undone_at AS at, undone_by AS "by", undo_reason AS reason FROM assignments WHERE id = ?').get(id);
    expect(row).toEqual({ at: new Date(NOW + 1000).toISOString(), by: STAFF.name, reason: 'wrong employee' });
    const audit = inventory.sqlite.prepare("SELECT actor, subject FROM audit_log WHERE action = 'undo'").get() as { actor: string; subject: string };
    expect(audit.actor).toBe(STAFF.name);
    expect(JSON.parse(audit.subject)).toEqual({ serial: t.serial, upn: 'a@example.com', assignment: id, reason: 'wrong employee' });
    expect(inventory.store.audit.verify().ok).toBe(true);
    expect(refusalOf(() => undoHandOut(inventory, { assignmentId: id, reason: 'again', actor: STAFF })).code).toBe('already-undone');
  });

  it('still refuses the code that verified the undone hand-out, then hands the token out again', async () => {
    const { inventory, tokens } = await stocked();
    const t = tokens[0]!;
    const id = give(inventory, t, 'a@example.com', STAFF);
    undoHandOut(inventory, { assignmentId: id, reason: 'wrong employee', actor: STAFF, now: NOW });
    const replay = handOut(inventory, { serial: t.serial, upn: 'b@example.com', code: codeFor(t), actor: STAFF, now: NOW + 5000 });
    expect(replay).toMatchObject({ ok: false, outcome: 'replayed' });
    const later = NOW + 30_000;
    expect(handOut(inventory, { serial: t.serial, upn: 'b@example.com', code: codeFor(t, later), actor: STAFF, now: later })).toMatchObject({
      ok: true,
      upn: 'b@example.com',
    });
  });

  it("lets staff undo only their own hand-outs, and admins anyone's", async () => {
    const { inventory, tokens } = await stocked();
    const mine = give(inventory, tokens[0]!, 'a@example.com', STAFF);
    const theirs = give(inventory, tokens[1]!, 'b@example.com', OTHER_STAFF);
    const before = snapshot(inventory.paths.database);
    const refused = refusalOf(() => undoHandOut(inventory, { assignmentId: theirs, reason: 'wrong employee', actor: STAFF }));
    expect(refused.code).toBe('not-allowed');
    expect(refused.message).toMatch(/made by other-staff: only they or an admin can undo it/);
    expect(snapshot(inventory.paths.database)).toBe(before);

    undoHandOut(inventory, { assignmentId: mine, reason: 'wrong employee', actor: STAFF });
    undoHandOut(inventory, { assignmentId: theirs, reason: 'employee left', actor: ADMIN });
    expect(todaysHandOuts(inventory, { now: NOW }).every((h) => h.undone)).toBe(true);
  });

  it('refuses a hand-out whose batch was uploaded without pointing to a void (it cannot be voided)', async () => {
    const { inventory, tokens } = await stocked();
    const id = give(inventory, tokens[0]!, 'a@example.com', STAFF);
    const { manifest } = exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW + 60_000 });
    markUploaded(inventory, { batch: manifest!.batch, actor: ADMIN, now: NOW + 120_000 });
    const refused = refusalOf(() => undoHandOut(inventory, { assignmentId: id, reason: 'wrong employee', actor: ADMIN }));
    expect(refused.code).toBe('hand-out-uploaded');
    expect(refused.message).toContain('can no longer be undone here; remove it there');
    expect(refused.message).not.toMatch(/void/);
  });

  it('refuses an exported hand-out and says to void the batch first', async () => {
    const { inventory, tokens } = await stocked();
    const id = give(inventory, tokens[0]!, 'a@example.com', STAFF);
    const { manifest } = exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW + 60_000 });
    expect(todaysHandOuts(inventory, { now: NOW })[0]?.exported).toBe(true);
    const before = snapshot(inventory.paths.database);
    const refused = refusalOf(() => undoHandOut(inventory, { assignmentId: id, reason: 'wrong employee', actor: ADMIN }));
    expect(refused.code).toBe('hand-out-exported');
    expect(refused.message).toContain(`already in batch ${manifest!.batch}: an admin must void that batch first`);
    expect(snapshot(inventory.paths.database)).toBe(before);

    // Once the batch is void, the hand-out is pending again and can be undone.
    voidBatch(inventory, { batch: manifest!.batch, reason: 'wrong employee in batch', actor: ADMIN, now: NOW + 120_000 });
    expect(todaysHandOuts(inventory, { now: NOW })[0]?.exported).toBe(false);
    undoHandOut(inventory, { assignmentId: id, reason: 'wrong employee', actor: ADMIN, now: NOW + 180_000 });
    expect(findToken(inventory, tokens[0]!.serial)?.status).toBe('in-stock');
  });

  it('wants a reason of 3 to 200 characters, and a hand-out that exists', async () => {
    const { inventory, tokens } = await stocked();
    const id = give(inventory, tokens[0]!, 'a@example.com', STAFF);
    const undo = (reason: string) => refusalOf(() => undoHandOut(inventory, { assignmentId: id, reason, actor: STAFF }));
    expect(undo('  ').code).toBe('bad-reason');
    expect(undo('ok').message).toMatch(/at least 3 characters/);
    expect(undo('x'.repeat(201)).message).toMatch(/at most 200/);
    expect(undo('bad\u0007bell').code).toBe('bad-reason');
    expect(refusalOf(() => undoHandOut(inventory, { assignmentId: 9999, reason: 'wrong employee', actor: ADMIN })).code).toBe('unknown-hand-out');
    expect(findToken(inventory, tokens[0]!.serial)?.status).toBe('assigned');
  });
});

describe('inventoryCounts', () => {
  it('counts stock, hand-outs today at this desk, and what waits for export', async () => {
    const { inventory, tokens } = await stocked(6);
    expect(inventoryCounts(inventory, { now: NOW })).toEqual({ inStock: 6, handedOutToday: 0, waitingForExport: 0 });
    give(inventory, tokens[0]!, 'old@example.com', STAFF, NOW - 24 * 3600_000);
    give(inventory, tokens[1]!, 'a@example.com', STAFF);
    const undone = give(inventory, tokens[2]!, 'b@example.com', STAFF);
    undoHandOut(inventory, { assignmentId: undone, reason: 'wrong employee', actor: STAFF });
    expect(inventoryCounts(inventory, { now: NOW })).toEqual({ inStock: 4, handedOutToday: 1, waitingForExport: 2 });
    exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    expect(inventoryCounts(inventory, { now: NOW })).toEqual({ inStock: 4, handedOutToday: 1, waitingForExport: 0 });
  });
});
