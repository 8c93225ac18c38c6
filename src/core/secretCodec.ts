/**
 * Secret encodings seen in seed files and batch files: RFC 4648 Base32 (Entra, Graph) and hex
 * (OATH CSV, some vendor CSVs). Decoders return null on bad input instead of throwing, so callers
 * can say which line was bad without the bad value ever reaching a message.
 */

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const BASE32_LOOKUP = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE32_ALPHABET.length; i++) {
  BASE32_LOOKUP[BASE32_ALPHABET.charCodeAt(i)] = i;
  BASE32_LOOKUP[BASE32_ALPHABET.toLowerCase().charCodeAt(i)] = i;
}

/** Upper case, no padding, no spaces: what Entra and Graph expect. */
export function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Lenient Base32 as Entra reads it: any case, spaces and dashes ignored, trailing '=' padding
 * tolerated. Returns null when a character is outside the alphabet or the length is impossible.
 */
export function decodeBase32(text: string): Uint8Array | null {
  const cleaned = text.replace(/[\s-]/g, '').replace(/=+$/, '');
  if (cleaned.length === 0) return null;
  // Lengths 1, 3 and 6 (mod 8) cannot come from whole bytes.
  const rem = cleaned.length % 8;
  if (rem === 1 || rem === 3 || rem === 6) return null;
  const out = new Uint8Array(Math.floor((cleaned.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (let i = 0; i < cleaned.length; i++) {
    const code = cleaned.charCodeAt(i);
    const value = code < 128 ? BASE32_LOOKUP[code]! : -1;
    if (value < 0) return null;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[index++] = (buffer >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

export function isBase32(text: string): boolean {
  return decodeBase32(text) !== null;
}

/** Hex with optional spaces or a 0x prefix; even length. Null when not hex. */
export function decodeHex(text: string): Uint8Array | null {
  const cleaned = text.replace(/\s/g, '').replace(/^0x/i, '');
  if (cleaned.length === 0 || cleaned.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(cleaned)) return null;
  return new Uint8Array(Buffer.from(cleaned, 'hex'));
}

export function encodeHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** RFC 4226 section 4, requirement R6: the shared secret is at least 128 bits. */
export const MIN_SEED_BYTES = 16;
/** HMAC-SHA-512's block size; no token vendor ships longer seeds, and a longer one is a broken file. */
export const MAX_SEED_BYTES = 64;

/**
 * Why a seed of this length cannot be handed out, or null. Short seeds pass only when the admin
 * allowed them explicitly (the import records that in the audit log).
 */
export function seedLengthProblem(length: number, allowShortSeeds = false): string | null {
  if (length === 0) return 'the secret is empty';
  if (length > MAX_SEED_BYTES) return `the secret is ${length} bytes; tokendesk takes at most ${MAX_SEED_BYTES}`;
  if (length < MIN_SEED_BYTES && !allowShortSeeds) {
    return (
      `the secret is ${length * 8} bits; RFC 4226 asks for at least ${MIN_SEED_BYTES * 8}. ` +
      'If the vendor confirms these tokens are right, import again with --allow-short-seeds'
    );
  }
  return null;
}
