/**
 * Kill the exporting process with SIGKILL at each step, and at random moments, then start again
 * and check what a person would find: the database intact, each hand-out in exactly one batch or
 * none, every file under a batch name whole (a recorded batch, or set aside as an orphan), and a
 * new export that takes exactly what was left. The encrypted export (`--encrypt-to`) likewise,
 * and with no plaintext seed on disk at any step.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { EXPORT_STEPS } from '../../src/services/batch/types.js';
import { exportBatch, exportEncryptedBatch } from '../../src/services/batch/export.js';
import { sweepOrphanedBatchFiles, type OrphanReport } from '../../src/services/batch/orphans.js';
import { decryptBatch } from '../../src/services/batch/encryption.js';
import { listBatches } from '../../src/services/batch/lifecycle.js';
import { openInventory, type Inventory } from '../../src/store/db.js';
import { ADMIN, snapshot, tempDir } from '../support/home.js';
import { makeTokens, type TestToken } from '../support/seedFiles.js';
import { SeedScanner } from '../support/secretForms.js';
import { CLI } from '../support/cli.js';
import { NOW, desk, handOutAll } from '../fixtures/batches/desk.js';

const CHILD = fileURLToPath(new URL('../fixtures/batches/crashExport.mjs', import.meta.url));
const ENCRYPTED_CHILD = fileURLToPath(new URL('../fixtures/batches/crashEncryptedExport.mjs', import.meta.url));
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

/** Every file under `dir`, sub-folders (orphaned/) included. */
function allFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

describe('encrypted export (--encrypt-to) killed with SIGKILL', () => {
  const encryptedFile = /^tokendesk-hq-\d{8}-\d+\.json\.age$/;

  for (const step of EXPORT_STEPS) {
    it(`at "${step}": intact, no plaintext seed on disk, and the next export takes exactly what was left`, async () => {
      const identity = await generateX25519Identity();
      const recipient = await identityToRecipient(identity);
      const { home, inventory, tokens } = await homeWith(3);
      const out = join(tempDir(), 'usb');
      const before = snapshot(inventory.paths.database);
      const scanner = new SeedScanner(tokens.map((t) => ({ label: t.serial, secret: t.secret })));
      const noPlaintext = () => {
        for (const file of [...allFiles(out), ...allFiles(inventory.paths.exports)]) expect(scanner.scan(file, readFileSync(file)), file).toEqual([]);
      };

      const child = spawnSync(process.execPath, [ENCRYPTED_CHILD, home, step, 'graph-json', out, recipient], { encoding: 'utf8' });
      expect(child.signal, child.stderr).toBe('SIGKILL');
      expect(child.stdout.trim().split('\n').at(-1)).toBe(step);
      noPlaintext();

      const reopened = openInventory(home);
      try {
        expect(reopened.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
        const orphaned = sweepOrphanedBatchFiles(reopened, [out]);
        for (const dir of [out, reopened.paths.exports]) for (const name of list(dir)) expect(name.startsWith('.tmp-'), `${dir}/${name}`).toBe(false);
        const batches = listBatches(reopened);
        if (step === 'committed') {
          expect(batches).toHaveLength(1);
          const manifest = JSON.parse(readFileSync(join(out, `tokendesk-${batches[0]!.name}.manifest.json`), 'utf8'));
          const sealed = readFileSync(join(out, manifest.encrypted.file));
          expect(sha256(sealed)).toBe(manifest.encrypted.sha256);
          expect(sha256(await decryptBatch(sealed, [identity], { file: 'batch', identityFile: 'key' }))).toBe(batches[0]!.sha256);
        } else {
          expect(batches).toEqual([]);
          expect(snapshot(inventory.paths.database)).toBe(before);
          // An .age file put in place before the commit is whole, and set aside.
          const expectOrphans = ['file-in-place', 'manifest-temp-written', 'manifest-in-place'].includes(step);
          expect(orphaned.moved.some((m) => encryptedFile.test(m.from.split('/').at(-1)!))).toBe(expectOrphans);
          for (const { to } of orphaned.moved.filter((m) => m.to.endsWith('.age'))) {
            const plaintext = await decryptBatch(readFileSync(to), [identity], { file: to, identityFile: 'key' });
            expect(JSON.parse(Buffer.from(plaintext).toString('utf8')).value).toHaveLength(3);
          }
          expect(list(out).filter((n) => n.startsWith('tokendesk-'))).toEqual([]);
        }

        // The rest goes out encrypted; afterwards every hand-out is in exactly one batch.
        await exportEncryptedBatch(reopened, { format: 'graph-json', outDir: out, encryptTo: [recipient], actor: ADMIN });
        const waiting = reopened.sqlite.prepare('SELECT count(*) AS n FROM assignments WHERE batch_id IS NULL').get() as { n: number };
        expect(waiting.n).toBe(0);
        expect(listBatches(reopened).reduce((sum, b) => sum + b.rowCount, 0)).toBe(3);
      } finally {
        reopened.close();
      }
      noPlaintext();
    });
  }
});
