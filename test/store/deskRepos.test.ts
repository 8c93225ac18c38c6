/**
 * TokenRepo, AssignmentRepo, ImportRepo and SelfCheckRepo on a real home: the rules that live in
 * their statements (a failure never clears a lock, a step only moves forward, undone hand-outs do
 * not count, a day is [from, to)) and the seed never leaving the store in a view.
 */
import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/store/db.js';
import { freshInventory } from '../support/home.js';

/** A home with an import record and `count` tokens (sealed with the home's key). */
function stocked(count = 3): { inventory: Inventory; ids: number[]; serials: string[] } {
  const inventory = freshInventory();
  const { store, vault } = inventory;
  const serials = Array.from({ length: count }, (_, i) => `00600000000${i}`);
  store.write(() => {
    const importId = store.imports.record({
      fileName: 'box.csv',
      fileSize: 1,
      sha256: 'f'.repeat(64),
      format: 'entra-csv',
      added: count,
      alreadyPresent: 0,
      rejected: 0,
      skipped: 0,
      importedAt: '2026-11-29T08:00:00.000Z',
      importedBy: 'test-admin',
    });
    for (const serial of serials) {
      store.imports.addToken({
        serial,
        sealedSecret: vault.seal(serial, new Uint8Array(20).fill(7)),
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
        manufacturer: 'Token2',
        model: 'C202',
        driftSteps: 0,
        preassignedUpn: null,
        importId,
      });
    }
  });
  const ids = serials.map((s) => store.tokens.bySerial(s)!.id);
  return { inventory, ids, serials };
}

const handOutOf = (tokenId: number, upn: string, verifiedAt = '2026-11-29T09:00:00.000Z', deskId = 'test-desk') => ({
  tokenId,
  upn,
  displayName: 'Token2 C202',
  verifiedAt,
  offsetSteps: 0,
  assignedBy: 'test-staff',
  deskId,
});

describe('TokenRepo', () => {
  it('reads back every column an import stored', () => {
    const inventory = freshInventory();
    const { store } = inventory;
    const importId = store.write(() => {
      const id = store.imports.record({ fileName: 'b.json', fileSize: 2, sha256: 'e'.repeat(64), format: 'graph-json', added: 1, alreadyPresent: 0, rejected: 0, skipped: 0, importedAt: 'now', importedBy: 'a' });
      const sealedSecret = inventory.vault.seal('0042', new Uint8Array(32).fill(9));
      store.imports.addToken({ serial: '0042', sealedSecret, algorithm: 'SHA256', digits: 8, period: 60, manufacturer: 'Acme', model: 'K1', driftSteps: -2, preassignedUpn: 'p@example.com', importId: id });
      return id;
    });
    expect(store.tokens.bySerial('0042')).toEqual({
      id: 1,
      serial: '0042',
      algorithm: 'SHA256',
      digits: 8,
      period: 60,
      manufacturer: 'Acme',
      model: 'K1',
      status: 'in-stock',
      lastAcceptedStep: null,
      failedAttempts: 0,
      lockedUntilMs: null,
      driftSteps: -2,
      preassignedUpn: 'p@example.com',
      importId,
      seedPurged: false,
      statusChangedAt: null,
      quarantineReason: null,
      quarantineOffsetSteps: null,
    });
    expect(inventory.vault.open('0042', store.tokens.sealedSeedOf(1)!.sealed!)).toEqual(new Uint8Array(32).fill(9));
  });

  it('shows a token without its seed, and says when the seed was purged', () => {
    const { inventory, serials } = stocked(1);
    const view = inventory.store.tokens.bySerial(serials[0]!)!;
    expect(Object.keys(view)).not.toContain('sealedSecret');
    expect(view).toMatchObject({ serial: serials[0], status: 'in-stock', seedPurged: false, failedAttempts: 0, lockedUntilMs: null });
    inventory.sqlite.exec('UPDATE tokens SET sealed_secret = NULL');
    expect(inventory.store.tokens.bySerial(serials[0]!)?.seedPurged).toBe(true);
    expect(inventory.store.tokens.sealedSeedBySerial(serials[0]!)).toBeNull();
    expect(inventory.store.tokens.sealedSeedBySerial('nope')).toBeUndefined();
  });

  it('counts a wrong code without touching a lock; a lock starts a fresh count', () => {
    const { inventory, ids } = stocked(1);
    const tokens = inventory.store.tokens;
    const id = ids[0]!;
    tokens.countWrongCode(id, 3);
    tokens.lock(id, 1_000_000);
    expect(tokens.verificationState(id)).toMatchObject({ failedAttempts: 0, lockedUntilMs: 1_000_000 });
    tokens.countWrongCode(id, 1);
    expect(tokens.verificationState(id)).toMatchObject({ failedAttempts: 1, lockedUntilMs: 1_000_000 });
  });

  it('moves the last accepted step forward only', () => {
    const { inventory, ids } = stocked(1);
    const tokens = inventory.store.tokens;
    const id = ids[0]!;
    expect(tokens.acceptStep(id, 100)).toBe(true);
    expect(tokens.acceptStep(id, 100)).toBe(false);
    expect(tokens.acceptStep(id, 99)).toBe(false);
    expect(tokens.acceptStep(id, 101)).toBe(true);
    expect(tokens.verificationState(id)?.lastAcceptedStep).toBe(101);
  });

  it('hands out and returns to stock, keeping the used step', () => {
    const { inventory, ids } = stocked(1);
    const tokens = inventory.store.tokens;
    const id = ids[0]!;
    tokens.countWrongCode(id, 2);
    tokens.markHandedOut(id, { step: 500, driftSteps: -1 });
    expect(tokens.verificationState(id)).toEqual({ status: 'assigned', lastAcceptedStep: 500, failedAttempts: 0, lockedUntilMs: null });
    tokens.lock(id, 42);
    tokens.returnToStock(id);
    expect(tokens.verificationState(id)).toEqual({ status: 'in-stock', lastAcceptedStep: 500, failedAttempts: 0, lockedUntilMs: null });
    expect(tokens.countByStatus()).toEqual({ 'in-stock': 1, assigned: 0, exported: 0, uploaded: 0, returned: 0, lost: 0, broken: 0, retired: 0, quarantined: 0 });
  });
});

