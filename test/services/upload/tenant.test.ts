import { afterEach, describe, expect, it } from 'vitest';
import { reconcile, type DeskEntry } from '../../../src/core/reconcile.js';
import { encodeBase32 } from '../../../src/core/secretCodec.js';
import { readTenantView, removalFor, removeFromTenant } from '../../../src/services/upload/tenant.js';
import { newSeed, startHarness, type Harness } from '../../graph/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  if (h) expect(h.graph.violations).toEqual([]);
  await h?.graph.stop();
  h = undefined;
});

describe('reconcile against the test tenant', () => {
  it('reads the tenant (paged, holders, CSV copies, deleted accounts) and finds each planted mismatch', async () => {
    h = await startHarness({ graph: { pageSize: 3 } });
    const g = h.graph;
    const ana = g.addUser('ana@contoso.test', 'Ana');
    const bob = g.addUser('bob@contoso.test', 'Bob');
    const gone = g.addUser('gone@contoso.test', 'Gone');
    const seed = () => newSeed().base32;
    const ok = g.addDevice({ serialNumber: 'OK1', secretKey: seed(), holderId: ana.id, status: 'activated' });
    g.addDevice({ serialNumber: 'STRAY', secretKey: seed() });
    g.addDevice({ serialNumber: 'BOBS', secretKey: seed(), holderId: bob.id, status: 'activated' });
    g.addDevice({ serialNumber: 'HALF', secretKey: seed(), holderId: ana.id, status: 'assigned' });
    const dup = g.addDevice({ serialNumber: 'DUP', secretKey: seed(), holderId: ana.id, status: 'activated' });
    const legacy = g.addLegacyCopy(ana.id, 'DUP');
    g.addDevice({ serialNumber: 'ORPHAN', secretKey: seed(), holderId: gone.id, status: 'activated' });
    g.deleteUser(gone.id);
    const lost = g.addDevice({ serialNumber: 'LOST', secretKey: seed(), holderId: ana.id, status: 'activated' });

    const desk: DeskEntry[] = [
      { serial: 'OK1', state: 'uploaded', upn: 'ana@contoso.test', deviceId: ok.id, seedHeld: false },
      { serial: 'BOBS', state: 'uploaded', upn: 'ana@contoso.test', seedHeld: false },
      { serial: 'HALF', state: 'uploaded', upn: 'ana@contoso.test', seedHeld: true },
      { serial: 'DUP', state: 'uploaded', upn: 'ana@contoso.test', deviceId: dup.id, seedHeld: false },
      { serial: 'NOWHERE', state: 'uploaded', upn: 'bob@contoso.test', seedHeld: true },
      { serial: 'LOST', state: 'removed', upn: 'ana@contoso.test', deviceId: lost.id, seedHeld: false, removal: 'delete' },
    ];
    const tenant = await readTenantView(h.api, desk.flatMap((e) => (e.upn ? [e.upn] : [])));
    expect(tenant.tokens.filter((t) => t.source === 'inventory')).toHaveLength(7);
    expect(tenant.tokens.find((t) => t.source === 'user-method')).toMatchObject({ id: legacy.id, serialNumber: 'DUP', holderId: ana.id });
    expect(tenant.accounts.map((a) => a.upn).sort()).toEqual(['ana@contoso.test', 'bob@contoso.test']);

    const result = reconcile(tenant, desk);
    expect(result.counts).toEqual({
      'in-tenant-not-in-ledger': 1,
      'different-holder': 1,
      'not-activated': 1,
      duplicate: 1,
      'in-ledger-not-in-tenant': 1,
      'holder-gone': 1,
      'removal-pending': 1,
    });

    // Run the safe removals: the CSV copy and the lost token go; nothing else is touched.
    for (const fix of result.plan.filter((f) => f.safe)) {
      const removal = removalFor(fix);
      if (removal) await removeFromTenant(h.api, removal);
    }
    expect(g.legacyCopies).toHaveLength(0);
    expect(g.devicesBySerial('LOST')).toHaveLength(0);
    expect(g.devicesBySerial('BOBS')[0]!.holderId).toBe(bob.id);

    const after = reconcile(await readTenantView(h.api, ['ana@contoso.test', 'bob@contoso.test']), desk);
    expect(after.counts['duplicate']).toBeUndefined();
    expect(after.counts['removal-pending']).toBeUndefined();
  });

  it('a removal interrupted and run again finishes without error', async () => {
    h = await startHarness();
    const ana = h.graph.addUser('ana@contoso.test');
    const device = h.graph.addDevice({ serialNumber: 'RET', secretKey: encodeBase32(new Uint8Array(20).fill(7)), holderId: ana.id, status: 'activated' });
    h.graph.faults.script({ kind: 'cut-after', method: 'DELETE' });
    const removal = { serial: 'RET', tenantId: device.id, holderId: ana.id, deleteDevice: true };
    expect(await removeFromTenant(h.api, removal)).toEqual({ serial: 'RET', unassigned: false, deleted: true });
    expect(await removeFromTenant(h.api, removal)).toEqual({ serial: 'RET', unassigned: false, deleted: false });
    expect(h.graph.devicesBySerial('RET')).toHaveLength(0);
  });
});
