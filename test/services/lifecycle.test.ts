import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { codeAtStep, timeStep, type TotpToken } from '../../src/core/totp.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { handOut } from '../../src/services/handOut.js';
import { identify } from '../../src/services/identify.js';
import { undoHandOut } from '../../src/services/deskTools.js';
import { exportBatch } from '../../src/services/batch/export.js';
import { markUploaded } from '../../src/services/batch/lifecycle.js';
import { findToken } from '../../src/services/tokens.js';
import {
  holders,
  preassignedPerson,
  releaseToken,
  replaceToken,
  reportBroken,
  reportLost,
  restockToken,
  retireToken,
  returnToken,
} from '../../src/services/lifecycle/index.js';
import type { Inventory } from '../../src/store/db.js';
import { ADMIN, STAFF, freshInventory, snapshot, tempDir, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';

const NOW = Date.UTC(2026, 10, 29, 9, 0, 10);
const totp = (t: TestToken): TotpToken => ({ secret: t.secret, algorithm: 'SHA1', digits: 6, period: 30 });
const codeFor = (t: TestToken, offset = 0, now = NOW) => codeAtStep(totp(t), timeStep(now, 30) + offset);

async function stocked(count = 6) {
  const inventory = freshInventory();
  const tokens = makeTokens(count);
  await importSeeds(inventory, { file: writeTemp('seeds.csv', entraCsv(tokens)), actor: ADMIN });
  return { inventory, tokens };
}

function refusalOf(fn: () => unknown): Refusal {
  try {
    fn();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

/** Refused, with advice, and nothing in the database changed. */
function refusedUnchanged(inventory: Inventory, fn: () => unknown, code: string | RegExp): Refusal {
  const before = snapshot(inventory.paths.database);
  const error = refusalOf(fn);
  if (typeof code === 'string') expect(error.code).toBe(code);
  else expect(error.code).toMatch(code);
  expect(snapshot(inventory.paths.database)).toBe(before);
  return error;
}

function give(inventory: Inventory, t: TestToken, upn = 'a@example.com', now = NOW, extra: { replacesAssignmentId?: number } = {}) {
  const result = handOut(inventory, { serial: t.serial, upn, code: codeFor(t, 0, now), actor: STAFF, now, ...extra });
  if (!result.ok) throw new Error(result.message);
  return result;
}

function exportAll(inventory: Inventory) {
  return exportBatch(inventory, { format: 'entra-csv', outDir: tempDir(), actor: ADMIN, now: NOW });
}

const removalsOf = (inventory: Inventory) =>
  inventory.sqlite.prepare('SELECT token_id AS tokenId, upn, reason, action, batch_id AS batchId, done_at AS doneAt FROM removals ORDER BY id').all() as Array<Record<string, unknown>>;
const auditOf = (inventory: Inventory, action: string) =>
  (inventory.sqlite.prepare('SELECT subject FROM audit_log WHERE action = ? ORDER BY seq').all(action) as Array<{ subject: string }>).map((r) => JSON.parse(r.subject));

describe('return', () => {
  it('ends a hand-out waiting for export without a removal; the token waits for a restock', async () => {
    const { inventory, tokens } = await stocked();
    give(inventory, tokens[0]!);
    const result = returnToken(inventory, { serial: tokens[0]!.serial, note: 'left the company', actor: STAFF, now: NOW + 1000 });
    expect(result).toMatchObject({ from: 'assigned', to: 'returned', upn: 'a@example.com', removal: null });
    expect(findToken(inventory, tokens[0]!.serial)).toMatchObject({ status: 'returned', statusChangedAt: new Date(NOW + 1000).toISOString() });
    expect(removalsOf(inventory)).toEqual([]);
    expect(auditOf(inventory, 'token-returned')).toEqual([
      { serial: tokens[0]!.serial, from: 'assigned', to: 'returned', upn: 'a@example.com', assignment: result.assignmentId, endReason: 'returned', note: 'left the company' },
    ]);
    // No longer counted for the person, and not exported.
    expect(exportAll(inventory).manifest).toBeNull();
  });

  it('after export records an unassign removal for the identity provider', async () => {
    const { inventory, tokens } = await stocked();
    give(inventory, tokens[0]!);
    exportAll(inventory);
    expect(returnToken(inventory, { serial: tokens[0]!.serial, actor: STAFF })).toMatchObject({ from: 'exported', removal: { action: 'unassign' } });
    expect(removalsOf(inventory)).toMatchObject([{ upn: 'a@example.com', reason: 'returned', action: 'unassign', batchId: null, doneAt: null }]);
  });

  it('after upload records an unassign removal too', async () => {
    const { inventory, tokens } = await stocked();
    give(inventory, tokens[0]!);
    exportAll(inventory);
    markUploaded(inventory, { batch: 1, actor: ADMIN });
    expect(returnToken(inventory, { serial: tokens[0]!.serial, actor: STAFF })).toMatchObject({ from: 'uploaded', to: 'returned', removal: { action: 'unassign' } });
  });

  it('is refused for a token nobody holds, an unknown serial, a bad note; nothing changes', async () => {
    const { inventory, tokens } = await stocked();
    expect(refusedUnchanged(inventory, () => returnToken(inventory, { serial: tokens[0]!.serial, actor: STAFF }), 'wrong-state').message).toMatch(
      /in stock: nobody holds it, so there is nothing to return/,
    );
    refusedUnchanged(inventory, () => returnToken(inventory, { serial: '0099000000000', actor: STAFF }), 'unknown-serial');
    give(inventory, tokens[1]!);
    refusedUnchanged(inventory, () => returnToken(inventory, { serial: tokens[1]!.serial, note: 'x'.repeat(201), actor: STAFF }), 'bad-note');
    returnToken(inventory, { serial: tokens[1]!.serial, actor: STAFF });
    expect(refusedUnchanged(inventory, () => returnToken(inventory, { serial: tokens[1]!.serial, actor: STAFF }), 'wrong-state').message).toMatch(
      /already recorded; an admin can put it back in stock/,
    );
  });
});

describe('lost and broken', () => {
  it('a lost uploaded token gets a delete removal and is never handed out, restocked or released again', async () => {
    const { inventory, tokens } = await stocked();
    const t = tokens[0]!;
    give(inventory, t);
    exportAll(inventory);
    markUploaded(inventory, { batch: 1, actor: ADMIN });
    expect(reportLost(inventory, { serial: t.serial, actor: STAFF })).toMatchObject({ from: 'uploaded', to: 'lost', removal: { action: 'delete' } });
    expect(removalsOf(inventory)).toMatchObject([{ reason: 'lost', action: 'delete' }]);
    expect(refusalOf(() => handOut(inventory, { serial: t.serial, upn: 'b@example.com', code: codeFor(t, 1), actor: STAFF, now: NOW })).code).toBe('out-of-service');
    refusedUnchanged(inventory, () => restockToken(inventory, { serial: t.serial, code: codeFor(t, 1), actor: ADMIN, now: NOW }), 'lost-never-reissued');
    refusedUnchanged(inventory, () => releaseToken(inventory, { serial: t.serial, actor: ADMIN }), 'lost-never-reissued');
    refusedUnchanged(inventory, () => returnToken(inventory, { serial: t.serial, actor: STAFF }), 'wrong-state');
    refusedUnchanged(inventory, () => reportLost(inventory, { serial: t.serial, actor: STAFF }), 'wrong-state');
  });

  it('a token lost from the drawer (in stock) has no holder and no removal', async () => {
    const { inventory, tokens } = await stocked();
    expect(reportLost(inventory, { serial: tokens[0]!.serial, actor: STAFF })).toMatchObject({ from: 'in-stock', to: 'lost', assignmentId: null, removal: null });
  });

  it('a broken exported token gets a delete removal; broken twice is refused', async () => {
    const { inventory, tokens } = await stocked();
    give(inventory, tokens[0]!);
    exportAll(inventory);
    expect(reportBroken(inventory, { serial: tokens[0]!.serial, note: 'display dead', actor: STAFF })).toMatchObject({ from: 'exported', to: 'broken', removal: { action: 'delete' } });
    refusedUnchanged(inventory, () => reportBroken(inventory, { serial: tokens[0]!.serial, actor: STAFF }), 'wrong-state');
  });
});

describe('retire', () => {
  it('is for admins, needs a reason, and ends a live hand-out with a delete removal', async () => {
    const { inventory, tokens } = await stocked();
    give(inventory, tokens[0]!);
    exportAll(inventory);
    refusedUnchanged(inventory, () => retireToken(inventory, { serial: tokens[0]!.serial, note: 'old model', actor: STAFF }), 'not-allowed');
    refusedUnchanged(inventory, () => retireToken(inventory, { serial: tokens[0]!.serial, note: ' ', actor: ADMIN }), 'bad-reason');
    expect(retireToken(inventory, { serial: tokens[0]!.serial, note: 'old model', actor: ADMIN })).toMatchObject({ to: 'retired', removal: { action: 'delete' } });
    expect(retireToken(inventory, { serial: tokens[1]!.serial, note: 'old model', actor: ADMIN })).toMatchObject({ from: 'in-stock', removal: null });
    refusedUnchanged(inventory, () => retireToken(inventory, { serial: tokens[1]!.serial, note: 'again', actor: ADMIN }), 'wrong-state');
  });
});

describe('replace', () => {
  it('ends the old hand-out, links the verified replacement, leaves one live token and a removal for the old one', async () => {
    const { inventory, tokens } = await stocked();
    const [oldToken, newToken] = [tokens[0]!, tokens[1]!];
    give(inventory, oldToken);
    exportAll(inventory);
    const replaced = replaceToken(inventory, { serial: oldToken.serial, condition: 'broken', note: 'cracked', actor: STAFF, now: NOW + 1000 });
    expect(replaced).toMatchObject({ to: 'broken', upn: 'a@example.com', removal: { action: 'delete' } });
    const next = give(inventory, newToken, 'a@example.com', NOW + 60_000, { replacesAssignmentId: replaced.replacesAssignmentId });
    expect(holders(inventory, { upn: 'a@example.com', actor: ADMIN }).filter((h) => h.current).map((h) => h.serial)).toEqual([newToken.serial]);
    expect(removalsOf(inventory)).toMatchObject([{ reason: 'replaced', action: 'delete' }]);
    expect(auditOf(inventory, 'token-broken')).toMatchObject([{ serial: oldToken.serial, assignment: replaced.assignmentId, endReason: 'replaced' }]);
    expect(auditOf(inventory, 'hand-out').at(-1)).toMatchObject({ serial: newToken.serial, replaces: replaced.assignmentId });
    const rows = holders(inventory, { serial: newToken.serial, actor: ADMIN });
    expect(rows[0]).toMatchObject({ assignmentId: next.assignmentId, replacesAssignmentId: replaced.assignmentId });
  });

  it('refuses a replacement for another person, twice, or without a recorded end; and replacing a token nobody holds writes nothing', async () => {
    const { inventory, tokens } = await stocked();
    give(inventory, tokens[0]!);
    const replaced = replaceToken(inventory, { serial: tokens[0]!.serial, condition: 'returned', actor: STAFF });
    expect(refusalOf(() => give(inventory, tokens[1]!, 'b@example.com', NOW, { replacesAssignmentId: replaced.replacesAssignmentId })).code).toBe('replacement-other-person');
    give(inventory, tokens[1]!, 'a@example.com', NOW, { replacesAssignmentId: replaced.replacesAssignmentId });
    expect(refusalOf(() => give(inventory, tokens[2]!, 'a@example.com', NOW, { replacesAssignmentId: replaced.replacesAssignmentId })).code).toBe('already-replaced');
    const plain = give(inventory, tokens[3]!, 'c@example.com');
    expect(refusalOf(() => give(inventory, tokens[4]!, 'c@example.com', NOW, { replacesAssignmentId: plain.assignmentId })).code).toBe('not-replaced');
    refusedUnchanged(inventory, () => replaceToken(inventory, { serial: tokens[5]!.serial, condition: 'lost', actor: STAFF }), 'not-handed-out');
  });
});

describe('restock and release', () => {
  it('puts a returned token back only after its removal is done and a fresh code passes', async () => {
    const { inventory, tokens } = await stocked();
    const t = tokens[0]!;
    give(inventory, t);
    exportAll(inventory);
    returnToken(inventory, { serial: t.serial, actor: STAFF });
    const later = NOW + 10 * 60_000;
    refusedUnchanged(inventory, () => restockToken(inventory, { serial: t.serial, code: codeFor(t, 0, later), actor: STAFF, now: later }), 'not-allowed');
    expect(refusedUnchanged(inventory, () => restockToken(inventory, { serial: t.serial, code: codeFor(t, 0, later), actor: ADMIN, now: later }), 'removal-pending').message).toMatch(
      /export --removals/,
    );
    inventory.store.write(() => inventory.store.graphUploads.markRemovalDone(1, new Date(later).toISOString()));
    expect(refusalOf(() => restockToken(inventory, { serial: t.serial, code: codeFor(t, 9, later).replace(/./, (d) => String((Number(d) + 1) % 10)), actor: ADMIN, now: later })).code).toMatch(
      /wrong-code|code-out-of-window|quarantined/,
    );
    expect(findToken(inventory, t.serial)?.status).toBe('returned');
    expect(restockToken(inventory, { serial: t.serial, code: codeFor(t, 0, later), actor: ADMIN, now: later })).toMatchObject({ serial: t.serial, offsetSteps: 0 });
    expect(findToken(inventory, t.serial)?.status).toBe('in-stock');
    // Back in stock: it can be handed out again, to someone else.
    give(inventory, t, 'b@example.com', later + 60_000);
    refusedUnchanged(inventory, () => restockToken(inventory, { serial: t.serial, code: codeFor(t, 0, later + 120_000), actor: ADMIN, now: later + 120_000 }), 'wrong-state');
  });

  it('a returned token without its seed cannot be restocked', async () => {
    const { inventory, tokens } = await stocked();
    const t = tokens[0]!;
    give(inventory, t);
    returnToken(inventory, { serial: t.serial, actor: STAFF });
    inventory.sqlite.prepare('UPDATE tokens SET sealed_secret = NULL WHERE serial = ?').run(t.serial);
    expect(refusedUnchanged(inventory, () => restockToken(inventory, { serial: t.serial, code: codeFor(t), actor: ADMIN, now: NOW }), 'seed-purged').message).toMatch(/retire it/);
  });

  it('release is for admins and only from quarantine', async () => {
    const { inventory, tokens } = await stocked();
    refusedUnchanged(inventory, () => releaseToken(inventory, { serial: tokens[0]!.serial, actor: ADMIN }), 'wrong-state');
    inventory.store.write(() => inventory.store.tokens.transition(findToken(inventory, tokens[0]!.serial)!.id, 'quarantine', { at: 'x', actor: 'a', deskId: 'd', quarantine: { reason: 'drift', offsetSteps: 7 } }));
    refusedUnchanged(inventory, () => releaseToken(inventory, { serial: tokens[0]!.serial, actor: STAFF }), 'not-allowed');
    expect(releaseToken(inventory, { serial: tokens[0]!.serial, note: 'clock ok now', actor: ADMIN })).toEqual({ serial: tokens[0]!.serial, quarantineReason: 'drift' });
    expect(findToken(inventory, tokens[0]!.serial)).toMatchObject({ status: 'in-stock', quarantineReason: null, quarantineOffsetSteps: null });
    expect(auditOf(inventory, 'token-released')).toMatchObject([{ quarantineReason: 'drift', offsetSteps: 7, note: 'clock ok now' }]);
  });
});

describe('pre-assigned tokens', () => {
  it('needs a confirmation to hand a token to someone other than the person its seed file names', async () => {
    const inventory = freshInventory();
    const tokens = makeTokens(2);
    await importSeeds(inventory, { file: writeTemp('seeds.csv', entraCsv(tokens, { upn: () => 'meant.for@example.com' })), actor: ADMIN });
    const t = tokens[0]!;
    expect(preassignedPerson(inventory, ` ${t.serial} `)).toBe('meant.for@example.com');
    expect(identify(inventory, t.serial, 'scan')).toMatchObject({ kind: 'token', preassignedUpn: 'meant.for@example.com' });
    const error = refusedUnchanged(inventory, () => handOut(inventory, { serial: t.serial, upn: 'other@example.com', code: codeFor(t), actor: STAFF, now: NOW }), 'preassigned-to-other');
    expect(error.message).toMatch(/pre-assigned to meant.for@example.com .* --confirm-preassigned/);
    // The code was not used up by the refusal: the same code confirms.
    expect(handOut(inventory, { serial: t.serial, upn: 'other@example.com', code: codeFor(t), actor: STAFF, now: NOW, confirmPreassigned: true })).toMatchObject({ ok: true });
    expect(auditOf(inventory, 'hand-out').at(-1)).toMatchObject({ preassignedTo: 'meant.for@example.com', confirmed: true });
    // The person it was meant for needs no confirmation.
    expect(handOut(inventory, { serial: tokens[1]!.serial, upn: 'Meant.For@example.com', code: codeFor(tokens[1]!), actor: STAFF, now: NOW })).toMatchObject({ ok: true });
  });
});

describe('undo after the end of a hand-out', () => {
  it('refuses to undo a hand-out that ended, even when the token was handed out again since', async () => {
    const { inventory, tokens } = await stocked();
    const t = tokens[0]!;
    const first = give(inventory, t);
    returnToken(inventory, { serial: t.serial, actor: STAFF });
    restockToken(inventory, { serial: t.serial, code: codeFor(t, 0, NOW + 60_000), actor: ADMIN, now: NOW + 60_000 });
    give(inventory, t, 'b@example.com', NOW + 120_000);
    expect(refusedUnchanged(inventory, () => undoHandOut(inventory, { assignmentId: first.assignmentId, reason: 'wrong person', actor: ADMIN }), 'hand-out-ended').message).toMatch(
      /already ended \(returned\)/,
    );
    expect(findToken(inventory, t.serial)?.status).toBe('assigned');
  });
});
