/**
 * Kill the exporting process with SIGKILL at each step, and at random moments, then start again
 * and check what a person would find: the database intact, each hand-out in exactly one batch or
 * none, every file under a batch name whole (a recorded batch, or set aside as an orphan), and a
 * new export that takes exactly what was left.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXPORT_STEPS, exportBatch, sweepOrphanedBatchFiles, type OrphanReport } from '../../src/services/exportBatch.js';
import { listBatches } from '../../src/services/batches.js';
import { openInventory, type Inventory } from '../../src/store/db.js';
import { ADMIN, snapshot, tempDir } from '../support/home.js';
import { makeTokens, type TestToken } from '../support/seedFiles.js';
import { CLI } from '../support/cli.js';
import { NOW, desk, handOutAll } from '../fixtures/batches/desk.js';

const CHILD = fileURLToPath(new URL('../fixtures/batches/crashExport.mjs', import.meta.url));
void CLI; // importing support/cli.js checks that the package was built

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const batchFile = /^tokendesk-hq-\d{8}-\d+\.(json|manifest\.json)$/;
const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

interface AfterCrash {
  orphaned: OrphanReport;
  batches: number;
}

/** The next start, then every rule a person relies on. */
function checkAfterCrash(home: string, out: string): AfterCrash {
  const inventory = openInventory(home);
  try {
    const { sqlite } = inventory;
    expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    // Each hand-out is waiting (token assigned) or in exactly one recorded batch (token exported).
    const misplaced = sqlite
      .prepare(
        `SELECT count(*) AS n FROM assignments a JOIN tokens t ON t.id = a.token_id
          WHERE NOT ((a.batch_id IS NULL AND t.status = 'assigned') OR (a.batch_id IN (SELECT id FROM batches) AND t.status = 'exported'))`,
      )
      .get() as { n: number };
    expect(misplaced.n).toBe(0);

    // Files under a batch name that no batch owns are whole; then they are set aside.
    const orphaned = sweepOrphanedBatchFiles(inventory, [out]);
    for (const { to } of orphaned.moved) {
      const text = readFileSync(to, 'utf8');
      expect(() => JSON.parse(text), `${to} is whole JSON`).not.toThrow();
    }
    for (const dir of new Set([out, inventory.paths.exports])) {
      for (const name of list(dir)) expect(name.startsWith('.tmp-'), `${dir}/${name}`).toBe(false);
    }

    // Every recorded batch has all its rows and both files, matching.
    const batches = listBatches(inventory);
    for (const b of batches) {
      const rows = sqlite.prepare('SELECT count(*) AS n FROM assignments WHERE batch_id = ?').get(b.id) as { n: number };
      expect(rows.n).toBe(b.rowCount);
      expect(sha256(readFileSync(join(out, b.fileName)))).toBe(b.sha256);
      expect(JSON.parse(readFileSync(join(out, `tokendesk-${b.name}.manifest.json`), 'utf8'))).toMatchObject({ batch: b.name, sha256: b.sha256, count: b.rowCount });
    }
    const names = new Set(batches.map((b) => b.name));
    for (const name of list(out).filter((n) => batchFile.test(n))) {
      expect(names.has(name.replace(/^tokendesk-/, '').replace(/\.(manifest\.json|json)$/, '')), `${name} belongs to a batch`).toBe(true);
    }
    return { orphaned, batches: batches.length };
  } finally {
    inventory.close();
  }
}

/** Whatever is still waiting goes out now; afterwards every hand-out is in exactly one batch. */
function exportTheRest(home: string, out: string, handedOut: number): void {
  const inventory = openInventory(home);
  try {
    exportBatch(inventory, { format: 'graph-json', outDir: out, actor: ADMIN });
    const { n } = inventory.sqlite.prepare('SELECT count(*) AS n FROM assignments WHERE batch_id IS NULL').get() as { n: number };
    expect(n).toBe(0);
    const total = listBatches(inventory).reduce((sum, b) => sum + b.rowCount, 0);
    expect(total).toBe(handedOut);
  } finally {
    inventory.close();
  }
}

async function homeWith(count: number): Promise<{ home: string; inventory: Inventory; tokens: TestToken[] }> {
  const tokens = makeTokens(count + 50);
  const inventory = await desk('hq', tokens, tokens.slice(0, count).map((token, i) => ({ token, upn: `u${i % 997}-${i}@example.com` })));
  return { home: inventory.paths.dir, inventory, tokens };
}

describe('export killed with SIGKILL', () => {
  for (const where of ['HOME/exports', '--out'] as const) {
    for (const step of EXPORT_STEPS) {
      it(`at "${step}" (${where}): intact, and the next export takes exactly what was left`, async () => {
        const { home, inventory } = await homeWith(3);
        const out = where === '--out' ? join(tempDir(), 'usb') : inventory.paths.exports;
        const before = snapshot(inventory.paths.database);

        const child = spawnSync(process.execPath, [CHILD, home, step, 'graph-json', where === '--out' ? out : '-'], { encoding: 'utf8' });
        expect(child.signal, child.stderr).toBe('SIGKILL');
        expect(child.stdout.trim().split('\n').at(-1)).toBe(step);

        const after = checkAfterCrash(home, out);
        if (step === 'committed') {
          expect(after.batches).toBe(1);
        } else {
          expect(after.batches).toBe(0);
          expect(snapshot(inventory.paths.database)).toBe(before);
          const expectOrphans = ['file-in-place', 'manifest-temp-written', 'manifest-in-place'].includes(step);
          expect(after.orphaned.moved.length > 0).toBe(expectOrphans);
          expect(list(out).filter((n) => batchFile.test(n))).toEqual([]);
        }
        exportTheRest(home, out, 3);
      });
    }
  }

  it('at random moments, again and again: the same rules hold after each', async () => {
    const { home, inventory, tokens } = await homeWith(400);
    const out = join(tempDir(), 'usb');
    let handedOut = 400;
    for (let round = 0; round < 12; round++) {
      const child = spawn(process.execPath, [CHILD, home, 'none', 'graph-json', out, '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const delayMs = Math.floor(Math.random() * 60);
      const outcome = await new Promise<string>((resolveRun) => {
        let seen = '';
        let timer: NodeJS.Timeout | undefined;
        child.stdout.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (timer === undefined && seen.includes('start\n')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
        });
        child.on('exit', (_code, signal) => {
          clearTimeout(timer);
          resolveRun(signal === 'SIGKILL' ? `killed after ${seen.trim().split('\n').at(-1)}` : 'finished');
        });
      });
      expect(outcome).toMatch(/^(killed after .+|finished)$/);
      checkAfterCrash(home, out);
      // More hand-outs before the next round, so each round has something to export.
      const next = tokens.slice(handedOut, handedOut + 3);
      handOutAll(inventory, next.map((token, i) => ({ token, upn: `late${round}-${i}@example.com`, at: NOW })));
      handedOut += next.length;
    }
    exportTheRest(home, out, handedOut);
  });
});
