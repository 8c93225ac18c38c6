/**
 * decryptBatchFile: the upload admin's side of `export --encrypt-to`. An encrypted batch file
 * (`<file>.age`) becomes the plaintext batch file again (0600, atomic), checked against the
 * plaintext sha256 in its manifest when the manifest is beside it; nothing is written when the
 * identity is wrong, the file is damaged or the check fails. No database: this runs on the admin's
 * machine, which need not be a desk.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Refusal } from '../core/errors.js';
import { AGE_SUFFIX, decryptBatch } from './batchCrypto.js';
import { findManifest } from './batchMerge.js';
import { publishFile, sha256Hex } from './exportBatch.js';

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

interface ManifestFields {
  batch: string | null;
  format: string | null;
  count: number | null;
  file: string | null;
  sha256: string | null;
}

export async function decryptBatchFile(request: DecryptRequest): Promise<DecryptResult> {
  const source = resolve(request.file);
  if (!existsSync(source)) throw new Refusal('file-missing', `${source} does not exist`);
  const manifestPath = findManifest(source);
  const manifest = manifestPath ? readManifest(manifestPath) : null;

  const name = basename(source).endsWith(AGE_SUFFIX) ? basename(source).slice(0, -AGE_SUFFIX.length) : (manifest?.file ?? `${basename(source)}.decrypted`);
  const outDir = resolve(request.outDir ?? dirname(source));
  const target = join(outDir, name);
  if (existsSync(target)) throw new Refusal('file-exists', `${target} already exists; move it away or choose another --out folder. Nothing was written`);

  const plaintext = await decryptBatch(readFileSync(source), request.identities, { file: source, identityFile: request.identityFile });
  try {
    const sha256 = sha256Hex(plaintext);
    if (manifest?.sha256 && manifest.sha256 !== sha256) {
      throw new Refusal(
        'sha256-mismatch',
        `${source} decrypts, but not to the batch its manifest ${basename(manifestPath!)} describes (sha256 ${sha256.slice(0, 12)}... vs ${manifest.sha256.slice(0, 12)}...): ` +
          'it was encrypted from another file. Nothing was written',
      );
    }
    mkdirSync(outDir, { recursive: true, mode: 0o700 });
    publishFile(target, plaintext, { exclusive: true, written: [], step: 'file' });

    let manifestCopiedTo: string | null = null;
    if (manifestPath && dirname(manifestPath) !== outDir) {
      const copy = join(outDir, basename(manifestPath));
      if (!existsSync(copy)) {
        publishFile(copy, readFileSync(manifestPath), { exclusive: true, written: [], step: 'manifest' });
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

function readManifest(path: string): ManifestFields | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    const file = text(parsed.file);
    return {
      batch: text(parsed.batch),
      format: text(parsed.format),
      count: Number.isSafeInteger(parsed.count) ? (parsed.count as number) : null,
      file: file !== null && basename(file) === file ? file : null,
      sha256: typeof parsed.sha256 === 'string' && /^[0-9a-f]{64}$/.test(parsed.sha256) ? parsed.sha256 : null,
    };
  } catch {
    return null;
  }
}
