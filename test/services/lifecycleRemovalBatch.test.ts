/**
 * The lifecycle's removals and the removal batches meet: a token that reached the identity provider
 * and came back (returned, lost, replaced) is written into the next removal batch by the desk's own
 * services, with the action the lifecycle chose.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportBatch } from '../../src/services/batch/export.js';
import { markUploaded } from '../../src/services/batch/lifecycle.js';
import { exportRemovalBatch, listWaitingRemovals } from '../../src/services/batch/removals.js';
import { reportLost, returnToken } from '../../src/services/lifecycle/endings.js';
import { ADMIN, STAFF } from '../support/home.js';
import { makeTokens } from '../support/seedFiles.js';
import { NOW, desk } from '../fixtures/batches/desk.js';

describe('returned and lost tokens leave in a removal batch', () => {
  it('uploaded tokens that came back are unassigned (returned) or deleted (lost), by the desk services themselves', async () => {
    const tokens = makeTokens(4);
    const upns = ['ann@example.com', 'bob@example.com', 'cyd@example.com', 'dan@example.com'];
    const inventory = await desk('hq', tokens, tokens.slice(0, 3).map((token, i) => ({ token, upn: upns[i]!, at: NOW + i })));
    exportBatch(inventory, { format: 'graph-json', actor: ADMIN, now: NOW });
    markUploaded(inventory, { batch: 1, actor: ADMIN, now: NOW });

    const returned = returnToken(inventory, { serial: tokens[0]!.serial, actor: STAFF, now: NOW + 60_000 });
    const lost = reportLost(inventory, { serial: tokens[1]!.serial, actor: STAFF, now: NOW + 60_000 });
    expect(returned.removal?.action).toBe('unassign');
    expect(lost.removal?.action).toBe('delete');
    expect(listWaitingRemovals(inventory).map((r) => r.serial)).toEqual([tokens[0]!.serial, tokens[1]!.serial]);

    const batch = exportRemovalBatch(inventory, { format: 'graph-json', actor: ADMIN, now: NOW + 120_000 });
    expect(batch.manifest).toMatchObject({ kind: 'removal', count: 2 });
    const body = JSON.parse(readFileSync(batch.filePath!, 'utf8')) as { removals: Array<{ serialNumber: string; userPrincipalName: string; action: string; reason: string }> };
    expect(body.removals.map((r) => [r.serialNumber, r.userPrincipalName, r.action, r.reason])).toEqual([
      [tokens[0]!.serial, 'ann@example.com', 'unassign', 'returned'],
      [tokens[1]!.serial, 'bob@example.com', 'delete', 'lost'],
    ]);
    expect(listWaitingRemovals(inventory)).toEqual([]);
    inventory.close();
  });
});
