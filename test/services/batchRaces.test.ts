/**
 * The re-checks under the write lock, raced by a second real connection to the same home file:
 * between an export's read of the waiting hand-outs and its commit another process undoes one or
 * exports them (`export-raced`: nothing is exported), or hands out more (those simply wait); between
 * void or mark-uploaded reading a batch and changing it, another process changes it (`batch-changed`).
 * The other process acts at the exact point through the services' test hooks.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { exportBatch } from '../../src/services/batch/export.js';
import { listBatches, markUploaded, showBatch, voidBatch } from '../../src/services/batch/lifecycle.js';
import { undoHandOut } from '../../src/services/deskTools.js';
import { openInventory, type Inventory } from '../../src/store/db.js';
import { ADMIN, snapshot, tempDir } from '../support/home.js';
import { makeTokens } from '../support/seedFiles.js';
import { NOW, desk, handOutAll } from '../fixtures/batches/desk.js';

/** The same home opened a second time: another connection, as another desk process would have. */
function secondConnection(inventory: Inventory): Inventory {
  const other = openInventory(inventory.paths.dir);
  onTestFinished(() => other.close());
  return other;
}

function refusalOf(run: () => unknown): Refusal {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(Refusal);
    return error as Refusal;
  }
  throw new Error('expected a refusal');
}

const files = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

async function fourHandedOut() {
  const tokens = makeTokens(8);
  const inventory = await desk('hq', tokens, tokens.slice(0, 4).map((token, i) => ({ token, upn: `u${i}@example.com`, at: NOW + i * 1000 })));
  return { inventory, tokens, other: secondConnection(inventory) };
}

describe('export raced by another connection between its read and its commit', () => {
  it('a hand-out undone meanwhile refuses the whole export (export-raced), naming it; nothing is exported', async () => {
    const { inventory, tokens, other } = await fourHandedOut();
    const out = join(tempDir(), 'usb');
    let afterUndo = '';
    const error = refusalOf(() =>
      exportBatch(inventory, {
        format: 'entra-csv',
        outDir: out,
        actor: ADMIN,
        now: NOW,
        faults: {
          at(step) {
            if (step !== 'rendered') return;
            undoHandOut(other, { assignmentId: 3, reason: 'wrong employee', actor: ADMIN, now: NOW });
            afterUndo = snapshot(inventory.paths.database);
          },
        },
      }),
    );
    expect(error.code).toBe('export-raced');
    expect(error.message).toContain(tokens[2]!.serial);
    expect(snapshot(inventory.paths.database)).toBe(afterUndo);
    expect(listBatches(inventory)).toEqual([]);
    expect(files(out)).toEqual([]);

    // Tried again, the export takes the three still waiting.
    const again = exportBatch(inventory, { format: 'entra-csv', outDir: out, actor: ADMIN, now: NOW });
    expect(showBatch(inventory, again.manifest!.batch).rows.map((r) => r.serial)).toEqual([tokens[0], tokens[1], tokens[3]].map((t) => t!.serial));
  });

  it('the same hand-outs exported by another process meanwhile refuse this export; the other batch stands', async () => {
    const { inventory, other } = await fourHandedOut();
    const out = join(tempDir(), 'usb');
    let theirs: string | undefined;
    const error = refusalOf(() =>
      exportBatch(inventory, {
        format: 'graph-json',
        outDir: out,
        actor: ADMIN,
        now: NOW,
        faults: {
          at(step) {
            if (step === 'rendered') theirs = exportBatch(other, { format: 'graph-json', outDir: out, actor: ADMIN, now: NOW }).manifest!.batch;
          },
        },
      }),
    );
    expect(error.code).toBe('export-raced');
    expect(listBatches(inventory).map((b) => [b.name, b.rowCount])).toEqual([[theirs, 4]]);
    expect(files(out)).toEqual([`tokendesk-${theirs}.json`, `tokendesk-${theirs}.manifest.json`]);
  });

  it('another command starting meanwhile (it sweeps HOME/exports) leaves the streamed file alone', async () => {
    const { inventory } = await fourHandedOut();
    const result = exportBatch(inventory, {
      format: 'entra-csv',
      actor: ADMIN,
      now: NOW,
      faults: {
        at(step) {
          if (step !== 'rendered') return;
          expect(files(inventory.paths.exports).filter((name) => name.startsWith('.tmp-'))).toHaveLength(1);
          openInventory(inventory.paths.dir).close(); // what `tokendesk batch list` or the kiosk does at start
        },
      },
    });
    expect(result.manifest!.count).toBe(4);
    expect(files(inventory.paths.exports)).toEqual([`tokendesk-${result.manifest!.batch}.csv`, `tokendesk-${result.manifest!.batch}.manifest.json`]);
  });

  it('hand-outs made meanwhile are not taken: they wait for the next batch', async () => {
    const { inventory, tokens, other } = await fourHandedOut();
    const result = exportBatch(inventory, {
      format: 'entra-csv',
      outDir: join(tempDir(), 'usb'),
      actor: ADMIN,
      now: NOW,
      faults: {
        at(step) {
          // Verified earlier than some of the rows read: file order alone would not tell them apart.
          if (step === 'rendered') handOutAll(other, [{ token: tokens[5]!, upn: 'late@example.com', at: NOW - 60_000 }]);
        },
      },
    });
    expect(result.manifest!.count).toBe(4);
    expect(showBatch(inventory, result.manifest!.batch).rows.map((r) => r.serial)).toEqual(tokens.slice(0, 4).map((t) => t.serial));
    const next = exportBatch(inventory, { format: 'entra-csv', outDir: join(tempDir(), 'usb'), actor: ADMIN, now: NOW });
    expect(showBatch(inventory, next.manifest!.batch).rows.map((r) => r.serial)).toEqual([tokens[5]!.serial]);
  });
});