describe('AssignmentRepo', () => {
  it('counts live hand-outs per UPN and undoes each only once', () => {
    const { inventory, ids } = stocked(3);
    const { assignments } = inventory.store;
    const [a, b] = inventory.store.write(() => [assignments.record(handOutOf(ids[0]!, 'x@example.com')), assignments.record(handOutOf(ids[1]!, 'x@example.com'))]);
    expect(assignments.liveCountOf('x@example.com')).toBe(2);
    expect(assignments.liveUpnOfToken(ids[0]!)).toBe('x@example.com');
    expect(assignments.markUndone(a!, { at: '2026-11-29T09:30:00.000Z', by: 'test-staff', reason: 'wrong employee' })).toBe(true);
    expect(assignments.markUndone(a!, { at: '2026-11-29T09:31:00.000Z', by: 'test-staff', reason: 'again' })).toBe(false);
    expect(assignments.liveCountOf('x@example.com')).toBe(1);
    expect(assignments.liveUpnOfToken(ids[0]!)).toBeNull();
    expect(assignments.handOut(a!)).toMatchObject({ undoneAt: '2026-11-29T09:30:00.000Z', undoReason: 'wrong employee', tokenStatus: 'in-stock', batchStatus: null });
    expect(assignments.ofToken(ids[1]!).map((v) => v.id)).toEqual([b]);
  });

  it("lists a desk's day as [from, to), newest first", () => {
    const { inventory, ids } = stocked(3);
    const { assignments } = inventory.store;
    inventory.store.write(() => {
      assignments.record(handOutOf(ids[0]!, 'a@example.com', '2026-11-29T00:00:00.000Z'));
      assignments.record(handOutOf(ids[1]!, 'b@example.com', '2026-11-29T23:59:59.999Z'));
      assignments.record(handOutOf(ids[2]!, 'c@example.com', '2026-11-30T00:00:00.000Z'));
    });
    const day = ['2026-11-29T00:00:00.000Z', '2026-11-30T00:00:00.000Z'] as const;
    expect(assignments.handOutsOfDesk('test-desk', ...day).map((h) => h.upn)).toEqual(['b@example.com', 'a@example.com']);
    expect(assignments.handOutsOfDesk('other-desk', ...day)).toEqual([]);
    expect(assignments.countLiveOfDesk('test-desk', ...day)).toBe(2);
  });
});

describe('ImportRepo', () => {
  it('finds an earlier import by its sha256 and lists imports newest first', () => {
    const { inventory } = stocked(1);
    expect(inventory.store.imports.bySha256('f'.repeat(64))).toEqual({ id: 1, importedAt: '2026-11-29T08:00:00.000Z' });
    expect(inventory.store.imports.bySha256('0'.repeat(64))).toBeUndefined();
    expect(inventory.store.imports.list().map((r) => r.fileName)).toEqual(['box.csv']);
  });
});

describe('SelfCheckRepo', () => {
  it('counts checks in (since, now] per scope and forgets old ones', () => {
    const inventory = freshInventory();
    const checks = inventory.store.selfChecks;
    inventory.store.write(() => {
      for (const at of [100, 200, 300]) checks.count('token:1', at);
      checks.count('desk:d', 250);
    });
    expect(checks.recent('token:1', 100, 300)).toEqual({ n: 2, oldestMs: 200 });
    expect(checks.recent('token:1', 0, 250)).toEqual({ n: 2, oldestMs: 100 });
    expect(checks.recent('token:2', 0, 1000)).toEqual({ n: 0, oldestMs: null });
    inventory.store.write(() => checks.forgetBefore(250));
    expect(checks.recent('token:1', 0, 1000)).toEqual({ n: 1, oldestMs: 300 });
    expect(checks.recent('desk:d', 0, 1000)).toEqual({ n: 1, oldestMs: 250 });
  });
});
