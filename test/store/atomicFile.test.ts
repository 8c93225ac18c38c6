/**
 * Whole-or-absent files: publish, the temp file's name carrying its writer's process id, and the
 * sweep that removes what a crash left but never a file a live process is still writing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { TempFile, isStaleTemp, publishFile, removeStaleTempFiles, writeFileAtomic } from '../../src/store/atomicFile.js';
import { tempDir } from '../support/home.js';

/** The id of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('publishFile / writeFileAtomic', () => {
  it('writes 0600, refuses an existing target when exclusive, replaces it otherwise, and leaves no temp file', () => {
    const dir = tempDir();
    const target = join(dir, 'batch.csv');
    publishFile(target, Buffer.from('one\n'), { exclusive: true });
    expect(readFileSync(target, 'utf8')).toBe('one\n');
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(() => publishFile(target, Buffer.from('two\n'), { exclusive: true })).toThrow(Refusal);
    expect(readFileSync(target, 'utf8')).toBe('one\n');
    writeFileAtomic(target, 'three\n');
    expect(readFileSync(target, 'utf8')).toBe('three\n');
    expect(readdirSync(dir)).toEqual(['batch.csv']);
  });

  it('names its temp file after the target and this process, and calls the step hooks in order', () => {
    const dir = tempDir();
    const steps: string[] = [];
    const temp = new TempFile(join(dir, 'm.json'));
    expect(temp.path).toMatch(new RegExp(`/\\.tmp-m\\.json\\.${process.pid}\\.[0-9a-f]{8}$`));
    temp.write(Buffer.from('{}\n'));
    temp.placeAt(join(dir, 'm.json'), { exclusive: true, step: 'manifest', faults: { at: (step) => steps.push(step) } });
    expect(steps).toEqual(['manifest-temp-written', 'manifest-in-place']);
    temp.discard(); // after it was placed: leaves the file alone
    expect(readdirSync(dir)).toEqual(['m.json']);
  });
});

describe('the sweep of temp files', () => {
  it('removes what a dead writer or an older version left, and keeps a live writer\'s file', () => {
    const dir = tempDir();
    const live = new TempFile(join(dir, 'tokendesk-hq-staging.csv'));
    live.write(Buffer.from('streaming...'));
    const dead = join(dir, `.tmp-tokendesk-hq-20261129-1.csv.${deadPid()}.0badc0de`);
    const old = join(dir, '.tmp-tokendesk-hq-20261129-2.csv.abcd1234');
    writeFileSync(dead, 'half');
    writeFileSync(old, 'half');
    expect(isStaleTemp(live.path)).toBe(false);
    expect(removeStaleTempFiles(dir).sort()).toEqual([dead, old].map((p) => p.split('/').at(-1)).sort());
    expect(existsSync(live.path)).toBe(true);
    live.discard();
  });

  it('removes a live process id\'s file once it is older than any write takes (the id was reused)', () => {
    const dir = tempDir();
    const path = join(dir, `.tmp-x.csv.${process.pid}.0badc0de`);
    writeFileSync(path, 'left');
    expect(isStaleTemp(path)).toBe(false);
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(path, twoDaysAgo, twoDaysAgo);
    expect(isStaleTemp(path)).toBe(true);
  });
});
