/**
 * The cryptography PSKC (RFC 6030 section 6) uses to protect secrets in transit, on node:crypto:
 * AES-CBC with the IV in front of the ciphertext, AES key wrap (RFC 3394, and RFC 5649 with
 * padding for secrets that are not a multiple of 8 bytes), PBKDF2 for password-based keys, and the
 * HMAC over each encrypted value (ValueMAC), compared in constant time.
 *
 * Algorithms are named in the file by URI; we match the fragment after "#" because vendors mix the
 * xmlenc, xmlenc11 and xmldsig-more namespaces for the same algorithm.
 */
import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';

export type Digest = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

export interface CipherAlgorithm {
  mode: 'cbc' | 'kw';
  keyBytes: 16 | 24 | 32;
  /** For messages: "AES-128-CBC", "AES-256 key wrap". */
  label: string;
}

/** Decryption failed: wrong key, damaged ciphertext. Carries no data. */
export class DecryptionFailed extends Error {
  constructor(readonly why: 'bad-key' | 'malformed') {
    super(why === 'bad-key' ? 'decryption failed' : 'malformed ciphertext');
    this.name = 'DecryptionFailed';
  }
}

function fragment(uri: string): string {
  const hash = uri.lastIndexOf('#');
  return (hash === -1 ? uri : uri.slice(hash + 1)).trim().toLowerCase();
}

/** The cipher a URI names, or null when tokendesk does not support it. */
export function cipherAlgorithm(uri: string): CipherAlgorithm | null {
  const name = fragment(uri);
  const cbc = /^aes(128|192|256)-cbc$/.exec(name);
  if (cbc) return { mode: 'cbc', keyBytes: (Number(cbc[1]) / 8) as 16 | 24 | 32, label: `AES-${cbc[1]}-CBC` };
  const kw = /^kw-aes-?(128|192|256)(-pad)?$/.exec(name);
  if (kw) return { mode: 'kw', keyBytes: (Number(kw[1]) / 8) as 16 | 24 | 32, label: `AES-${kw[1]} key wrap` };
  return null;
}

/** RSA (key transport to a certificate) is named apart: the refusal says what to ask the vendor for. */
export function isRsaAlgorithm(uri: string): boolean {
  return /rsa/i.test(fragment(uri));
}

/** The digest of an HMAC algorithm URI ("...#hmac-sha256"), or null. */
export function hmacDigest(uri: string | undefined): Digest | null {
  if (uri === undefined) return null;
  const match = /^hmac-?(?:with)?-?sha-?(1|224|256|384|512)$/.exec(fragment(uri));
  return match ? (`sha${match[1]}` as Digest) : null;
}

const KW_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');
const KW_PAD_IV = Buffer.from('A65959A6', 'hex');

export function decrypt(algorithm: CipherAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  if (key.byteLength !== algorithm.keyBytes) throw new DecryptionFailed('bad-key');
  const bits = algorithm.keyBytes * 8;
  if (algorithm.mode === 'cbc') {
    // IV (one block) + at least one block, whole blocks only.
    if (data.byteLength < 32 || data.byteLength % 16 !== 0) throw new DecryptionFailed('malformed');
    try {
      const decipher = createDecipheriv(`aes-${bits}-cbc`, key, data.subarray(0, 16));
      return new Uint8Array(Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]));
    } catch {
      throw new DecryptionFailed('bad-key');
    }
  }
  if (data.byteLength < 16 || data.byteLength % 8 !== 0) throw new DecryptionFailed('malformed');
  // RFC 3394 for whole 8-byte blocks; RFC 5649 (its padded variant) for a 20-byte HOTP/TOTP seed.
  // Each checks its own integrity value, so a wrong key fails both.
  for (const [cipher, iv] of [
    [`id-aes${bits}-wrap`, KW_IV],
    [`id-aes${bits}-wrap-pad`, KW_PAD_IV],
  ] as const) {
    try {
      const decipher = createDecipheriv(cipher, key, iv);
      return new Uint8Array(Buffer.concat([decipher.update(data), decipher.final()]));
    } catch {
      // try the next variant
    }
  }
  throw new DecryptionFailed('bad-key');
}

export function hmac(digest: Digest, key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(digest, key).update(data).digest());
}

/** Constant-time comparison of a computed MAC with the one in the file. */
export function macMatches(digest: Digest, key: Uint8Array, data: Uint8Array, expected: Uint8Array): boolean {
  const actual = hmac(digest, key, data);
  if (actual.byteLength !== expected.byteLength) return false;
  return timingSafeEqual(actual, expected);
}

export function pbkdf2(password: string, salt: Uint8Array, iterations: number, keyLength: number, digest: Digest): Uint8Array {
  return new Uint8Array(pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, keyLength, digest));
}

/** xs:base64Binary as PSKC writes it (line breaks and spaces allowed), or null when it is not. */
export function decodeBase64(text: string): Uint8Array | null {
  const cleaned = text.replace(/\s+/g, '');
  if (cleaned.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(cleaned)) return null;
  return new Uint8Array(Buffer.from(cleaned, 'base64'));
}
