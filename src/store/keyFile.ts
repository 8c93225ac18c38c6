/**
 * The key file (HOME/tokendesk.key, mode 0600): where a home's 32-byte data key lives.
 *
 *   file mode (v1)        {format, version: 1, mode: 'file', dataKey, pendingDataKey?}
 *   passphrase mode (v2)  {format, version: 2, mode: 'passphrase',
 *                          kdf: {name: 'scrypt', N, r, p, salt}, wrappedKey, nonce, pending?: {wrappedKey, nonce}}
 *
 * In passphrase mode the data key is wrapped with AES-256-GCM under a key derived from the
 * passphrase by scrypt; the parameters travel in the file, so a faster machine later still reads
 * them. "pending" is the next data key while `tokendesk key rotate` runs (see services/keys.ts):
 * whichever of the two the database's key check matches is the one in use.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Refusal } from '../core/errors.js';
import { writeFileAtomic } from './atomicFile.js';
import type { HomePaths } from './home.js';

export type KeyMode = 'file' | 'passphrase';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export interface KdfParams extends ScryptParams {
  name: 'scrypt';
  /** base64, 16 random bytes. */
  salt: string;
}

export interface WrappedDataKey {
  /** base64: AES-256-GCM ciphertext of the data key followed by the 16-byte tag. */
  wrappedKey: string;
  /** base64, 12 bytes. */
  nonce: string;
}

export interface FileModeKeyFile {
  format: 'tokendesk-key';
  version: 1;
  mode: 'file';
  dataKey: string;
  pendingDataKey?: string;
}

export interface PassphraseKeyFile extends WrappedDataKey {
  format: 'tokendesk-key';
  version: 2;
  mode: 'passphrase';
  kdf: KdfParams;
  pending?: WrappedDataKey;
}

export type KeyFile = FileModeKeyFile | PassphraseKeyFile;

/** The data keys of a key file, in the clear, and in passphrase mode what is needed to wrap another. */
export interface UnlockedKey {
  mode: KeyMode;
  dataKey: Uint8Array;
  /** The next data key while a rotation is in progress. */
  pendingKey?: Uint8Array;
  /** Passphrase mode: the key derived from the passphrase (rotation wraps the new data key with it). */
  wrapping?: { kek: Buffer; kdf: KdfParams };
}

const WRAP_AAD = Buffer.from('tokendesk/data-key/v2', 'utf8');
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const SALT_BYTES = 16;

/** A passphrase shorter than this is refused: the scrypt cost only helps against a guess that takes many tries. */
export const MIN_PASSPHRASE_LENGTH = 8;

// ---- reading and writing --------------------------------------------------------------------

export function readKeyFile(paths: HomePaths): KeyFile {
  if (!existsSync(paths.keyFile)) {
    throw new Refusal(
      'key-missing',
      `the key file ${paths.keyFile} is missing: the seeds in this home cannot be read without it. ` +
        'Restore it from your backup (it was created by `tokendesk init`); nothing was changed',
    );
  }
  const mode = statSync(paths.keyFile).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new Refusal(
      'key-permissions',
      `the key file ${paths.keyFile} can be read by other users (mode ${mode.toString(8)}); run \`chmod 600 ${paths.keyFile}\``,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(paths.keyFile, 'utf8'));
  } catch {
    throw keyFileDamaged(paths);
  }
  const body = validKeyFile(parsed);
  if (!body) throw keyFileDamaged(paths);
  return body;
}

