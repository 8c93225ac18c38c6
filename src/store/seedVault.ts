/**
 * Seeds at rest: AES-256-GCM with a random 96-bit nonce per row and the serial as associated data,
 * so a sealed secret moved to another token's row fails to open instead of minting that token's
 * codes. Layout of a sealed value: nonce (12) || ciphertext || tag (16).
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { Refusal } from '../core/errors.js';
import { SealPool } from './sealPool.js';
import { sealSeed } from './sealSeed.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const AAD_PREFIX = 'tokendesk/seed/v1/'; // also spelled out in sealSeed.ts (see there)
/** Nonces are drawn from the CSPRNG in blocks: one syscall per 1,024 rows instead of per row. */
const NONCE_BLOCK = 1024;

export class SeedVault {
  readonly #key: KeyObject;
  #nonces = Buffer.alloc(0);
  #nextNonce = 0;

  constructor(dataKey: Uint8Array) {
    if (dataKey.byteLength !== 32) throw new Error('the data key must be 32 bytes');
    this.#key = createSecretKey(dataKey);
  }

  seal(serial: string, secret: Uint8Array): Buffer {
    return sealSeed(createCipheriv, this.#key, this.#freshNonce(), serial, secret);
  }

  /** A worker that seals in bulk with this vault's key (close it when done). */
  sealPool(): SealPool {
    return new SealPool(this.#key.export());
  }

  open(serial: string, sealed: Uint8Array): Uint8Array {
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (bytes.length < NONCE_BYTES + TAG_BYTES) throw sealedDamaged(serial);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(AAD_PREFIX + serial, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    try {
      const body = decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES));
      decipher.final();
      return new Uint8Array(body);
    } catch {
      throw sealedDamaged(serial);
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
    return this.seal('key-check', Buffer.from('tokendesk key check')).toString('base64');
  }

  matchesKeyCheck(check: string): boolean {
    try {
      this.open('key-check', Buffer.from(check, 'base64'));
      return true;
    } catch {
      return false;
    }
  }
}

function sealedDamaged(serial: string): Refusal {
  return new Refusal(
    'seed-unreadable',
    `the stored seed of token ${serial} cannot be decrypted with this home's key (damaged row, or a row copied from another home)`,
  );
}
