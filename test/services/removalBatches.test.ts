/**
 * Issue 13 item 4: removal batches. The removals the desk recorded (tokens that reached the identity
 * provider and came back) leave as a batch of kind 'removal' in the target's shape, with a manifest
 * and an audit entry; void gives them back, mark uploaded records them done. Partly uploaded
 * batches: mark uploaded finishes them, void is refused.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { parseManifest } from '../../src/formats/manifest.js';
import { exportBatch } from '../../src/services/batch/export.js';
import { markUploaded, showBatch, voidBatch } from '../../src/services/batch/lifecycle.js';
import { exportRemovalBatch, listWaitingRemovals } from '../../src/services/batch/removals.js';
import type { Inventory } from '../../src/store/db.js';
import { findToken } from '../../src/services/tokens.js';
import { ADMIN, STAFF } from '../support/home.js';
import { makeTokens, type TestToken } from '../support/seedFiles.js';
import { NOW, desk } from '../fixtures/batches/desk.js';

function refusalOf(run: () => unknown): Refusal {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(Refusal);
    return error as Refusal;
  }
  throw new Error('expected a refusal');
}

/** Three tokens handed out, exported and uploaded; then two came back: one returned (unassign), one lost (delete). */
async function twoRemovals(removalUpns?: string[]): Promise<{ inventory: Inventory; tokens: TestToken[] }> {
  const upns = ['ann@example.com', 'bob@example.com', 'cyd@example.com'];
  const tokens = makeTokens(3);
  const inventory = await desk('hq', tokens, tokens.map((token, i) => ({ token, upn: upns[i]!, at: NOW + i })));
  exportBatch(inventory, { format: 'graph-json', actor: ADMIN, now: NOW });
  markUploaded(inventory, { batch: 1, actor: ADMIN, now: NOW });
  const { store } = inventory;
  store.write(() => {
    for (const [i, reason, action] of [[0, 'returned', 'unassign'], [1, 'lost', 'delete']] as const) {
      store.removalBatches.request({ tokenId: i + 1, assignmentId: i + 1, upn: (removalUpns ?? upns)[i]!, reason, action, requestedAt: new Date(NOW).toISOString(), requestedBy: STAFF.name, deskId: 'hq' });
    }
  });
  return { inventory, tokens };
}

const removalRows = (inventory: Inventory) =>
  inventory.sqlite.prepare('SELECT id, batch_id AS batchId, done_at AS doneAt FROM removals ORDER BY id').all() as Array<{ id: number; batchId: number | null; doneAt: string | null }>;

