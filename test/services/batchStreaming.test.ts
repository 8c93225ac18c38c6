/**
 * The export streams (issue 16): a counting source of stored rows and a counting sink show that
 * the exporter holds a bounded number of records at a time however many there are: one seed open
 * at a time, wiped before the next is opened, and the bytes of all but the last block's rows
 * already handed on. Not a timing test: it counts rows and bytes.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { exporters, type BatchFormat } from '../../src/formats/index.js';
import { decryptBatch, encryptBlocks } from '../../src/services/batch/encryption.js';
import { BLOCK_BYTES, renderInto, type SeedOpener } from '../../src/services/batch/render.js';
import { exportBatch } from '../../src/services/batch/export.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import type { StoredBatchRow } from '../../src/store/batchRepo.js';
import { ADMIN, freshInventory, tempDir, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';

/** Hands out seeds and remembers each one until it is wiped: how many are open at once. */
class CountingVault implements SeedOpener {
  opened = 0;
  maxOpenBefore = 0;
  /** Seeds handed out and not yet seen wiped. */
  #pending: Uint8Array[] = [];
  constructor(private readonly inner: SeedOpener = { open: (_serial, sealed) => new Uint8Array(sealed) }) {}
  open(serial: string, sealed: Uint8Array): Uint8Array {
    this.maxOpenBefore = Math.max(this.maxOpenBefore, this.stillOpen());
    const secret = this.inner.open(serial, sealed);
    this.opened++;
    this.#pending.push(secret);
    return secret;
  }
  stillOpen(): number {
    this.#pending = this.#pending.filter((s) => s.some((b) => b !== 0));
    return this.#pending.length;
  }
}

function storedRow(i: number): StoredBatchRow {
  return {
    assignmentId: i + 1,
    tokenId: i + 1,
    serial: String(80_000_000 + i).padStart(13, '0'),
    sealed: Buffer.alloc(20, (i % 250) + 1), // the stand-in vault opens it as the seed itself
    purgedAt: null,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    manufacturer: 'Token2',
    model: 'C202',
    upn: `user${String(i).padStart(6, '0')}@example.com`,
    displayName: 'Token2 C202',
    offsetSteps: 0,
    login: null,
    employeeId: null,
    verifiedAt: '2026-11-29T09:00:00.000Z',
  };
}

