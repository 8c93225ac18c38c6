/**
 * Seeds at rest: AES-256-GCM with a random 96-bit nonce per row and the serial as associated data,
 * so a sealed secret moved to another token's row fails to open instead of minting that token's
 * codes. Layout of a sealed value: nonce (12) || ciphertext || tag (16).
 *
 * The vault also holds what else the data key protects: the key check (does a key file belong to
 * this database?), small sealed notes in `meta` (the audit key record) and the key the audit trail
 * is authenticated with (derived, so the data key itself never signs anything).
 *
 * A vault can be given a key watch (store/keyWatch.ts): when a seed does not open, it asks whether
 * the home's key was rotated by another process since this one opened it, and either takes the new
 * key (then tries once more) or refuses with "restart". Only a seed that still does not open under
 * the home's current key is called damaged.
 */
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { Refusal } from '../core/errors.js';
import { SealPool } from './sealPool.js';
import { sealSeed } from './sealSeed.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const AAD_PREFIX = 'tokendesk/seed/v1/'; // also spelled out in sealSeed.ts (see there)
/** Sealed notes get their own associated-data space: no serial can make a seed open as a note. */
const NOTE_AAD_PREFIX = 'tokendesk/meta/v1/';
/** Nonces are drawn from the CSPRNG in blocks: one syscall per 1,024 rows instead of per row. */
const NONCE_BLOCK = 1024;

/** Plaintext of the key check. v2 also says "this home's audit trail is keyed" (see auditKeying.ts). */
const KEY_CHECK_V1 = 'tokendesk key check';
const KEY_CHECK_V2 = 'tokendesk key check/v2 keyed-audit';

/** What the vault asks when a seed does not open: true when it now holds a newer key (try again). */
export type KeyWatch = () => boolean;

export class SeedVault {
  #key: KeyObject;
  #auditKey: Buffer;
  #nonces = Buffer.alloc(0);
  #nextNonce = 0;
  #watch: KeyWatch | undefined;
  /** Bumped by every rekey: work sealed under generation g is stale once this moved on. */
  generation = 0;

  constructor(dataKey: Uint8Array) {
    if (dataKey.byteLength !== 32) throw new Error('the data key must be 32 bytes');
    this.#key = createSecretKey(dataKey);
    this.#auditKey = auditKeyOf(dataKey);
  }

  /** Takes another data key (a rotation by this process, or a reload after another's). */
  rekey(dataKey: Uint8Array): void {
    if (dataKey.byteLength !== 32) throw new Error('the data key must be 32 bytes');
    this.#key = createSecretKey(dataKey);
    this.#auditKey = auditKeyOf(dataKey);
    this.generation++;
  }

  watchKey(watch: KeyWatch): void {
    this.#watch = watch;
  }

  seal(serial: string, secret: Uint8Array): Buffer {
    return sealSeed(createCipheriv, this.#key, this.#freshNonce(), serial, secret);
  }

  /** A worker that seals in bulk with this vault's key (close it when done). */
  sealPool(): SealPool {
    return new SealPool(this.#key.export());
  }

  open(serial: string, sealed: Uint8Array): Uint8Array {
    const opened = this.#tryOpen(AAD_PREFIX + serial, sealed);
    if (opened) return opened;
    // Rotated elsewhere since this process opened the home? The watch reloads or refuses.
    if (this.#watch?.()) {
      const again = this.#tryOpen(AAD_PREFIX + serial, sealed);
      if (again) return again;
    }
    throw sealedDamaged(serial);
  }

  /** A small value kept in `meta` under this key (the audit key record). */
  sealNote(name: string, body: Uint8Array): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(Buffer.from(NOTE_AAD_PREFIX + name, 'utf8'));
    return Buffer.concat([nonce, cipher.update(body), cipher.final(), cipher.getAuthTag()]).toString('base64');
  }

  /** The note, or null when it was not sealed under this key as `name` (edited, swapped, other home). */
  openNote(name: string, sealed: string): Uint8Array | null {
    return this.#tryOpen(NOTE_AAD_PREFIX + name, Buffer.from(sealed, 'base64'));
  }

  /** The HMAC key of the audit trail entries written under this data key. */
  auditKey(): Buffer {
    return this.#auditKey;
  }

  #tryOpen(aad: string, sealed: Uint8Array): Uint8Array | null {
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (bytes.length < NONCE_BYTES + TAG_BYTES) return null;
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    try {
      const body = decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES));
      decipher.final();
      return new Uint8Array(body);
    } catch {
      return null;
    }
  }

  #freshNonce(): Buffer {
    if (this.#nextNonce >= this.#nonces.length) {
      this.#nonces = randomBytes(NONCE_BYTES * NONCE_BLOCK);
      this.#nextNonce = 0;
    }
    const nonce = this.#nonces.subarray(this.#nextNonce, this.#nextNonce + NONCE_BYTES);
    this.#nextNonce += NONCE_BYTES;
    return nonce;
  }

  /** A value sealed with this key that proves, later, that a key file belongs to this database. */
  keyCheck(): string {
    return this.seal('key-check', Buffer.from(KEY_CHECK_V2)).toString('base64');
  }

  matchesKeyCheck(check: string): boolean {
    return this.keyCheckVersion(check) !== null;
  }

  /**
   * 2: written since the audit trail is keyed; 1: an older home (its trail is keyed at the next
   * open); null: not this key. A v1 check cannot be made without the key, so nobody can turn a
   * keyed home back into an "older" one except by restoring an old copy of the database.
   */
  keyCheckVersion(check: string): 1 | 2 | null {
    const body = this.#tryOpen(AAD_PREFIX + 'key-check', Buffer.from(check, 'base64'));
    if (!body) return null;
    // The plaintext is compared too: a seed of a token whose serial is "key-check" is no key check.
    const text = Buffer.from(body).toString('utf8');
    return text === KEY_CHECK_V2 ? 2 : text === KEY_CHECK_V1 ? 1 : null;
  }
}

/** HKDF-SHA256 of the data key: a key that only authenticates audit entries. */
function auditKeyOf(dataKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'tokendesk/audit-mac/v1', 32));
}

function sealedDamaged(serial: string): Refusal {
  return new Refusal(
    'seed-unreadable',
    `the stored seed of token ${serial} cannot be decrypted with this home's key (damaged row, or a row copied from another home)`,
  );
}
