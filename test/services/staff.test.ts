import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { openInventory, type Inventory } from '../../src/store/db.js';
import {
  MAX_FAILED_PINS,
  addStaff,
  disableStaff,
  enableStaff,
  hasStaff,
  listStaff,
  lockoutMinutes,
  pinMatches,
  signIn,
  signOut,
  unlockStaff,
} from '../../src/services/staff.js';
import { ADMIN, STAFF, freshInventory, snapshot } from '../support/home.js';

const NOW = Date.UTC(2026, 10, 29, 9, 0, 0);
const MINUTE = 60_000;
const ADMIN_PIN = '90817263';
const STAFF_PIN = '55102938';

function refusalOf(fn: () => unknown): Refusal {
  try {
    fn();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

/** A home with one admin ("anna") and one desk worker ("ben"). */
function staffed(): Inventory {
  const inventory = freshInventory();
  addStaff(inventory, { name: 'anna', role: 'admin', pin: ADMIN_PIN, actor: ADMIN, now: NOW });
  addStaff(inventory, { name: 'ben', role: 'staff', pin: STAFF_PIN, actor: ADMIN, now: NOW });
  return inventory;
}

function auditRows(inventory: Inventory, action?: string): Array<{ actor: string; action: string; subject: Record<string, unknown> }> {
  const rows = inventory.sqlite
    .prepare(`SELECT actor, action, subject FROM audit_log ${action ? 'WHERE action = ?' : ''} ORDER BY seq`)
    .all(...(action ? [action] : [])) as Array<{ actor: string; action: string; subject: string }>;
  return rows.map((r) => ({ ...r, subject: JSON.parse(r.subject) as Record<string, unknown> }));
}

describe('staff accounts', () => {
  it('stores a salted scrypt hash with its parameters, never the PIN', () => {
    const inventory = freshInventory();
    addStaff(inventory, { name: 'anna', role: 'admin', pin: ADMIN_PIN, actor: ADMIN });
    addStaff(inventory, { name: 'carl', role: 'admin', pin: ADMIN_PIN, actor: ADMIN });
    const hashes = inventory.sqlite.prepare('SELECT pin_hash AS h FROM staff ORDER BY id').all() as Array<{ h: string }>;
    for (const { h } of hashes) {
      expect(h).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
      expect(pinMatches(ADMIN_PIN, h)).toBe(true);
      expect(pinMatches('90817264', h)).toBe(false);
    }
    // Same PIN, different salt: different hashes.
    expect(hashes[0]!.h).not.toBe(hashes[1]!.h);
    // Nowhere in the database, audit log included.
    expect(snapshot(inventory.paths.database)).not.toContain(ADMIN_PIN);
  });

  it('lets the very first account be an admin without an admin acting, and only that one', () => {
    const inventory = freshInventory();
    expect(hasStaff(inventory)).toBe(false);
    // No one to act yet: a staff-role actor cannot add a plain desk worker first...
    expect(refusalOf(() => addStaff(inventory, { name: 'ben', role: 'staff', pin: STAFF_PIN, actor: STAFF })).code).toBe('not-allowed');
    // ...but may create the first admin.
    const first = addStaff(inventory, { name: 'Anna', role: 'admin', pin: ADMIN_PIN, actor: STAFF, now: NOW });
    expect(first).toEqual({ name: 'Anna', role: 'admin', disabled: false, lockedUntilMs: null, createdAt: new Date(NOW).toISOString() });
    expect(hasStaff(inventory)).toBe(true);
    // From now on only admins add staff, admins included.
    expect(refusalOf(() => addStaff(inventory, { name: 'eve', role: 'admin', pin: STAFF_PIN, actor: STAFF })).code).toBe('not-allowed');
    expect(auditRows(inventory, 'staff-add')).toEqual([
      { actor: STAFF.name, action: 'staff-add', subject: { staff: 'Anna', role: 'admin', firstAdmin: true } },
    ]);
  });

  it('checks names and PINs, and refuses a name twice whatever its case', () => {
    const inventory = staffed();
    const add = (name: string, pin = STAFF_PIN) => refusalOf(() => addStaff(inventory, { name, role: 'staff', pin, actor: ADMIN }));
    expect(add('').code).toBe('bad-staff-name');
    expect(add('has space').code).toBe('bad-staff-name');
    expect(add('x'.repeat(33)).code).toBe('bad-staff-name');
    expect(add('ok-name', '123').message).toMatch(/4 to 12 digits/);
    expect(add('ok-name', '1234567890123').code).toBe('bad-pin-format');
    expect(add('ok-name', '12a4').code).toBe('bad-pin-format');
    expect(add('ANNA').code).toBe('staff-exists');
    expect(addStaff(inventory, { name: 'x'.repeat(32), role: 'staff', pin: '1234', actor: ADMIN }).name).toHaveLength(32);
  });

  it('lists accounts with role and state, without PINs', () => {
    const inventory = staffed();
    disableStaff(inventory, { name: 'ben', actor: ADMIN });
    const list = listStaff(inventory);
    expect(list.map((s) => [s.name, s.role, s.disabled])).toEqual([
      ['anna', 'admin', false],
      ['ben', 'staff', true],
    ]);
    expect(JSON.stringify(list)).not.toMatch(/scrypt|pin/i);
  });
});

describe('signIn', () => {
  it('signs in with the right PIN, whatever the case of the name, and audits sign-in and sign-out', () => {
    const inventory = staffed();
    const actor = signIn(inventory, { name: ' BEN ', pin: STAFF_PIN, now: NOW });
    expect(actor).toEqual({ name: 'ben', role: 'staff' });
    signOut(inventory, actor, { now: NOW + MINUTE });
    expect(auditRows(inventory).slice(-2)).toEqual([
      { actor: 'ben', action: 'sign-in', subject: { staff: 'ben', role: 'staff' } },
      { actor: 'ben', action: 'sign-out', subject: { staff: 'ben' } },
    ]);
  });

  it('counts wrong PINs down, then locks for 1, 2, 4 minutes as lockouts repeat', () => {
    const inventory = staffed();
    let now = NOW;
    const wrong = () => refusalOf(() => signIn(inventory, { name: 'ben', pin: '0000', now }));

    const expectLockedFor = (minutes: number) => {
      const attempts = Array.from({ length: MAX_FAILED_PINS - 1 }, wrong);
      expect(attempts.map((r) => [r.code, r.details?.attemptsLeft])).toEqual([
        ['bad-pin', 4],
        ['bad-pin', 3],
        ['bad-pin', 2],
        ['bad-pin', 1],
      ]);
      const locked = wrong();
      expect(locked.code).toBe('staff-locked');
      expect(locked.details?.lockedUntilMs).toBe(now + minutes * MINUTE);
      expect(locked.message).toMatch(new RegExp(`locked until \\d\\d:\\d\\d \\(${minutes} minutes?\\)`));
      // While locked even the right PIN is refused, and not checked.
      now += minutes * MINUTE - 1000;
      expect(refusalOf(() => signIn(inventory, { name: 'ben', pin: STAFF_PIN, now })).code).toBe('staff-locked');
      expect(listStaff(inventory, { now }).find((s) => s.name === 'ben')?.lockedUntilMs).toBe(now + 1000);
      now += 1000;
    };

    expectLockedFor(1);
    expectLockedFor(2);
    expectLockedFor(4);
    // After the lock, the right PIN works and wipes the slate: the next lockout is 1 minute again.
    expect(signIn(inventory, { name: 'ben', pin: STAFF_PIN, now })).toEqual({ name: 'ben', role: 'staff' });
    expectLockedFor(1);

    expect(auditRows(inventory, 'staff-locked').map((r) => r.subject)).toEqual([
      { staff: 'ben', minutes: 1 },
      { staff: 'ben', minutes: 2 },
      { staff: 'ben', minutes: 4 },
      { staff: 'ben', minutes: 1 },
    ]);
    expect(inventory.store.audit.verify().ok).toBe(true);
  });

  it('caps the growing delay at an hour', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map(lockoutMinutes)).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);
  });

  it('answers an unknown name exactly like a wrong PIN, locks it the same way, and never logs the typed name', () => {
    const inventory = staffed();
    for (let i = 0; i < MAX_FAILED_PINS; i++) {
      const known = refusalOf(() => signIn(inventory, { name: 'ben', pin: '0000', now: NOW }));
      const unknown = refusalOf(() => signIn(inventory, { name: '4821', pin: '0000', now: NOW }));
      expect({ code: unknown.code, message: unknown.message, details: unknown.details }).toEqual({
        code: known.code,
        message: known.message,
        details: known.details,
      });
    }
    // Even the lock looks the same: the screen cannot be used to find out who exists.
    expect(refusalOf(() => signIn(inventory, { name: '4821', pin: ADMIN_PIN, now: NOW })).code).toBe('staff-locked');
    const failed = auditRows(inventory, 'sign-in-failed').map((r) => r.subject.staff);
    expect(new Set(failed)).toEqual(new Set(['ben', '(unknown)']));
    expect(JSON.stringify(auditRows(inventory))).not.toContain('4821');
  });

  it('tells a disabled account so only when its PIN is right', () => {
    const inventory = staffed();
    disableStaff(inventory, { name: 'ben', actor: ADMIN });
    expect(refusalOf(() => signIn(inventory, { name: 'ben', pin: '0000', now: NOW })).code).toBe('bad-pin');
    const disabled = refusalOf(() => signIn(inventory, { name: 'ben', pin: STAFF_PIN, now: NOW }));
    expect(disabled.code).toBe('staff-disabled');
    expect(disabled.message).toMatch(/disabled; ask an admin/);
    enableStaff(inventory, { name: 'ben', actor: ADMIN });
    expect(signIn(inventory, { name: 'ben', pin: STAFF_PIN, now: NOW }).name).toBe('ben');
  });

  it('keeps the lock across a restart, and an admin can lift it', () => {
    const inventory = staffed();
    for (let i = 0; i < MAX_FAILED_PINS; i++) refusalOf(() => signIn(inventory, { name: 'ben', pin: '0000', now: NOW }));
    const reopened = openInventory(inventory.paths.dir);
    try {
      expect(refusalOf(() => signIn(reopened, { name: 'ben', pin: STAFF_PIN, now: NOW + 1000 })).code).toBe('staff-locked');
      expect(refusalOf(() => unlockStaff(reopened, { name: 'ben', actor: STAFF })).code).toBe('not-allowed');
      unlockStaff(reopened, { name: 'ben', actor: ADMIN });
      expect(signIn(reopened, { name: 'ben', pin: STAFF_PIN, now: NOW + 2000 }).name).toBe('ben');
    } finally {
      reopened.close();
    }
  });
});

describe('disableStaff', () => {
  it('is for admins, and never disables the last enabled admin', () => {
    const inventory = staffed();
    expect(refusalOf(() => disableStaff(inventory, { name: 'anna', actor: STAFF })).code).toBe('not-allowed');
    const last = refusalOf(() => disableStaff(inventory, { name: 'anna', actor: ADMIN }));
    expect(last.code).toBe('last-admin');
    expect(last.message).toMatch(/add another admin first/);

    addStaff(inventory, { name: 'carl', role: 'admin', pin: ADMIN_PIN, actor: ADMIN });
    disableStaff(inventory, { name: 'anna', actor: ADMIN });
    // A disabled admin does not count: carl is now the last one.
    expect(refusalOf(() => disableStaff(inventory, { name: 'CARL', actor: ADMIN })).code).toBe('last-admin');
    expect(refusalOf(() => disableStaff(inventory, { name: 'anna', actor: ADMIN })).code).toBe('already-disabled');
    expect(refusalOf(() => disableStaff(inventory, { name: 'nobody', actor: ADMIN })).code).toBe('unknown-staff');
    expect(auditRows(inventory, 'staff-disable').map((r) => r.subject)).toEqual([{ staff: 'anna' }]);
  });
});
