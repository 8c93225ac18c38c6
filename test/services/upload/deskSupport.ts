/**
 * A desk home with tokens imported and handed out through the real services, and the test Graph
 * server that knows its employees: what `upload` and `reconcile` run on in these tests. Rows the
 * lifecycle and batch engineers' services will write (ended hand-outs, removals, removal batches)
 * are put in directly.
 */
import { exportBatch } from '../../../src/services/batch/export.js';
import type { TokenSource } from '../../../src/services/upload/signIn.js';
import type { Inventory } from '../../../src/store/db.js';
import { desk, NOW, type HandOutSpec } from '../../fixtures/batches/desk.js';
import { ADMIN } from '../../support/home.js';
import { makeTokens, type TestToken } from '../../support/seedFiles.js';
import type { FakeGraph } from '../../graph/fakeGraph.js';

export { NOW } from '../../fixtures/batches/desk.js';

export interface UploadDesk {
  inventory: Inventory;
  tokens: TestToken[];
  /** serial -> upn, for the handed-out tokens. */
  holders: Map<string, string>;
}

/** `handedOut` of `count` tokens go to emp0..emp(people-1) in turn; the rest stay in stock. */
export async function uploadDesk(options: { count: number; handedOut?: number; people?: number; prefix?: string; offsetSteps?: (i: number) => number }): Promise<UploadDesk> {
  const tokens = makeTokens(options.count, { prefix: options.prefix ?? '0070' });
  const handedOut = options.handedOut ?? options.count;
  const people = options.people ?? Math.max(1, Math.ceil(handedOut / 2));
  const specs: HandOutSpec[] = tokens.slice(0, handedOut).map((token, i) => ({
    token,
    upn: `emp${i % people}@contoso.test`,
    name: `Token ${i}`,
    offsetSteps: options.offsetSteps?.(i) ?? 0,
    at: NOW + i * 1000,
  }));
  const inventory = await desk('hq', tokens, specs);
  return { inventory, tokens, holders: new Map(specs.map((s) => [s.token.serial, s.upn])) };
}

/** Every employee of the desk as an account in the test tenant. */
export function addPeople(graph: FakeGraph, holders: Map<string, string>): void {
  for (const upn of new Set(holders.values())) if (![...graph.users.values()].some((u) => u.upn === upn)) graph.addUser(upn);
}

/** A graph-json batch of everything waiting; returns its name. */
export function exportGraphBatch(inventory: Inventory): string {
  const result = exportBatch(inventory, { format: 'graph-json', actor: ADMIN, now: NOW + 3_600_000 });
  return result.manifest!.batch;
}

export function bearer(graph: FakeGraph): TokenSource {
  const token = graph.issueToken();
  return { token: async () => token, advice: 'sign in again' };
}

/** The client without real waits (Retry-After and back-off are asserted elsewhere). */
export const NO_WAITS = { sleep: async () => {}, random: () => 0.5 };

/**
 * A hand-out ends after upload and the desk records its removal, in a removal batch: what the
 * lifecycle and batch engineers' services will write. Returns the batch's name.
 */
export function removalBatch(inventory: Inventory, removals: Array<{ serial: string; action: 'unassign' | 'delete' }>, name = 'hq-20261201-9'): string {
  const { sqlite } = inventory;
  const at = new Date(NOW + 86_400_000).toISOString();
  const batchId = Number(
    sqlite
      .prepare(`INSERT INTO batches (name, desk_id, format, file_name, row_count, sha256, status, kind, created_at, created_by)
                VALUES (?, 'hq', 'graph-json', ?, ?, 'x', 'exported', 'removal', ?, 'test-admin')`)
      .run(name, `tokendesk-${name}.json`, removals.length, at).lastInsertRowid,
  );
  for (const r of removals) {
    const live = sqlite
      .prepare(`SELECT a.id, a.token_id AS tokenId, a.upn FROM assignments a JOIN tokens t ON t.id = a.token_id WHERE t.serial = ? AND a.undone_at IS NULL`)
      .get(r.serial) as { id: number; tokenId: number; upn: string };
    const reason = r.action === 'delete' ? 'lost' : 'returned';
    sqlite.prepare('UPDATE assignments SET ended_at = ?, ended_by = ?, end_reason = ? WHERE id = ?').run(at, 'test-staff', reason, live.id);
    sqlite.prepare(`UPDATE tokens SET status = ? WHERE id = ?`).run(reason, live.tokenId);
    sqlite
      .prepare(`INSERT INTO removals (token_id, assignment_id, upn, reason, action, requested_at, requested_by, desk_id, batch_id) VALUES (?, ?, ?, ?, ?, ?, 'test-staff', 'hq', ?)`)
      .run(live.tokenId, live.id, live.upn, reason, r.action, at, batchId);
  }
  return name;
}

export function tokenStatus(inventory: Inventory, serial: string): string {
  return (inventory.sqlite.prepare('SELECT status FROM tokens WHERE serial = ?').get(serial) as { status: string }).status;
}

export function batchStatus(inventory: Inventory, name: string): string {
  return (inventory.sqlite.prepare('SELECT status FROM batches WHERE name = ?').get(name) as { status: string }).status;
}

export function ledger(inventory: Inventory): Array<{ serial: string; stage: string; user_id: string | null; device_id: string | null; tenant: string }> {
  return inventory.sqlite.prepare('SELECT * FROM graph_uploads ORDER BY serial').all() as Array<{ serial: string; stage: string; user_id: string | null; device_id: string | null; tenant: string }>;
}