export function writeKeyFile(paths: HomePaths, body: KeyFile): void {
  writeFileAtomic(paths.keyFile, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
}

function keyFileDamaged(paths: HomePaths): Refusal {
  return new Refusal('key-unreadable', `the key file ${paths.keyFile} is damaged or not a tokendesk key file; restore it from your backup`);
}

const isBase64Of = (value: unknown, bytes: number): value is string =>
  typeof value === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === bytes;

function validWrapped(value: unknown): value is WrappedDataKey {
  const v = value as Partial<WrappedDataKey> | null;
  return typeof v === 'object' && v !== null && isBase64Of(v.wrappedKey, KEY_BYTES + TAG_BYTES) && isBase64Of(v.nonce, NONCE_BYTES);
}

/** Bounds on what a key file may ask of scrypt, so a tampered file cannot make an unlock take all memory. */
export function scryptParamsProblem(params: ScryptParams): string | null {
  const { N, r, p } = params;
  if (![N, r, p].every(Number.isSafeInteger)) return 'N, r and p must be whole numbers';
  if (N < 2 ** 10 || N > 2 ** 22 || (N & (N - 1)) !== 0) return 'N must be a power of two from 2^10 to 2^22';
  if (r < 1 || r > 32 || p < 1 || p > 64) return 'r must be 1 to 32 and p 1 to 64';
  if (128 * N * r > 1024 * 1024 * 1024) return 'N and r ask for more than 1 GiB of memory';
  return null;
}

function validKeyFile(value: unknown): KeyFile | null {
  const v = value as Record<string, unknown> | null;
  if (typeof v !== 'object' || v === null || v.format !== 'tokendesk-key') return null;
  if (v.version === 1 && (v.mode === 'file' || v.mode === undefined)) {
    if (!isBase64Of(v.dataKey, KEY_BYTES)) return null;
    if (v.pendingDataKey !== undefined && !isBase64Of(v.pendingDataKey, KEY_BYTES)) return null;
    return {
      format: 'tokendesk-key',
      version: 1,
      mode: 'file',
      dataKey: v.dataKey,
      ...(v.pendingDataKey !== undefined ? { pendingDataKey: v.pendingDataKey as string } : {}),
    };
  }
  if (v.version === 2 && v.mode === 'passphrase') {
    const kdf = v.kdf as Partial<KdfParams> | null;
    if (typeof kdf !== 'object' || kdf === null || kdf.name !== 'scrypt' || !isBase64Of(kdf.salt, SALT_BYTES)) return null;
    const params = { N: kdf.N as number, r: kdf.r as number, p: kdf.p as number };
    if (scryptParamsProblem(params) !== null) return null;
    if (!validWrapped(v)) return null;
    if (v.pending !== undefined && !validWrapped(v.pending)) return null;
    return {
      format: 'tokendesk-key',
      version: 2,
      mode: 'passphrase',
      kdf: { name: 'scrypt', ...params, salt: kdf.salt },
      wrappedKey: v.wrappedKey as string,
      nonce: v.nonce as string,
      ...(v.pending !== undefined ? { pending: v.pending as WrappedDataKey } : {}),
    };
  }
  return null;
}

// ---- building -------------------------------------------------------------------------------

export function newDataKey(): Uint8Array {
  return new Uint8Array(randomBytes(KEY_BYTES));
}

export function fileModeKeyFile(dataKey: Uint8Array, pendingKey?: Uint8Array): FileModeKeyFile {
  return {
    format: 'tokendesk-key',
    version: 1,
    mode: 'file',
    dataKey: Buffer.from(dataKey).toString('base64'),
    ...(pendingKey ? { pendingDataKey: Buffer.from(pendingKey).toString('base64') } : {}),
  };
}

export function passphraseKeyFile(wrapping: { kek: Buffer; kdf: KdfParams }, dataKey: Uint8Array, pendingKey?: Uint8Array): PassphraseKeyFile {
  return {
    format: 'tokendesk-key',
    version: 2,
    mode: 'passphrase',
    kdf: wrapping.kdf,
    ...wrapDataKey(wrapping.kek, dataKey),
    ...(pendingKey ? { pending: wrapDataKey(wrapping.kek, pendingKey) } : {}),
  };
}

/** The same key file in the same mode, holding `dataKey` and, while a rotation runs, `pendingKey`. */
export function keyFileFor(unlocked: Pick<UnlockedKey, 'mode' | 'wrapping'>, dataKey: Uint8Array, pendingKey?: Uint8Array): KeyFile {
  if (unlocked.mode === 'file') return fileModeKeyFile(dataKey, pendingKey);
  if (!unlocked.wrapping) throw new Error('a passphrase-mode key needs its wrapping key');
  return passphraseKeyFile(unlocked.wrapping, dataKey, pendingKey);
}

/** The pending key becomes the data key; no secret is needed (the wrapped bytes move as they are). */
export function finalisedKeyFile(body: KeyFile): KeyFile {
  if (body.mode === 'file') {
    if (!body.pendingDataKey) return body;
    return { format: body.format, version: 1, mode: 'file', dataKey: body.pendingDataKey };
  }
  if (!body.pending) return body;
  return { format: body.format, version: 2, mode: 'passphrase', kdf: body.kdf, ...body.pending };
}

export function withoutPending(body: KeyFile): KeyFile {
  if (body.mode === 'file') return { format: body.format, version: 1, mode: 'file', dataKey: body.dataKey };
  return { format: body.format, version: 2, mode: 'passphrase', kdf: body.kdf, wrappedKey: body.wrappedKey, nonce: body.nonce };
}

export function hasPending(body: KeyFile): boolean {
  return body.mode === 'file' ? body.pendingDataKey !== undefined : body.pending !== undefined;
}

// ---- wrapping -------------------------------------------------------------------------------

function wrapDataKey(kek: Buffer, dataKey: Uint8Array): WrappedDataKey {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, nonce);
  cipher.setAAD(WRAP_AAD);
  const body = Buffer.concat([cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
  return { wrappedKey: body.toString('base64'), nonce: nonce.toString('base64') };
}

/** The data key, or null when the kek is wrong (the tag does not verify). Never says more. */
function unwrapDataKey(kek: Buffer, wrapped: WrappedDataKey): Uint8Array | null {
  const bytes = Buffer.from(wrapped.wrappedKey, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(wrapped.nonce, 'base64'));
  decipher.setAAD(WRAP_AAD);
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    const key = Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]);
    return new Uint8Array(key);
  } catch {
    return null;
  }
}

