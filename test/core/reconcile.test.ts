import { describe, expect, it } from 'vitest';
import { reconcile, type DeskEntry, type TenantToken, type TenantView } from '../../src/core/reconcile.js';

const ana = { id: 'u-ana', upn: 'ana@contoso.test' };
const bob = { id: 'u-bob', upn: 'bob@contoso.test' };

function token(serial: string, extra: Partial<TenantToken> = {}): TenantToken {
  return { id: `d-${serial}`, serialNumber: serial, status: 'activated', holderId: ana.id, holderName: 'Ana', source: 'inventory', ...extra };
}
function entry(serial: string, extra: Partial<DeskEntry> = {}): DeskEntry {
  return { serial, state: 'uploaded', upn: ana.upn, deviceId: `d-${serial}`, seedHeld: true, ...extra };
}
function view(tokens: TenantToken[], accounts = [ana, bob]): TenantView {
  return { tokens, accounts };
}

describe('reconcile', () => {
  it('finds nothing when the tenant matches the desk', () => {
    const result = reconcile(view([token('1'), token('2', { holderId: bob.id, holderName: 'Bob' })]), [entry('1'), entry('2', { upn: bob.upn })]);
    expect(result.mismatches).toEqual([]);
    expect(result.plan).toEqual([]);
  });

  it('in the tenant, not in the ledger: reported, not touched', () => {
    const { mismatches, plan } = reconcile(view([token('X1')]), []);
    expect(mismatches).toMatchObject([{ kind: 'in-tenant-not-in-ledger', serial: 'X1', tenantId: 'd-X1' }]);
    expect(plan).toMatchObject([{ action: 'review', safe: false }]);
  });

  it('in the ledger, not in the tenant: upload again while the seed is held, else a person decides', () => {
    const { mismatches, plan } = reconcile(view([]), [entry('M1'), entry('M2', { seedHeld: false }), entry('M3', { state: 'staged', upn: null })]);
    expect(mismatches.map((m) => [m.kind, m.serial])).toEqual([['in-ledger-not-in-tenant', 'M1'], ['in-ledger-not-in-tenant', 'M2'], ['in-ledger-not-in-tenant', 'M3']]);
    expect(plan.map((f) => [f.action, f.safe])).toEqual([['upload', true], ['review', false], ['upload-unassigned', true]]);
  });

  it('a different holder: never moved automatically', () => {
    const { mismatches, plan } = reconcile(view([token('H1', { holderId: bob.id, holderName: 'Bob' })]), [entry('H1')]);
    expect(mismatches).toMatchObject([{ kind: 'different-holder', deskUpn: ana.upn, tenantHolder: { id: bob.id } }]);
    expect(mismatches[0]!.detail).toContain('Bob (u-bob)');
    expect(plan[0]).toMatchObject({ action: 'review', safe: false });
  });

  it('not activated: activate when the desk holds the seed; failed activations too', () => {
    const { mismatches, plan } = reconcile(
      view([token('A1', { status: 'assigned' }), token('A2', { status: 'failedActivation' }), token('A3', { status: 'assigned' })]),
      [entry('A1'), entry('A2'), entry('A3', { seedHeld: false })],
    );
    expect(mismatches.map((m) => m.kind)).toEqual(['not-activated', 'not-activated', 'not-activated']);
    expect(mismatches[1]!.detail).toContain('activation failed');
    expect(plan.map((f) => [f.action, f.safe])).toEqual([['activate', true], ['activate', true], ['review', false]]);
    expect(plan[2]!.why).toContain('My Security Info');
  });

  it('duplicates, such as a CSV-uploaded copy on the user: removed safely only when the Graph copy works for the same person', () => {
    const tenant = view([
      token('D1'),
      token('D1', { id: 'legacy-1', source: 'user-method' }),
      token('D2', { status: 'assigned' }),
      token('D2', { id: 'legacy-2', source: 'user-method' }),
    ]);
    const { mismatches, plan } = reconcile(tenant, [entry('D1'), entry('D2')]);
    const duplicates = mismatches.filter((m) => m.kind === 'duplicate');
    expect(duplicates.map((m) => m.tenantId)).toEqual(['legacy-1', 'legacy-2']);
    expect(duplicates[0]!.detail).toContain('CSV upload');
    expect(plan.filter((f) => f.action === 'remove-duplicate').map((f) => [f.tenantId, f.safe])).toEqual([['legacy-1', true], ['legacy-2', false]]);
  });

  it('held by an account that no longer exists, on either side', () => {
    const { mismatches, plan } = reconcile(view([token('G1', { holderId: 'u-gone', holderName: null }), token('G2')], [ana]), [entry('G2', { upn: 'left@contoso.test' })]);
    expect(mismatches.map((m) => [m.kind, m.serial])).toEqual([['holder-gone', 'G1'], ['holder-gone', 'G2']]);
    expect(mismatches[0]!.detail).toContain('u-gone');
    expect(plan.every((f) => !f.safe)).toBe(true);
  });

  it('removals the desk recorded but the tenant has not followed are safe to run', () => {
    const { mismatches, plan } = reconcile(
      view([token('R1'), token('R2'), token('R3', { holderId: null, status: 'available' })]),
      [entry('R1', { state: 'removed', removal: 'unassign' }), entry('R2', { state: 'removed', removal: 'delete' }), entry('R3', { state: 'removed', removal: 'unassign' })],
    );
    expect(mismatches.map((m) => [m.kind, m.serial])).toEqual([['removal-pending', 'R1'], ['removal-pending', 'R2']]);
    expect(plan.map((f) => [f.action, f.safe, f.holderId])).toEqual([['unassign', true, ana.id], ['unassign-and-delete', true, ana.id]]);
  });

  it('self-service staging: who has and has not finished enrolling', () => {
    const { mismatches, plan } = reconcile(
      view([token('S1', { holderId: null, status: 'available' }), token('S2'), token('S3', { status: 'assigned' }), token('S4', { holderId: null, status: 'available' })]),
      [entry('S1', { state: 'staged' }), entry('S2', { state: 'staged' }), entry('S3', { state: 'staged' }), entry('S4', { state: 'staged', upn: null })],
    );
    expect(mismatches.map((m) => [m.kind, m.serial])).toEqual([['enrolment-pending', 'S1'], ['enrolled-not-recorded', 'S2'], ['enrolment-pending', 'S3']]);
    expect(plan.map((f) => [f.action, f.safe])).toEqual([['review', false], ['record-enrolment', true], ['review', false]]);
    expect(plan[0]!.why).toContain('Hardware token');
  });

  it('counts each kind', () => {
    const { counts } = reconcile(view([token('C1', { status: 'assigned' }), token('C9')]), [entry('C1'), entry('C2')]);
    expect(counts).toEqual({ 'in-tenant-not-in-ledger': 1, 'not-activated': 1, 'in-ledger-not-in-tenant': 1 });
  });
});
