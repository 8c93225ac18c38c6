import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeBase32 } from '../../../src/core/secretCodec.js';
import { listAudit } from '../../../src/services/auditTrail.js';
import { reconcileTenant } from '../../../src/services/upload/reconcileTenant.js';
import { uploadToTenant, type UploadRequest } from '../../../src/services/upload/upload.js';
import { RUN_LOCK_FILE } from '../../../src/services/upload/runLock.js';
import { FakeGraph } from '../../graph/fakeGraph.js';
import { ADMIN, STAFF } from '../../support/home.js';
import { SecretWatch } from '../../support/secretLeaks.js';
import { addPeople, batchStatus, bearer, exportGraphBatch, ledger, NO_WAITS, removalBatch, tokenStatus, uploadDesk } from './deskSupport.js';

let graph: FakeGraph | undefined;
afterEach(async () => {
  if (graph) expect(graph.violations).toEqual([]);
  await graph?.stop();
  graph = undefined;
});

const TENANT = 'contoso.onmicrosoft.com';

async function start(): Promise<FakeGraph> {
  graph = await new FakeGraph().start();
  return graph;
}

function request(g: FakeGraph, extra: Partial<UploadRequest> = {}): UploadRequest {
  return { tenant: TENANT, tokens: bearer(g), graphUrl: g.url, actor: ADMIN, client: NO_WAITS, ...extra };
}

