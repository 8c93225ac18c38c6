import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listAudit } from '../../../src/services/auditTrail.js';
import { reconcileTenant } from '../../../src/services/upload/reconcileTenant.js';
import { uploadToTenant } from '../../../src/services/upload/upload.js';
import { handOutAll } from '../../fixtures/batches/desk.js';
import { FakeGraph } from '../../graph/fakeGraph.js';
import { ADMIN, tempDir } from '../../support/home.js';
import { addPeople, bearer, ledger, NO_WAITS, NOW, removalBatch, tokenStatus, uploadDesk } from './deskSupport.js';

let graph: FakeGraph | undefined;
afterEach(async () => {
  if (graph) expect(graph.violations).toEqual([]);
  await graph?.stop();
  graph = undefined;
});

const TENANT = 'contoso.onmicrosoft.com';

/**
 * Nine uploaded hand-outs, three staged tokens (two handed out since), then one mismatch of each
 * kind planted in the tenant or at the desk. Returns the serials by the kind planted on them.
 */
async function plantedDesk(g: FakeGraph) {
  const d = await uploadDesk({ count: 12, handedOut: 9, people: 9 });
  addPeople(g, d.holders);
  const common = { tenant: TENANT, tokens: bearer(g), graphUrl: g.url, actor: ADMIN, client: NO_WAITS };
  expect((await uploadToTenant(d.inventory, common)).status).toBe('uploaded');
  expect((await uploadToTenant(d.inventory, { ...common, mode: 'unassigned' })).counts.done).toBe(3);
  const s = d.tokens.map((t) => t.serial);
  const serial = {
    lostByTenant: s[0]!, otherHolder: s[1]!, notActivated: s[2]!, csvCopy: s[3]!, holderGone: s[4]!, removal: s[5]!,
    pendingEnrolment: s[9]!, enrolled: s[10]!, stray: 'STRAY-0001',
  };
  handOutAll(d.inventory, [
    { token: d.tokens[9]!, upn: 'self1@contoso.test', at: NOW + 86_400_000 },
    { token: d.tokens[10]!, upn: 'self2@contoso.test', at: NOW + 86_400_000 },
  ]);
  g.addUser('self1@contoso.test');
  const self2 = g.addUser('self2@contoso.test');
  const device = (sn: string) => g.devicesBySerial(sn)[0]!;
  const userOf = (sn: string) => [...g.users.values()].find((u) => u.upn === d.holders.get(sn))!;

  g.addDevice({ serialNumber: serial.stray, secretKey: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });
  g.devices.delete(device(serial.lostByTenant).id);
  Object.assign(device(serial.otherHolder), { holderId: g.addUser('someone@contoso.test').id });
  Object.assign(device(serial.notActivated), { status: 'assigned', lastAcceptedStep: null });
  g.addLegacyCopy(userOf(serial.csvCopy).id, serial.csvCopy);
  g.deleteUser(userOf(serial.holderGone).id);
  removalBatch(d.inventory, [{ serial: serial.removal, action: 'delete' }]);
  Object.assign(device(serial.enrolled), { holderId: self2.id, status: 'activated' });
  return { d, serial };
}