describe('void and mark-uploaded raced by another connection (batch-changed)', () => {
  it('void refuses when the batch was marked uploaded meanwhile', async () => {
    const { inventory, other } = await fourHandedOut();
    exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    const error = refusalOf(() =>
      voidBatch(inventory, {
        batch: 1,
        reason: 'wrong tenant',
        actor: ADMIN,
        faults: { at: () => void markUploaded(other, { batch: 1, actor: ADMIN, now: NOW }) },
      }),
    );
    expect(error.code).toBe('batch-changed');
    expect(error.message).toMatch(/uploaded now/);
    expect(showBatch(inventory, 1).batch.status).toBe('uploaded');
    expect(showBatch(inventory, 1).rows.map((r) => r.tokenStatus)).toEqual(['uploaded', 'uploaded', 'uploaded', 'uploaded']);
  });

  it('mark-uploaded refuses when the batch was voided meanwhile, and the hand-outs stay waiting', async () => {
    const { inventory, other } = await fourHandedOut();
    exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    const error = refusalOf(() =>
      markUploaded(inventory, {
        batch: 1,
        purgeSeeds: true,
        actor: ADMIN,
        faults: { at: () => void voidBatch(other, { batch: 1, reason: 'wrong tenant', actor: ADMIN, now: NOW }) },
      }),
    );
    expect(error.code).toBe('batch-changed');
    expect(error.message).toMatch(/void now/);
    expect(showBatch(inventory, 1).batch.status).toBe('void');
    const stored = inventory.sqlite.prepare("SELECT count(*) AS n FROM tokens WHERE status = 'assigned' AND sealed_secret IS NOT NULL").get() as { n: number };
    expect(stored.n).toBe(4);
  });

  it('mark-uploaded twice at once: the second refuses instead of recording the upload again', async () => {
    const { inventory, other } = await fourHandedOut();
    exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    const error = refusalOf(() =>
      markUploaded(inventory, { batch: 1, actor: ADMIN, faults: { at: () => void markUploaded(other, { batch: 1, actor: ADMIN, now: NOW }) } }),
    );
    expect(error.code).toBe('batch-changed');
    const entries = inventory.sqlite.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'mark-uploaded'").get() as { n: number };
    expect(entries.n).toBe(1);
  });
});