describe('tokendesk upload on the desk\'s records', () => {
  it('a graph-json batch: every token created for its employee and activated; tokens and batch become uploaded, audited with counts', async () => {
    const g = await start();
    const d = await uploadDesk({ count: 8 });
    addPeople(g, d.holders);
    const batch = exportGraphBatch(d.inventory);

    const report = await uploadToTenant(d.inventory, request(g, { batch }));
    expect(report).toMatchObject({ status: 'uploaded', batch, kind: 'hand-out', counts: { total: 8, done: 8, failed: 0, left: 0 } });
    expect(report.batches).toEqual([{ batch, status: 'uploaded', activated: 8, total: 8 }]);
    expect(batchStatus(d.inventory, batch)).toBe('uploaded');
    for (const t of d.tokens) {
      const [device] = g.devicesBySerial(t.serial);
      const holder = [...g.users.values()].find((u) => u.upn === d.holders.get(t.serial))!;
      expect(device).toMatchObject({ holderId: holder.id, status: 'activated' });
      expect(device!.displayName).toMatch(/^Token \d$/);
      expect(tokenStatus(d.inventory, t.serial)).toBe('uploaded');
    }
    expect(ledger(d.inventory).map((r) => [r.tenant, r.stage])).toEqual(d.tokens.map(() => [TENANT, 'activated']));

    const entries = listAudit(d.inventory).filter((e) => e.action.startsWith('graph-upload'));
    expect(entries.map((e) => [e.action, JSON.parse(e.subject)])).toEqual([
      ['graph-upload-start', { batch, kind: 'hand-out', mode: 'assign', tenant: TENANT, tokens: 8 }],
      ['graph-upload-finish', { batch, done: 8, failed: 0, kind: 'hand-out', left: 0, status: 'uploaded', tenant: TENANT }],
    ]);
    const watch = new SecretWatch(d.tokens.map((t) => t.secret));
    expect(entries.filter((e) => watch.leakIn(e.subject))).toEqual([]);

    // Again: nothing sent that changes the tenant, every token already done.
    const writes = g.requests.filter((r) => r.method !== 'GET').length;
    const again = await uploadToTenant(d.inventory, request(g, { batch }));
    expect(again.tokens.every((t) => t.outcome === 'already-done')).toBe(true);
    expect(g.requests.filter((r) => r.method !== 'GET').length).toBe(writes);
  });

  it('partly uploaded while a person is at Entra\'s limit of five; the re-run finishes the rest', async () => {
    const g = await start();
    const d = await uploadDesk({ count: 4, people: 2 });
    addPeople(g, d.holders);
    const full = [...g.users.values()].find((u) => u.upn === 'emp1@contoso.test')!;
    for (let i = 0; i < 5; i++) full.otherMethods.push({ id: `app-${i}`, type: '#microsoft.graph.softwareOathAuthenticationMethod' });
    const batch = exportGraphBatch(d.inventory);

    const first = await uploadToTenant(d.inventory, request(g, { batch }));
    expect(first.status).toBe('partly-uploaded');
    expect(first.counts).toEqual({ total: 4, done: 2, failed: 2, left: 0 });
    expect(first.tokens.filter((t) => t.outcome === 'failed').map((t) => t.code)).toEqual(['graph-method-limit', 'graph-method-limit']);
    expect(batchStatus(d.inventory, batch)).toBe('partly-uploaded');
    expect(first.batches).toEqual([{ batch, status: 'partly-uploaded', activated: 2, total: 4 }]);

    // Refused before anything was sent: the tenant never saw those two, and reconcile does not expect them there.
    expect((await reconcileTenant(d.inventory, { tenant: TENANT, tokens: bearer(g), graphUrl: g.url, client: NO_WAITS })).mismatches).toEqual([]);

    full.otherMethods.splice(1, 5);
    const second = await uploadToTenant(d.inventory, request(g, { batch }));
    expect(second.status).toBe('uploaded');
    expect(second.tokens.map((t) => t.outcome).sort()).toEqual(['activated', 'activated', 'already-done', 'already-done']);
    expect(batchStatus(d.inventory, batch)).toBe('uploaded');
    expect(g.devices.size).toBe(4);
  });

  it('without a batch: the hand-outs waiting for export go straight in, and export then has nothing left', async () => {
    const g = await start();
    const d = await uploadDesk({ count: 3 });
    addPeople(g, d.holders);
    const report = await uploadToTenant(d.inventory, request(g));
    expect(report).toMatchObject({ status: 'uploaded', batch: null, counts: { done: 3 } });
    expect(report.batches).toEqual([]);
    for (const t of d.tokens) expect(tokenStatus(d.inventory, t.serial)).toBe('uploaded');
    expect(d.inventory.store.batches.countWaiting()).toBe(0);
    await expect(uploadToTenant(d.inventory, request(g))).rejects.toMatchObject({ code: 'nothing-to-upload' });
  });

  it('a purged seed fails that token only, saying what the employee can do', async () => {
    const g = await start();
    const d = await uploadDesk({ count: 3 });
    addPeople(g, d.holders);
    d.inventory.sqlite.prepare('UPDATE tokens SET sealed_secret = NULL WHERE serial = ?').run(d.tokens[1]!.serial);
    const report = await uploadToTenant(d.inventory, request(g));
    expect(report.counts).toEqual({ total: 3, done: 2, failed: 1, left: 0 });
    expect(report.tokens[1]).toMatchObject({ outcome: 'failed', code: 'seed-purged' });
    expect(report.tokens[1]!.reason).toMatch(/My Security Info/);
    expect(g.devicesBySerial(d.tokens[1]!.serial)).toHaveLength(0);
  });

  it('refuses a void batch, a batch marked uploaded another way, a staff member, and a second run at once', async () => {
    const g = await start();
    const d = await uploadDesk({ count: 2 });
    addPeople(g, d.holders);
    const batch = exportGraphBatch(d.inventory);
    await expect(uploadToTenant(d.inventory, request(g, { batch, actor: STAFF }))).rejects.toMatchObject({ code: 'not-allowed' });

    writeFileSync(`${d.inventory.paths.dir}/${RUN_LOCK_FILE}`, String(process.ppid));
    await expect(uploadToTenant(d.inventory, request(g, { batch }))).rejects.toMatchObject({ code: 'graph-run-busy' });
    // A lock left by a process that is gone is taken over.
    writeFileSync(`${d.inventory.paths.dir}/${RUN_LOCK_FILE}`, '999999999');

    d.inventory.sqlite.prepare("UPDATE batches SET status = 'uploaded', uploaded_at = '2026-11-30T00:00:00Z' WHERE name = ?").run(batch);
    await expect(uploadToTenant(d.inventory, request(g, { batch }))).rejects.toMatchObject({ code: 'batch-uploaded' });
    d.inventory.sqlite.prepare("UPDATE batches SET status = 'void', void_reason = 'test' WHERE name = ?").run(batch);
    await expect(uploadToTenant(d.inventory, request(g, { batch }))).rejects.toMatchObject({ code: 'batch-void' });
    expect(g.requests).toHaveLength(0);
  });

  it('--unassigned stages the stock without holders; a later assign run on a staged token adopts it', async () => {
    const g = await start();
    const d = await uploadDesk({ count: 4, handedOut: 1 });
    addPeople(g, d.holders);
    const staged = await uploadToTenant(d.inventory, request(g, { mode: 'unassigned' }));
    expect(staged).toMatchObject({ status: 'uploaded', mode: 'unassigned', counts: { total: 4, done: 4 } });
    for (const t of d.tokens) expect(g.devicesBySerial(t.serial)[0]).toMatchObject({ holderId: null, status: 'available' });
    expect(g.requests.some((r) => r.url.includes('/users'))).toBe(false);
    expect(tokenStatus(d.inventory, d.tokens[3]!.serial)).toBe('in-stock');
    await expect(uploadToTenant(d.inventory, request(g, { mode: 'unassigned' }))).rejects.toMatchObject({ code: 'nothing-to-upload' });

    // The handed-out one can still be activated by the desk: the staged device is adopted, not created again.
    const assigned = await uploadToTenant(d.inventory, request(g));
    expect(assigned.tokens).toEqual([expect.objectContaining({ serial: d.tokens[0]!.serial, outcome: 'activated' })]);
    expect(g.devices.size).toBe(4);
  });

  it('a removal batch unassigns returned tokens, deletes lost ones, marks each removal done and the batch uploaded', async () => {
    const g = await start();
    const d = await uploadDesk({ count: 4 });
    addPeople(g, d.holders);
    await uploadToTenant(d.inventory, request(g));
    const [returned, lost, elsewhere] = d.tokens.map((t) => t.serial);
    // Someone else holds the third in the tenant now: it is reported, never taken from them.
    const device = g.devicesBySerial(elsewhere!)[0]!;
    device.holderId = g.addUser('other@contoso.test').id;
    const name = removalBatch(d.inventory, [
      { serial: returned!, action: 'unassign' },
      { serial: lost!, action: 'delete' },
      { serial: elsewhere!, action: 'unassign' },
    ]);

    const report = await uploadToTenant(d.inventory, request(g, { batch: name }));
    expect(report.kind).toBe('removal');
    expect(report.tokens.map((t) => [t.serial, t.outcome])).toEqual([[returned, 'removed'], [lost, 'removed'], [elsewhere, 'failed']]);
    expect(report.tokens[2]).toMatchObject({ code: 'graph-held-by-someone-else' });
    expect(g.devicesBySerial(returned!)[0]).toMatchObject({ holderId: null, status: 'available' });
    expect(g.devicesBySerial(lost!)).toHaveLength(0);
    expect(device.holderId).not.toBeNull();
    expect(batchStatus(d.inventory, name)).toBe('partly-uploaded');
    const done = d.inventory.sqlite.prepare('SELECT t.serial, r.done_at FROM removals r JOIN tokens t ON t.id = r.token_id ORDER BY r.id').all() as Array<{ serial: string; done_at: string | null }>;
    expect(done.map((r) => r.done_at !== null)).toEqual([true, true, false]);

    // The desk was right after all: the tenant is corrected by hand, and the re-run finishes.
    device.holderId = [...g.users.values()].find((u) => u.upn === d.holders.get(elsewhere!))!.id;
    const again = await uploadToTenant(d.inventory, request(g, { batch: name }));
    expect(again.tokens.map((t) => t.outcome)).toEqual(['already-done', 'already-done', 'removed']);
    expect(batchStatus(d.inventory, name)).toBe('uploaded');
  });

  it('a token handed out again after its removal is uploaded again for the new holder, adopting the device', async () => {
    const g = await start();
    const d = await uploadDesk({ count: 1 });
    addPeople(g, d.holders);
    await uploadToTenant(d.inventory, request(g));
    const serial = d.tokens[0]!.serial;
    await uploadToTenant(d.inventory, request(g, { batch: removalBatch(d.inventory, [{ serial, action: 'unassign' }]) }));
    // Back in stock, handed out to someone else (the lifecycle engineer's return does this).
    d.inventory.sqlite.prepare("UPDATE tokens SET status = 'in-stock' WHERE serial = ?").run(serial);
    // schema.ts's one-live-hand-out index still counts ended hand-outs; the old one is set aside here.
    d.inventory.sqlite.prepare("UPDATE assignments SET undone_at = ended_at WHERE ended_at IS NOT NULL").run();
    const { handOutAll, NOW } = await import('../../fixtures/batches/desk.js');
    handOutAll(d.inventory, [{ token: d.tokens[0]!, upn: 'new@contoso.test', at: NOW + 2 * 86_400_000 }]);
    const fresh = g.addUser('new@contoso.test');

    const report = await uploadToTenant(d.inventory, request(g));
    expect(report.tokens).toEqual([expect.objectContaining({ serial, upn: 'new@contoso.test', outcome: 'activated' })]);
    expect(g.devicesBySerial(serial)).toEqual([expect.objectContaining({ holderId: fresh.id, status: 'activated' })]);
  });

  it('the seed travels only in the create body; the activation code is computed at the desk\'s measured offset', async () => {
    const g = await start();
    const d = await uploadDesk({ count: 2, offsetSteps: (i) => (i === 1 ? 1 : 0) });
    addPeople(g, d.holders);
    await uploadToTenant(d.inventory, request(g));
    const watch = new SecretWatch(d.tokens.map((t) => t.secret));
    const creates = g.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/hardwareOathDevices'));
    expect(creates).toHaveLength(2);
    expect(creates.every((r) => d.tokens.some((t) => r.body.includes(encodeBase32(t.secret))))).toBe(true);
    expect(g.requests.filter((r) => !creates.includes(r) && watch.leakIn(`${r.url} ${r.body} ${JSON.stringify(r.headers)}`))).toEqual([]);
    expect(g.devicesBySerial(d.tokens[1]!.serial)[0]!.status).toBe('activated');
  });
});