describe('tokendesk reconcile on the desk\'s ledger', () => {
  it('finds each planted mismatch kind through Graph; --fix runs the safe part, audited, and leaves the rest to a person', async () => {
    const g = (graph = await new FakeGraph({ pageSize: 4 }).start());
    const { d, serial } = await plantedDesk(g);
    const request = { tenant: TENANT, tokens: bearer(g), graphUrl: g.url, client: NO_WAITS, actor: ADMIN };

    const report = await reconcileTenant(d.inventory, request);
    const found = Object.fromEntries(report.mismatches.map((m) => [m.kind, m.serial]));
    expect(found).toEqual({
      'in-tenant-not-in-ledger': serial.stray,
      'in-ledger-not-in-tenant': serial.lostByTenant,
      'different-holder': serial.otherHolder,
      'not-activated': serial.notActivated,
      duplicate: serial.csvCopy,
      'holder-gone': serial.holderGone,
      'removal-pending': serial.removal,
      'enrolment-pending': serial.pendingEnrolment,
      'enrolled-not-recorded': serial.enrolled,
    });
    expect(report.mismatches).toHaveLength(9);
    const safe = report.plan.filter((f) => f.safe).map((f) => [f.action, f.serial]);
    expect(safe.sort()).toEqual(
      [
        ['upload', serial.lostByTenant],
        ['activate', serial.notActivated],
        ['remove-duplicate', serial.csvCopy],
        ['unassign-and-delete', serial.removal],
        ['record-enrolment', serial.enrolled],
      ].sort(),
    );
    expect(report.fixes).toBeUndefined();

    const fixed = await reconcileTenant(d.inventory, { ...request, fix: true });
    expect(fixed.fixes!.map((f) => [f.action, f.outcome]).sort()).toEqual(safe.map(([action]) => [action, 'done']).sort());
    const audited = listAudit(d.inventory).filter((e) => e.action === 'graph-reconcile-fix');
    expect(audited).toHaveLength(5);

    // The tenant and the desk now agree on all of it.
    const holderOf = (sn: string) => [...g.users.values()].find((u) => u.upn === d.holders.get(sn))!.id;
    expect(g.devicesBySerial(serial.lostByTenant)).toEqual([expect.objectContaining({ holderId: holderOf(serial.lostByTenant), status: 'activated' })]);
    expect(g.devicesBySerial(serial.notActivated)[0]!.status).toBe('activated');
    expect(g.legacyCopies).toHaveLength(0);
    expect(g.devicesBySerial(serial.removal)).toHaveLength(0);
    expect(d.inventory.sqlite.prepare('SELECT done_at FROM removals').get()).toMatchObject({ done_at: expect.any(String) });
    expect(ledger(d.inventory).find((r) => r.serial === serial.enrolled)).toMatchObject({ stage: 'activated' });
    expect(tokenStatus(d.inventory, serial.enrolled)).toBe('uploaded');

    const after = await reconcileTenant(d.inventory, request);
    expect(after.mismatches.map((m) => m.kind).sort()).toEqual(['different-holder', 'enrolment-pending', 'holder-gone', 'in-tenant-not-in-ledger']);
    expect(after.plan.every((f) => !f.safe)).toBe(true);
  });

  it('--from a saved device list: the differences a file can show, without asking Graph; --fix is refused there', async () => {
    const g = (graph = await new FakeGraph().start());
    const { d, serial } = await plantedDesk(g);
    const value = [...g.devices.values()].map((device) => ({
      id: device.id,
      serialNumber: device.serialNumber,
      displayName: device.displayName,
      status: device.status,
      assignedTo: device.holderId ? { id: device.holderId, displayName: 'someone' } : null,
    }));
    const file = join(tempDir(), 'devices.json');
    writeFileSync(file, JSON.stringify({ '@odata.context': 'x', value }));
    const requests = g.requests.length;

    const report = await reconcileTenant(d.inventory, { from: file });
    expect(g.requests.length).toBe(requests);
    expect(report.source).toBe('file');
    expect(report.tenant).toBe(TENANT);
    const kinds = new Map(report.mismatches.map((m) => [m.serial, m.kind]));
    expect(kinds.get(serial.stray)).toBe('in-tenant-not-in-ledger');
    expect(kinds.get(serial.lostByTenant)).toBe('in-ledger-not-in-tenant');
    expect(kinds.get(serial.otherHolder)).toBe('different-holder');
    expect(kinds.get(serial.notActivated)).toBe('not-activated');
    expect(kinds.get(serial.removal)).toBe('removal-pending');
    expect(kinds.get(serial.pendingEnrolment)).toBe('enrolment-pending');

    await expect(reconcileTenant(d.inventory, { from: file, fix: true, actor: ADMIN })).rejects.toThrow(/--fix .* needs --tenant/);
    writeFileSync(file, JSON.stringify({ value: [{ serialNumber: 'X' }] }));
    await expect(reconcileTenant(d.inventory, { from: file })).rejects.toMatchObject({ code: 'reconcile-file', message: expect.stringContaining('item 1') });
  });
});