describe('export --removals', () => {
  it('graph-json: a JSON list the Graph upload carries out, a manifest of kind removal, an export audit entry', async () => {
    const { inventory, tokens } = await twoRemovals();
    expect(listWaitingRemovals(inventory).map((r) => r.serial)).toEqual([tokens[0]!.serial, tokens[1]!.serial]);
    const result = exportRemovalBatch(inventory, { format: 'graph-json', actor: ADMIN, now: NOW + 60_000 });
    expect(result.manifest).toMatchObject({ batch: 'hq-20261129-2', kind: 'removal', format: 'graph-json', count: 2, file: 'tokendesk-hq-20261129-2.json' });
    expect(JSON.parse(readFileSync(result.filePath!, 'utf8'))).toEqual({
      removals: [
        { serialNumber: tokens[0]!.serial, manufacturer: 'Token2', model: 'C202', userPrincipalName: 'ann@example.com', action: 'unassign', reason: 'returned' },
        { serialNumber: tokens[1]!.serial, manufacturer: 'Token2', model: 'C202', userPrincipalName: 'bob@example.com', action: 'delete', reason: 'lost' },
      ],
    });
    expect(parseManifest(readFileSync(result.manifestPath!, 'utf8'))).toMatchObject({ kind: 'removal', count: 2 });
    expect(showBatch(inventory, 2)).toMatchObject({ batch: { kind: 'removal', status: 'exported', rowCount: 2 }, rows: [], removals: [{ serial: tokens[0]!.serial }, { serial: tokens[1]!.serial }] });
    expect(removalRows(inventory).map((r) => r.batchId)).toEqual([2, 2]);
    // The Graph upload reads exactly these rows for the batch.
    expect(inventory.store.graphUploads.removalsOfBatch(2).map((r) => r.serial)).toEqual([tokens[0]!.serial, tokens[1]!.serial]);
    const audit = inventory.sqlite.prepare("SELECT subject FROM audit_log WHERE action = 'export' ORDER BY seq DESC LIMIT 1").get() as { subject: string };
    expect(JSON.parse(audit.subject)).toMatchObject({ batch: 'hq-20261129-2', kind: 'removal', count: 2, unassign: 1, delete: 1 });
    expect(inventory.store.audit.batchesWithoutExportEntry()).toEqual([]);
    // Nothing left waiting: the next export writes nothing. No seed is in the file.
    expect(exportRemovalBatch(inventory, { format: 'graph-json', actor: ADMIN }).manifest).toBeNull();
    for (const t of tokens) expect(readFileSync(result.filePath!, 'utf8')).not.toContain(t.base32);
  });

  it('privacyIDEA and LinOTP: a CSV of serials with the calls to make; Entra CSV: a checklist; multiOTP refused', async () => {
    const { inventory, tokens } = await twoRemovals();
    expect(refusalOf(() => exportRemovalBatch(inventory, { format: 'multiotp-csv', actor: ADMIN })).code).toBe('format-cannot-remove');
    expect(refusalOf(() => exportRemovalBatch(inventory, { format: 'oath-csv', actor: STAFF })).code).toBe('not-allowed');
    const pi = exportRemovalBatch(inventory, { format: 'oath-csv', actor: ADMIN, now: NOW });
    const lines = readFileSync(pi.filePath!, 'utf8').split('\n');
    expect(lines.filter((l) => l.startsWith('#')).join('\n')).toMatch(/POST \/token\/unassign[\s\S]*DELETE \/token\/SERIAL/);
    expect(lines.filter((l) => l !== '' && !l.startsWith('#'))).toEqual(['serial,user,action,reason', `${tokens[0]!.serial},ann@example.com,unassign,returned`, `${tokens[1]!.serial},bob@example.com,delete,lost`]);

    voidBatch(inventory, { batch: pi.manifest!.batch, reason: 'we use LinOTP', actor: ADMIN, now: NOW });
    const lin = exportRemovalBatch(inventory, { format: 'linotp-csv', actor: ADMIN, now: NOW });
    expect(readFileSync(lin.filePath!, 'utf8')).toMatch(/POST \/admin\/unassign[\s\S]*POST \/admin\/remove/);

    voidBatch(inventory, { batch: lin.manifest!.batch, reason: 'Entra after all', actor: ADMIN, now: NOW });
    const entra = exportRemovalBatch(inventory, { actor: ADMIN, now: NOW });
    expect(entra.filePath).toMatch(/\.txt$/);
    const checklist = readFileSync(entra.filePath!, 'utf8');
    expect(checklist).toContain(`[ ] unassign serial ${tokens[0]!.serial}  (Token2 C202)  from ann@example.com  (returned)`);
    expect(checklist).toContain(`[ ] delete   serial ${tokens[1]!.serial}  (Token2 C202)  from bob@example.com  (lost)`);
    expect(checklist).toContain(`tokendesk batch mark-uploaded ${entra.manifest!.batch}`);
  });

  it('refuses a cell that would start a spreadsheet formula in a CSV, naming the serial; JSON carries it', async () => {
    // A UPN the desk would refuse today, from a record written before that rule.
    const { inventory, tokens } = await twoRemovals(['=cmd@example.com', 'bob@example.com']);
    const refused = refusalOf(() => exportRemovalBatch(inventory, { format: 'oath-csv', actor: ADMIN }));
    expect(refused.code).toBe('format-cannot-carry');
    expect(refused.message).toContain(tokens[0]!.serial);
    expect(removalRows(inventory).map((r) => r.batchId)).toEqual([null, null]);
    expect(exportRemovalBatch(inventory, { format: 'graph-json', actor: ADMIN }).manifest?.count).toBe(2);
  });
});

