/**
 * An export that fails at each step (disk full, a thrown error) leaves everything as it was: the
 * database snapshot unchanged and no file under a batch name, plain or encrypted, new or written
 * again. Killing the process at each step is test/cli/batchCrash.test.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { EXPORT_STEPS, type ExportRequest, type ExportStep } from '../../src/services/batch/types.js';
import { exportBatch, exportEncryptedBatch } from '../../src/services/batch/export.js';
import { listBatches } from '../../src/services/batch/lifecycle.js';
import { ADMIN, snapshot, tempDir } from '../support/home.js';
import { makeTokens } from '../support/seedFiles.js';
import { NOW, desk } from '../fixtures/batches/desk.js';

class InjectedFailure extends Error {}

const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

const failAt = (step: ExportStep) => ({
  at(current: ExportStep) {
    if (current === step) throw new InjectedFailure(`failure injected at ${step}`);
  },
});

describe('exportBatch: a failure at any step', () => {
  for (const step of EXPORT_STEPS.filter((s) => s !== 'committed')) {
    for (const mode of ['new batch', 'rewrite', 'encrypted new batch', 'encrypted rewrite'] as const) {
      it(`${mode}, failing at "${step}": nothing changed, no file under a batch name`, async () => {
        const tokens = makeTokens(4);
        const inventory = await desk('hq', tokens, tokens.slice(0, 3).map((token, i) => ({ token, upn: `u${i}@example.com` })));
        const out = join(tempDir(), 'usb');
        let original: Buffer | null = null;
        if (mode === 'rewrite') {
          const first = exportBatch(inventory, { format: 'graph-json', outDir: out, actor: ADMIN, now: NOW });
          original = readFileSync(first.filePath!);
        }
        if (mode === 'encrypted rewrite') exportBatch(inventory, { format: 'graph-json', outDir: out, actor: ADMIN, now: NOW });
        const before = snapshot(inventory.paths.database);
        const filesBefore = list(out);

        const request: ExportRequest = {
          ...(mode.endsWith('rewrite') ? { batch: 1 } : { format: 'graph-json' as const }),
          outDir: out,
          actor: ADMIN,
          now: NOW,
          faults: failAt(step),
        };
        if (mode.startsWith('encrypted')) {
          const recipient = await identityToRecipient(await generateX25519Identity());
          await expect(exportEncryptedBatch(inventory, { ...request, encryptTo: [recipient] })).rejects.toThrow(InjectedFailure);
        } else {
          expect(() => exportBatch(inventory, request)).toThrow(InjectedFailure);
        }

        expect(snapshot(inventory.paths.database)).toBe(before);
        expect(list(out)).toEqual(filesBefore);
        if (original) expect(readFileSync(join(out, 'tokendesk-hq-20261129-1.json')).equals(original)).toBe(true);
        expect(inventory.sqlite.pragma('synchronous', { simple: true })).toBe(1); // NORMAL again
      });
    }
  }

  it('failing after the commit: the batch is complete, with both files', async () => {
    const tokens = makeTokens(3);
    const inventory = await desk('hq', tokens, tokens.map((token, i) => ({ token, upn: `u${i}@example.com` })));
    const out = join(tempDir(), 'usb');
    expect(() => exportBatch(inventory, { format: 'entra-csv', outDir: out, actor: ADMIN, now: NOW, faults: failAt('committed') })).toThrow(InjectedFailure);
    const [batch] = listBatches(inventory);
    expect(batch).toMatchObject({ name: 'hq-20261129-1', rowCount: 3 });
    const bytes = readFileSync(join(out, batch!.fileName));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(batch!.sha256);
    expect(JSON.parse(readFileSync(join(out, 'tokendesk-hq-20261129-1.manifest.json'), 'utf8'))).toMatchObject({ sha256: batch!.sha256, count: 3 });
  });
});
