/**
 * Two desks' homes created from one seed file, hand-outs at both, exports, and the merge: one that
 * succeeds, and one refused for each kind of conflict, with nothing written.
 */
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { exporters } from '../../src/formats/index.js';
import type { BatchFormat } from '../../src/formats/types.js';
import { mergeBatches, type MergeConflict } from '../../src/services/batch/merge.js';
import { exportBatch } from '../../src/services/batch/export.js';
import { type ExportResult } from '../../src/services/batch/types.js';
import { ADMIN, tempDir } from '../support/home.js';
import { makeTokens, type TestToken } from '../support/seedFiles.js';
import { NOW, desk, type HandOutSpec } from '../fixtures/batches/desk.js';

async function exportAt(deskId: string, tokens: TestToken[], specs: HandOutSpec[], format: BatchFormat): Promise<ExportResult> {
  const inventory = await desk(deskId, tokens, specs);
  return exportBatch(inventory, { format, outDir: tempDir(`${deskId}-usb-`), actor: ADMIN, now: NOW, options: { realm: 'corp' } });
}

async function refusedMerge(files: string[], outDir: string): Promise<MergeConflict[]> {
  try {
    await mergeBatches({ files, outDir, now: NOW });
  } catch (error) {
    expect(error).toBeInstanceOf(Refusal);
    expect((error as Refusal).code).toBe('merge-conflicts');
    expect((error as Refusal).message).toMatch(/Nothing was written/);
    expect(existsSync(outDir) ? readdirSync(outDir) : []).toEqual([]);
    return (error as Refusal).details!.conflicts as MergeConflict[];
  }
  throw new Error('expected the merge to be refused');
}

/** One box of seeds shared by both desks. */
const box = makeTokens(20);