describe('the exporter holds a bounded number of records at a time', () => {
  const ROWS = 20_000;

  for (const format of ['entra-csv', 'graph-json'] as const satisfies readonly BatchFormat[]) {
    it(`${format}: ${ROWS.toLocaleString('en-US')} rows through a counting source and sink`, () => {
      const exporter = exporters[format];
      const rowBytes = Buffer.byteLength(String(exporter.writer().row({ ...storedRow(1), secret: new Uint8Array(20).fill(2) }, 1)));
      const rowsPerBlock = Math.ceil(BLOCK_BYTES / rowBytes);
      let pulled = 0;
      let written = 0;
      let assignments = 0;
      let maxLag = 0;
      let pulledAtFirstWrite = -1;
      function* source(): Generator<StoredBatchRow> {
        for (let i = 0; i < ROWS; i++) {
          pulled++;
          // Rows whose bytes have not reached the sink yet: what the exporter holds.
          maxLag = Math.max(maxLag, pulled - 1 - Math.floor(written / rowBytes));
          yield storedRow(i);
        }
      }
      const vault = new CountingVault();
      const rendered = renderInto(
        source(),
        { exporter, layout: exporter.layout, vault, skipUnsupported: false, purpose: 'export', assignments: () => assignments++ },
        (block) => {
          if (pulledAtFirstWrite < 0) pulledAtFirstWrite = pulled;
          written += block.byteLength;
          expect(block.byteLength).toBeLessThanOrEqual(BLOCK_BYTES);
        },
      );

      expect(rendered.count).toBe(ROWS);
      expect(vault.opened).toBe(ROWS);
      expect(vault.maxOpenBefore).toBe(0); // each seed wiped before the next is opened
      expect(vault.stillOpen()).toBe(0);
      expect(pulledAtFirstWrite).toBeGreaterThan(0);
      expect(pulledAtFirstWrite).toBeLessThanOrEqual(rowsPerBlock + 1); // bytes leave after one block, not at the end
      expect(maxLag).toBeLessThanOrEqual(rowsPerBlock + 1);
      expect(assignments).toBe(format === 'graph-json' ? ROWS : 0);
    });
  }

  it('age pulls plaintext blocks only as it encrypts them', async () => {
    const identity = await generateX25519Identity();
    const BLOCKS = 64;
    let pulled = 0;
    function* blocks(): Generator<Uint8Array, string> {
      for (let i = 0; i < BLOCKS; i++) {
        pulled++;
        yield new Uint8Array(BLOCK_BYTES).fill(i);
      }
      return 'done';
    }
    let maxAhead = 0;
    let received = 0;
    let result: string | null = null;
    const pieces: Uint8Array[] = [];
    for await (const chunk of encryptBlocks(blocks(), [await identityToRecipient(identity)], (value) => (result = value))) {
      received += chunk.byteLength;
      pieces.push(chunk);
      maxAhead = Math.max(maxAhead, pulled - Math.floor(received / BLOCK_BYTES));
    }
    expect(result).toBe('done');
    expect(pulled).toBe(BLOCKS);
    expect(maxAhead).toBeLessThanOrEqual(4);
    const plaintext = await decryptBatch(Buffer.concat(pieces), [identity], { file: 'test', identityFile: 'test' });
    expect(plaintext.byteLength).toBe(BLOCKS * BLOCK_BYTES);
    expect(plaintext[BLOCK_BYTES * 10]).toBe(10);
  });
});

describe('exportBatch streams from the database to the file', () => {
  it('reads, opens and writes one hand-out at a time: the file grows while the rows are still being read', async () => {
    const ROWS = 3_000;
    const inventory = freshInventory('stream');
    const tokens = makeTokens(ROWS);
    await importSeeds(inventory, { file: writeTemp('box.csv', entraCsv(tokens)), actor: ADMIN });
    // Hand-outs made directly: the hand-out itself is not under test here.
    inventory.sqlite.exec(`
      UPDATE tokens SET status = 'assigned';
      INSERT INTO assignments (token_id, upn, display_name, verified_at, offset_steps, assigned_by, desk_id)
        SELECT id, 'user' || id || '@example.com', 'Token2 C202', '2026-11-29T09:00:00.000Z', 0, 'test', 'stream' FROM tokens;`);

    const out = tempDir();
    const staged = () => readdirSync(out).filter((name) => name.startsWith('.tmp-tokendesk-stream-staging.csv.'));
    const onDisk: number[] = [];
    const realOpen = inventory.vault.open.bind(inventory.vault);
    const counting = new CountingVault({ open: realOpen });
    inventory.vault.open = (serial, sealed) => {
      const [temp] = staged();
      onDisk.push(temp ? statSync(join(out, temp)).size : 0);
      return counting.open(serial, sealed);
    };

    const result = exportBatch(inventory, { format: 'entra-csv', outDir: out, actor: ADMIN });
    expect(result.manifest!.count).toBe(ROWS);
    expect(counting.opened).toBe(ROWS);
    expect(counting.maxOpenBefore).toBe(0);
    expect(counting.stillOpen()).toBe(0);

    // When the last row was opened, all but about one block of the others were on disk already.
    const lines = readFileSync(result.filePath!, 'utf8').split('\n');
    const rowBytes = Buffer.byteLength(lines[1]!) + 1;
    expect(lines).toHaveLength(ROWS + 2); // header, rows, final newline
    expect(onDisk.at(-1)!).toBeGreaterThanOrEqual((ROWS - 1 - Math.ceil(BLOCK_BYTES / rowBytes)) * rowBytes);
    expect(staged()).toEqual([]);
  });
});
