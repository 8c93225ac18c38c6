/**
 * A removal batch made by `export --removals --format graph-json` is what `tokendesk upload BATCH`
 * carries out through Graph (the fake tenant): returned tokens unassigned, lost ones deleted, each
 * removal done, the batch uploaded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { exportRemovalBatch } from '../../src/services/batch/removals.js';
import { uploadToTenant } from '../../src/services/upload/upload.js';
import { FakeGraph } from '../graph/fakeGraph.js';
import { ADMIN, STAFF } from '../support/home.js';
import { addPeople, batchStatus, bearer, NO_WAITS, uploadDesk } from './upload/deskSupport.js';

let graph: FakeGraph | undefined;
afterEach(async () => {
  if (graph) expect(graph.violations).toEqual([]);
  await graph?.stop();
  graph = undefined;
});

const TENANT = 'contoso.onmicrosoft.com';

describe('a removal batch through Graph', () => {
  it('export --removals graph-json, then upload: unassigned, deleted, done, uploaded', async () => {
    const g = (graph = await new FakeGraph().start());
    const d = await uploadDesk({ count: 3 });
    addPeople(g, d.holders);
    const request = { tenant: TENANT, tokens: bearer(g), graphUrl: g.url, actor: ADMIN, client: NO_WAITS };
    await uploadToTenant(d.inventory, request);
    const [returned, lost] = d.tokens.map((t) => t.serial);
    const { store } = d.inventory;
    store.write(() => {
      for (const [serial, reason, action] of [[returned!, 'returned', 'unassign'], [lost!, 'lost', 'delete']] as const) {
        const live = store.graphUploads.liveHandOutOf(serial)!;
        const tokenId = (d.inventory.sqlite.prepare('SELECT id FROM tokens WHERE serial = ?').get(serial) as { id: number }).id;
        store.removalBatches.request({ tokenId, assignmentId: live.assignmentId, upn: live.upn, reason, action, requestedAt: new Date().toISOString(), requestedBy: STAFF.name, deskId: 'hq' });
      }
    });
    const batch = exportRemovalBatch(d.inventory, { format: 'graph-json', actor: ADMIN }).manifest!.batch;
    const report = await uploadToTenant(d.inventory, { ...request, batch });
    expect(report.kind).toBe('removal');
    expect(report.tokens.map((t) => [t.serial, t.outcome])).toEqual([[returned, 'removed'], [lost, 'removed']]);
    expect(g.devicesBySerial(returned!)[0]).toMatchObject({ holderId: null });
    expect(g.devicesBySerial(lost!)).toHaveLength(0);
    expect(batchStatus(d.inventory, batch)).toBe('uploaded');
    expect(exportRemovalBatch(d.inventory, { actor: ADMIN }).manifest).toBeNull();
  });
});