describe('the removal batch lifecycle', () => {
  it('void gives the removals back and removes the files; a new batch takes them; mark uploaded records them done', async () => {
    const { inventory } = await twoRemovals();
    const first = exportRemovalBatch(inventory, { format: 'graph-json', actor: ADMIN, now: NOW });
    const voided = voidBatch(inventory, { batch: first.manifest!.batch, reason: 'wrong tenant', actor: ADMIN, now: NOW });
    expect(voided).toMatchObject({ returnedToWaiting: 2, removedFiles: [first.filePath, first.manifestPath], leftFiles: [] });
    expect(existsSync(first.filePath!)).toBe(false);
    expect(removalRows(inventory).map((r) => r.batchId)).toEqual([null, null]);

    const second = exportRemovalBatch(inventory, { format: 'graph-json', actor: ADMIN, now: NOW });
    expect(refusalOf(() => markUploaded(inventory, { batch: second.manifest!.batch, purgeSeeds: true, actor: ADMIN })).code).toBe('no-seeds');
    const marked = markUploaded(inventory, { batch: second.manifest!.batch, actor: ADMIN, now: NOW + 1000 });
    expect(marked).toMatchObject({ newlyMarked: true, removalsDone: 2, files: null });
    expect(removalRows(inventory).map((r) => r.doneAt)).toEqual([new Date(NOW + 1000).toISOString(), new Date(NOW + 1000).toISOString()]);
    expect(refusalOf(() => voidBatch(inventory, { batch: second.manifest!.batch, reason: 'late', actor: ADMIN })).code).toBe('batch-uploaded');
    expect(exportRemovalBatch(inventory, { actor: ADMIN }).manifest).toBeNull();
  });

  it('a removal already done (Graph, reconcile) is not taken, and is not undone by a void', async () => {
    const { inventory, tokens } = await twoRemovals();
    const batch = exportRemovalBatch(inventory, { format: 'graph-json', actor: ADMIN, now: NOW });
    inventory.store.write(() => inventory.store.graphUploads.markRemovalDone(1, new Date(NOW).toISOString()));
    inventory.store.write(() => inventory.store.graphUploads.setBatchStatus(2, 'partly-uploaded', new Date(NOW).toISOString()));
    expect(refusalOf(() => voidBatch(inventory, { batch: batch.manifest!.batch, reason: 'x', actor: ADMIN })).code).toBe('batch-partly-uploaded');
    const marked = markUploaded(inventory, { batch: batch.manifest!.batch, actor: ADMIN, now: NOW });
    expect(marked).toMatchObject({ newlyMarked: true, removalsDone: 1 });
    expect(showBatch(inventory, 2).batch.status).toBe('uploaded');
    expect(listWaitingRemovals(inventory).map((r) => r.serial)).not.toContain(tokens[0]!.serial);
  });
});

describe('partly uploaded hand-out batches', () => {
  it('mark uploaded finishes one (its tokens uploaded); void is refused with what to do', async () => {
    const tokens = makeTokens(2);
    const inventory = await desk('hq', tokens, tokens.map((token, i) => ({ token, upn: `u${i}@example.com`, at: NOW + i })));
    exportBatch(inventory, { format: 'graph-json', actor: ADMIN, now: NOW });
    inventory.store.write(() => {
      inventory.store.graphUploads.markTokenUploaded(tokens[0]!.serial, new Date(NOW).toISOString());
      inventory.store.graphUploads.setBatchStatus(1, 'partly-uploaded', new Date(NOW).toISOString());
    });
    const refused = refusalOf(() => voidBatch(inventory, { batch: 1, reason: 'x', actor: ADMIN }));
    expect(refused.code).toBe('batch-partly-uploaded');
    expect(refused.message).toMatch(/run the upload again, or `tokendesk batch mark-uploaded`/);
    const marked = markUploaded(inventory, { batch: 1, purgeSeeds: true, actor: ADMIN, now: NOW + 1000 });
    expect(marked).toMatchObject({ newlyMarked: true, purged: 2, removalsDone: null });
    expect(showBatch(inventory, 1).batch).toMatchObject({ status: 'uploaded', uploadedAt: new Date(NOW + 1000).toISOString() });
    for (const t of tokens) expect(findToken(inventory, t.serial)).toMatchObject({ status: 'uploaded', seedPurged: true });
  });
});

describe('export --batch of a removal batch', () => {
  it('writes it again byte for byte, elsewhere too; refuses it once void', async () => {
    const { inventory } = await twoRemovals();
    const first = exportRemovalBatch(inventory, { format: 'linotp-csv', actor: ADMIN, now: NOW });
    const again = exportBatch(inventory, { batch: first.manifest!.batch, outDir: `${inventory.paths.dir}/copy`, actor: ADMIN, now: NOW });
    expect(again.rewritten).toBe(true);
    expect(readFileSync(again.filePath!).equals(readFileSync(first.filePath!))).toBe(true);
    expect(readFileSync(again.manifestPath!).equals(readFileSync(first.manifestPath!))).toBe(true);
    expect(refusalOf(() => exportBatch(inventory, { batch: first.manifest!.batch, format: 'oath-csv', actor: ADMIN })).code).toBe('format-differs');
    const voided = voidBatch(inventory, { batch: first.manifest!.batch, reason: 'x', actor: ADMIN, now: NOW });
    expect(voided.removedFiles).toHaveLength(4);
    expect(refusalOf(() => exportBatch(inventory, { batch: first.manifest!.batch, actor: ADMIN })).code).toBe('batch-void');
  });
});
