/**
 * The upload admin's side of `export --encrypt-to`, on a machine that need not be a desk (no
 * database): `batch keygen` makes the key pair, and `batch decrypt` turns an encrypted batch file
 * (`<file>.age`) into the plaintext batch file again (0600, atomic), checked against the plaintext
 * sha256 in its manifest when the manifest is beside it. Nothing is written when the identity is
 * wrong, the file is damaged or the check fails.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Refusal } from '../../core/errors.js';
import type { Manifest } from '../../formats/index.js';
import { publishFile } from '../../store/atomicFile.js';
import { decryptBatch, newKeyPair } from './encryption.js';
import { findManifest, readManifestFile } from './manifestFiles.js';
import { AGE_SUFFIX } from './names.js';

export interface DecryptRequest {
  /** The encrypted batch file. */
  file: string;
  identities: string[];
  /** Where the identities came from, for messages. */
  identityFile: string;
  /** Folder for the plaintext; default: beside the encrypted file. */
  outDir?: string;
}

export interface DecryptResult {
  /** The plaintext batch file written. */
  filePath: string;
  sha256: string;
  /** The manifest found beside the encrypted file, or null (then nothing could be checked). */
  manifestPath: string | null;
  /** True when the plaintext's sha256 equals the manifest's. */
  checked: boolean;
  batch: string | null;
  format: string | null;
  count: number | null;
  /** With --out elsewhere: the manifest copied beside the plaintext, so `batch merge` finds it. */
  manifestCopiedTo: string | null;
}

export async function decryptBatchFile(request: DecryptRequest): Promise<DecryptResult> {
  const source = resolve(request.file);
  if (!existsSync(source)) throw new Refusal('file-missing', `${source} does not exist`);
  const manifestPath = findManifest(source);
  const read = manifestPath ? readManifestFile(manifestPath) : null;
  const manifest: Manifest | null = read && 'manifest' in read ? read.manifest : null;

  const name = basename(source).endsWith(AGE_SUFFIX) ? basename(source).slice(0, -AGE_SUFFIX.length) : (manifest?.file ?? `${basename(source)}.decrypted`);
  const outDir = resolve(request.outDir ?? dirname(source));
  const target = join(outDir, name);
  if (existsSync(target)) throw new Refusal('file-exists', `${target} already exists; move it away or choose another --out folder. Nothing was written`);

  const plaintext = await decryptBatch(readFileSync(source), request.identities, { file: source, identityFile: request.identityFile });
  try {
    const sha256 = createHash('sha256').update(plaintext).digest('hex');
    if (manifest && manifest.sha256 !== sha256) {
      throw new Refusal(
        'sha256-mismatch',
        `${source} decrypts, but not to the batch its manifest ${basename(manifestPath!)} describes (sha256 ${sha256.slice(0, 12)}... vs ${manifest.sha256.slice(0, 12)}...): ` +
          'it was encrypted from another file. Nothing was written',
      );
    }
    mkdirSync(outDir, { recursive: true, mode: 0o700 });
    publishFile(target, plaintext, { exclusive: true });

    let manifestCopiedTo: string | null = null;
    if (manifestPath && dirname(manifestPath) !== outDir) {
      const copy = join(outDir, basename(manifestPath));
      if (!existsSync(copy)) {
        publishFile(copy, readFileSync(manifestPath), { exclusive: true, step: 'manifest' });
        manifestCopiedTo = copy;
      }
    }
    return {
      filePath: target,
      sha256,
      manifestPath,
      checked: manifest?.sha256 === sha256,
      batch: manifest?.batch ?? null,
      format: manifest?.format ?? null,
      count: manifest?.count ?? null,
      manifestCopiedTo,
    };
  } finally {
    plaintext.fill(0);
  }
}

/** `batch keygen`: a new age identity in a 0600 file that is never overwritten; returns its public key. */
export async function createIdentityFile(path: string): Promise<{ identityFile: string; recipient: string }> {
  const target = resolve(path);
  if (existsSync(target)) throw new Refusal('file-exists', `${target} already exists: an identity file is never overwritten (that would lose the key to earlier batches)`);
  const pair = await newKeyPair();
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  publishFile(target, Buffer.from(pair.fileText, 'utf8'), { exclusive: true });
  return { identityFile: target, recipient: pair.recipient };
}
