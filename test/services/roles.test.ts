/**
 * Roles are enforced by the services, whatever a screen or the command line shows: a desk worker
 * (staff) may hand out and undo their own pending hand-out, and nothing else. Each state-changing
 * service refuses a staff actor with 'not-allowed' and leaves the database and key file as they were.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { may, type Actor, type Permission } from '../../src/services/actor.js';
import { markUploaded, voidBatch } from '../../src/services/batch/lifecycle.js';
import { undoHandOut } from '../../src/services/deskTools.js';
import { exportBatch } from '../../src/services/batch/export.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { changePassphrase, protectWithPassphrase, rotateDataKey } from '../../src/services/keys.js';
import { importRoster } from '../../src/services/roster.js';
import { addStaff, disableStaff, enableStaff, unlockStaff } from '../../src/services/staff.js';
import type { Inventory } from '../../src/store/db.js';
import { ADMIN, STAFF, snapshot, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';
import { NOW, desk, handOutAll } from '../fixtures/batches/desk.js';

const rosterFile = fileURLToPath(new URL('../fixtures/roster/people.csv', import.meta.url));
const FAST = { N: 2 ** 12, r: 8, p: 1 };

/** A desk with hand-outs, one exported batch, staff accounts (one disabled) and more hand-outs waiting. */
async function busyDesk(): Promise<Inventory> {
  const tokens = makeTokens(6);
  const inventory = await desk('hq', tokens, [
    { token: tokens[0]!, upn: 'ann@example.com', at: NOW },
    { token: tokens[1]!, upn: 'bob@example.com', at: NOW },
  ]);
  exportBatch(inventory, { format: 'graph-json', actor: ADMIN, now: NOW });
  handOutAll(inventory, [{ token: tokens[2]!, upn: 'cyd@example.com', at: NOW + 60_000 }]); // #3, waiting
  addStaff(inventory, { name: 'anna', role: 'admin', pin: '1234', actor: ADMIN });
  addStaff(inventory, { name: 'ben', role: 'staff', pin: '4321', actor: ADMIN });
  addStaff(inventory, { name: 'cleo', role: 'staff', pin: '5555', actor: ADMIN });
  disableStaff(inventory, { name: 'cleo', actor: ADMIN });
  return inventory;
}

/** Runs `call` as staff: refused with 'not-allowed', naming the actor, and nothing changed on disk. */
async function expectRefusedForStaff(
  inventory: Inventory,
  call: (actor: Actor) => unknown,
  message = new RegExp(`^${STAFF.name} \\(staff\\) may not .*; ask an admin$`),
): Promise<void> {
  const before = snapshot(inventory.paths.database);
  const keyBefore = readFileSync(inventory.paths.keyFile, 'utf8');
  let caught: unknown;
  try {
    await call(STAFF);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(Refusal);
  expect(caught).toMatchObject({ code: 'not-allowed' });
  expect((caught as Refusal).message).toMatch(message);
  expect(snapshot(inventory.paths.database)).toBe(before);
  expect(readFileSync(inventory.paths.keyFile, 'utf8')).toBe(keyBefore);
}

describe('a staff actor is refused by every admin service', () => {
  const cases: Array<[string, (inventory: Inventory, actor: Actor) => unknown]> = [
    ['import', (inv, actor) => importSeeds(inv, { file: writeTemp('more.csv', entraCsv(makeTokens(2, { prefix: '0077' }))), actor })],
    ['import (dry run)', (inv, actor) => importSeeds(inv, { file: writeTemp('more.csv', entraCsv(makeTokens(2, { prefix: '0077' }))), actor, dryRun: true })],
    ['export', (inv, actor) => exportBatch(inv, { format: 'entra-csv', actor })],
    ['export again (rewrite a batch)', (inv, actor) => exportBatch(inv, { batch: '1', actor })],
    ['void', (inv, actor) => voidBatch(inv, { batch: '1', reason: 'mistake', actor })],
    ['mark uploaded', (inv, actor) => markUploaded(inv, { batch: '1', purgeSeeds: false, actor })],
    ['purge seeds', (inv, actor) => markUploaded(inv, { batch: '1', purgeSeeds: true, actor })],
    ['staff add', (inv, actor) => addStaff(inv, { name: 'dora', role: 'staff', pin: '2468', actor })],
    ['staff add (an admin)', (inv, actor) => addStaff(inv, { name: 'dora', role: 'admin', pin: '2468', actor })],
    ['staff disable', (inv, actor) => disableStaff(inv, { name: 'anna', actor })],
    ['staff enable', (inv, actor) => enableStaff(inv, { name: 'cleo', actor })],
    ['staff unlock', (inv, actor) => unlockStaff(inv, { name: 'ben', actor })],
    ['roster import', (inv, actor) => importRoster(inv, { file: rosterFile, actor })],
    ['key rotate', (inv, actor) => rotateDataKey(inv, { actor })],
    ['key protect', (inv, actor) => protectWithPassphrase(inv, { actor, passphrase: 'a good long passphrase', scrypt: FAST })],
    ['key change-passphrase', (inv, actor) => changePassphrase(inv, { actor, passphrase: 'a good long passphrase', scrypt: FAST })],
  ];
  for (const [name, call] of cases) {
    it(name, async () => {
      const inventory = await busyDesk();
      await expectRefusedForStaff(inventory, (actor) => call(inventory, actor));
    });
  }

  it("undo of someone else's hand-out", async () => {
    const inventory = await busyDesk();
    const other: Actor = { name: 'someone-else', role: 'staff' };
    await expectRefusedForStaff(
      inventory,
      () => undoHandOut(inventory, { assignmentId: 3, reason: 'not mine', actor: other }),
      /^this hand-out was made by test-staff: only they or an admin can undo it$/,
    );
  });
});

describe('what each role may do', () => {
  it('staff: hand out and undo their own; admin: everything', () => {
    const permissions: Permission[] = [
      'hand-out',
      'undo-own-hand-out',
      'undo-any-hand-out',
      'import',
      'export',
      'void-batch',
      'mark-uploaded',
      'purge-seeds',
      'manage-staff',
      'manage-roster',
      'manage-key',
    ];
    expect(permissions.filter((p) => may(STAFF, p))).toEqual(['hand-out', 'undo-own-hand-out']);
    expect(permissions.filter((p) => may(ADMIN, p))).toEqual(permissions);
  });

  it('the same calls succeed for an admin (the refusals above are about the role, not the request)', async () => {
    const inventory = await busyDesk();
    markUploaded(inventory, { batch: '1', purgeSeeds: true, actor: ADMIN });
    unlockStaff(inventory, { name: 'ben', actor: ADMIN });
    enableStaff(inventory, { name: 'cleo', actor: ADMIN });
    await importRoster(inventory, { file: rosterFile, actor: ADMIN });
    undoHandOut(inventory, { assignmentId: 3, reason: 'wrong person', actor: ADMIN });
    expect(rotateDataKey(inventory, { actor: ADMIN }).seeds).toBe(4);
  });
});
