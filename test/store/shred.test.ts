/** shredFile: overwrite with zeros, fsync, delete; never a link, a folder, or a file whose bytes changed. */
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shredFile } from '../../src/store/shred.js';
import { tempDir } from '../support/home.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('shredFile', () => {
  it('overwrites the bytes before deleting (a hard link sees zeros of the same length)', () => {
    const dir = tempDir();
    const file = join(dir, 'seeds.csv');
    const text = 'serial,secret\n1,JBSWY3DPEHPK3PXP\n'.repeat(5000); // several blocks
    writeFileSync(file, text);
    linkSync(file, join(dir, 'link'));
    expect(shredFile(file, { sha256: sha(text) })).toEqual({ outcome: 'removed' });
    expect(existsSync(file)).toBe(false);
    const after = readFileSync(join(dir, 'link'));
    expect(after.length).toBe(Buffer.byteLength(text));
    expect(after.every((b) => b === 0)).toBe(true);
  });

  it('leaves a file whose bytes are not the expected ones, a symlink and a folder', () => {
    const dir = tempDir();
    const file = join(dir, 'seeds.csv');
    writeFileSync(file, 'changed');
    expect(shredFile(file, { sha256: sha('original') })).toMatchObject({ outcome: 'left' });
    expect(readFileSync(file, 'utf8')).toBe('changed');
    symlinkSync(file, join(dir, 'link'));
    expect(shredFile(join(dir, 'link'))).toMatchObject({ outcome: 'left', reason: expect.stringMatching(/not a regular file/) });
    expect(readFileSync(file, 'utf8')).toBe('changed');
    mkdirSync(join(dir, 'folder'));
    expect(shredFile(join(dir, 'folder'))).toMatchObject({ outcome: 'left' });
  });

  it('tells a deleted file (gone) from one whose folder is not there (left)', () => {
    const dir = tempDir();
    expect(shredFile(join(dir, 'nothing.csv'))).toEqual({ outcome: 'gone' });
    expect(shredFile(join(dir, 'stick', 'nothing.csv'))).toMatchObject({ outcome: 'left', reason: expect.stringMatching(/cannot be reached/) });
  });
});