/** File mode: the keys as stored. */
export function fileModeKeys(body: FileModeKeyFile): UnlockedKey {
  return {
    mode: 'file',
    dataKey: new Uint8Array(Buffer.from(body.dataKey, 'base64')),
    ...(body.pendingDataKey ? { pendingKey: new Uint8Array(Buffer.from(body.pendingDataKey, 'base64')) } : {}),
  };
}

/** Passphrase mode: the keys, or null when `kek` (from the passphrase) is not the right one. */
export function unwrapKeys(body: PassphraseKeyFile, kek: Buffer): UnlockedKey | null {
  const dataKey = unwrapDataKey(kek, body);
  if (!dataKey) return null;
  const pendingKey = body.pending ? unwrapDataKey(kek, body.pending) : null;
  return { mode: 'passphrase', dataKey, ...(pendingKey ? { pendingKey } : {}), wrapping: { kek, kdf: body.kdf } };
}

/** The keys of any key file, given what unlocked it before (the kek, in passphrase mode). */
export function keysOf(body: KeyFile, wrapping?: { kek: Buffer }): UnlockedKey | null {
  if (body.mode === 'file') return fileModeKeys(body);
  return wrapping ? unwrapKeys(body, wrapping.kek) : null;
}

export function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

// ---- scrypt ---------------------------------------------------------------------------------

function scryptOptions(params: ScryptParams) {
  return { N: params.N, r: params.r, p: params.p, maxmem: 128 * params.N * params.r * 2 + 16 * 1024 * 1024 };
}

/** Passphrases compare as typed on any keyboard: NFKC, as PINs do. */
const normalised = (passphrase: string) => passphrase.normalize('NFKC');

export function deriveKekSync(passphrase: string, kdf: KdfParams): Buffer {
  return scryptSync(normalised(passphrase), Buffer.from(kdf.salt, 'base64'), KEY_BYTES, scryptOptions(kdf));
}

/** On libuv's thread pool: the kiosk keeps drawing while the key is derived. */
export function deriveKek(passphrase: string, kdf: KdfParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(normalised(passphrase), Buffer.from(kdf.salt, 'base64'), KEY_BYTES, scryptOptions(kdf), (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

export function newKdf(params: ScryptParams): KdfParams {
  const problem = scryptParamsProblem(params);
  if (problem) throw new Error(`bad scrypt parameters: ${problem}`);
  return { name: 'scrypt', N: params.N, r: params.r, p: params.p, salt: randomBytes(SALT_BYTES).toString('base64') };
}

/** Memory one derivation may use on a desk PC; beyond it the time is bought with p instead of N. */
const SCRYPT_MEMORY_BUDGET = 256 * 1024 * 1024;
export const UNLOCK_TARGET_MS = 500;

/**
 * scrypt parameters that take about `targetMs` on this machine. scrypt's time grows with N * r * p:
 * N is the largest power of two (at least 2^15) that fits the target at r = 8, r (8 to 32) then
 * fills the gap a power of two leaves, within the memory budget (128 * N * r bytes), and p is
 * raised only past that budget. Costs about a quarter of a second.
 */
export function calibrateScrypt(targetMs = UNLOCK_TARGET_MS): ScryptParams {
  const probe = { N: 2 ** 14, r: 8, p: 1 };
  const salt = randomBytes(SALT_BYTES);
  scryptSync('warm-up', salt, KEY_BYTES, scryptOptions({ N: 2 ** 10, r: 8, p: 1 }));
  let probeMs = Infinity;
  for (let i = 0; i < 2; i++) {
    const start = performance.now();
    scryptSync('calibration', salt, KEY_BYTES, scryptOptions(probe));
    probeMs = Math.min(probeMs, performance.now() - start);
  }
  // Work units of N * r * p that fit the target.
  const units = targetMs / (Math.max(probeMs, 0.01) / (probe.N * probe.r));
  const maxN = 2 ** Math.floor(Math.log2(SCRYPT_MEMORY_BUDGET / (128 * 8)));
  const N = Math.min(maxN, Math.max(2 ** 15, 2 ** Math.floor(Math.log2(units / 8))));
  const maxR = Math.min(32, Math.floor(SCRYPT_MEMORY_BUDGET / (128 * N)));
  const r = Math.min(maxR, Math.max(8, Math.round(units / N)));
  const p = Math.max(1, Math.min(64, Math.round(units / (N * r))));
  return { N, r, p };
}

export function passphraseProblem(passphrase: string): string | null {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    return `a passphrase has at least ${MIN_PASSPHRASE_LENGTH} characters (a few unrelated words are easy to type and hard to guess)`;
  }
  if (/[\r\n]/.test(passphrase)) return 'a passphrase is one line';
  return null;
}