describe('batch merge', () => {
  for (const format of ['graph-json', 'entra-csv'] as const) {
    it(`merges two desks' ${format} batches from one seed file into one upload and a merge manifest`, async () => {
      const a = await exportAt('desk-a', box, [
        { token: box[0]!, upn: 'ann@example.com', name: 'Ann', offsetSteps: 1 },
        { token: box[1]!, upn: 'bob@example.com' },
      ], format);
      const b = await exportAt('desk-b', box, [
        { token: box[10]!, upn: 'cyd@example.com', at: NOW + 5000 },
        { token: box[11]!, upn: 'ann@example.com', name: 'Ann spare', at: NOW + 6000 },
      ], format);
      const out = join(tempDir(), 'upload');
      const result = await mergeBatches({ files: [a.filePath!, b.filePath!], outDir: out, now: NOW });

      expect(result.manifest).toMatchObject({
        merge: true,
        format,
        count: 4,
        sources: [
          { batch: 'desk-a-20261129-1', deskId: 'desk-a', count: 2, sha256: a.manifest!.sha256 },
          { batch: 'desk-b-20261129-1', deskId: 'desk-b', count: 2, sha256: b.manifest!.sha256 },
        ],
      });
      const bytes = readFileSync(result.filePath);
      expect(statSync(result.filePath).mode & 0o777).toBe(0o600);
      expect(statSync(result.manifestPath).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(result.manifestPath, 'utf8'))).toEqual(result.manifest);
      expect(result.manifest.batch).toBe(`merge-20261129-${result.manifest.sha256.slice(0, 8)}`);

      // The merged file is what the exporter writes for the four rows, in the order given.
      const expected = exporters[format].render(
        [
          { t: box[0]!, upn: 'ann@example.com', name: 'Ann', offset: 1, at: NOW },
          { t: box[1]!, upn: 'bob@example.com', name: 'Token2 C202', offset: 0, at: NOW },
          { t: box[10]!, upn: 'cyd@example.com', name: 'Token2 C202', offset: 0, at: NOW + 5000 },
          { t: box[11]!, upn: 'ann@example.com', name: 'Ann spare', offset: 0, at: NOW + 6000 },
        ].map((r) => ({
          upn: r.upn,
          serial: r.t.serial,
          secret: r.t.secret,
          algorithm: 'SHA1' as const,
          digits: 6,
          period: 30,
          manufacturer: 'Token2',
          model: 'C202',
          displayName: format === 'graph-json' ? r.name : '',
          offsetSteps: format === 'graph-json' ? r.offset : 0,
          verifiedAt: format === 'graph-json' ? new Date(r.at).toISOString() : '',
        })),
      );
      expect(bytes.toString('utf8')).toBe(Buffer.from(expected).toString('utf8'));

      // The merge's own manifest makes it a batch that can be merged again.
      const c = await exportAt('desk-c', box, [{ token: box[15]!, upn: 'dee@example.com' }], format);
      const again = await mergeBatches({ files: [result.filePath, c.filePath!], outDir: join(tempDir(), 'second'), now: NOW });
      expect(again.manifest.count).toBe(5);

      // A shell glob (*.json) names the manifests too: they stand for their batch files.
      const globbed = await mergeBatches({ files: [a.filePath!, a.manifestPath!, b.manifestPath!], outDir: join(tempDir(), 'third'), now: NOW });
      expect(readFileSync(globbed.filePath).equals(bytes)).toBe(true);
    });
  }

  it('refuses the same serial in two batches: a duplicate with the same secret, a mismatch with another', async () => {
    const a = await exportAt('desk-a', box, [{ token: box[0]!, upn: 'ann@example.com' }, { token: box[1]!, upn: 'bob@example.com' }], 'graph-json');
    const b = await exportAt('desk-b', box, [{ token: box[0]!, upn: 'zed@example.com' }], 'graph-json');
    // Desk C was given another vendor file that reuses serial box[1] with a different secret.
    const other = makeTokens(2);
    const c = await exportAt('desk-c', other, [{ token: other[1]!, upn: 'cyd@example.com' }], 'graph-json');
    expect(other[1]!.serial).toBe(box[1]!.serial);

    const out = join(tempDir(), 'upload');
    const conflicts = await refusedMerge([a.filePath!, b.filePath!, c.filePath!], out);
    expect(conflicts.map((c) => [c.kind, c.serial])).toEqual([
      ['duplicate-serial', box[0]!.serial],
      ['secret-mismatch', box[1]!.serial],
    ]);
    expect(conflicts[0]!.message).toMatch(/desk-a-20261129-1 \(ann@example.com\) and in batch desk-b-20261129-1 \(zed@example.com\)/);
    const text = JSON.stringify(conflicts);
    for (const t of [...box.slice(0, 2), ...other]) expect(text).not.toContain(t.base32);
  });

  it('refuses a UPN that would get more than 5 tokens across the desks', async () => {
    const to = (tokens: TestToken[], upn: string) => tokens.map((token) => ({ token, upn }));
    const a = await exportAt('desk-a', box, to(box.slice(0, 3), 'many@example.com'), 'entra-csv');
    const b = await exportAt('desk-b', box, [...to(box.slice(10, 13), 'many@example.com'), { token: box[13]!, upn: 'ok@example.com' }], 'entra-csv');
    const conflicts = await refusedMerge([a.filePath!, b.filePath!], join(tempDir(), 'upload'));
    expect(conflicts).toEqual([
      expect.objectContaining({ kind: 'upn-over-limit', upn: 'many@example.com', message: expect.stringMatching(/would get 6 tokens .*Entra allows 5/) }),
    ]);
  });

  it('refuses a file that does not match its manifest, a missing manifest, mixed formats and a batch given twice', async () => {
    const a = await exportAt('desk-a', box, [{ token: box[0]!, upn: 'ann@example.com' }], 'graph-json');
    const b = await exportAt('desk-b', box, [{ token: box[10]!, upn: 'bob@example.com' }], 'graph-json');
    const c = await exportAt('desk-c', box, [{ token: box[15]!, upn: 'cyd@example.com' }], 'entra-csv');
    const d = await exportAt('desk-d', box, [{ token: box[16]!, upn: 'dee@example.com' }], 'graph-json');
    const out = join(tempDir(), 'upload');

    // Changed after export: one byte of a display name.
    writeFileSync(b.filePath!, readFileSync(b.filePath!, 'utf8').replace('"displayName": "Token2 C202"', '"displayName": "Token2 C203"'));
    let conflicts = await refusedMerge([a.filePath!, b.filePath!], out);
    expect(conflicts.map((x) => x.kind)).toEqual(['sha256-mismatch']);
    expect(conflicts[0]!.files[0]).toBe(b.filePath);

    conflicts = await refusedMerge([a.filePath!, c.filePath!], out);
    expect(conflicts.map((x) => x.kind)).toEqual(['format-mismatch']);
    expect(conflicts[0]!.message).toMatch(/graph-json .* vs entra-csv/);

    conflicts = await refusedMerge([a.filePath!, a.filePath!], out);
    expect(conflicts.map((x) => x.kind)).toEqual(['same-batch-twice']);

    rmSync(d.manifestPath!);
    conflicts = await refusedMerge([a.filePath!, d.filePath!], out);
    expect(conflicts.map((x) => x.kind)).toEqual(['manifest-missing']);
  });

  it('finds a manifest named after the batch when the file was renamed, and refuses oath-csv batches', async () => {
    const a = await exportAt('desk-a', box, [{ token: box[0]!, upn: 'ann@example.com' }], 'entra-csv');
    const renamed = join(tempDir(), 'desk-a-20261129-1.csv');
    renameSync(a.filePath!, renamed);
    renameSync(a.manifestPath!, join(renamed, '..', 'tokendesk-desk-a-20261129-1.manifest.json'));
    const merged = await mergeBatches({ files: [renamed], outDir: join(tempDir(), 'upload'), now: NOW });
    expect(merged.manifest.sources[0]).toMatchObject({ batch: 'desk-a-20261129-1', file: 'desk-a-20261129-1.csv' });

    const o = await exportAt('desk-o', box, [{ token: box[1]!, upn: 'bob@example.com' }], 'oath-csv');
    const conflicts = await refusedMerge([o.filePath!], join(tempDir(), 'upload'));
    expect(conflicts.map((x) => x.kind)).toEqual(['unsupported-format']);
  });
});
