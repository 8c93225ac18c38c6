/**
 * Every spelling a seed could leak in, searched in raw bytes: the bytes themselves (and those bytes
 * read as latin1 then written as UTF-8, as a careless `toString('latin1')` would print them), hex in
 * both cases, Base32 with and without padding in both cases, Base64 with and without padding, and
 * Base64url. SecretWatch (secretLeaks.ts) adds the 16-character fragments of hex/Base32/Base64 on
 * top, for a seed that is cut or shifted; this file is the whole-value search over bytes.
 */
import { encodeBase32 } from '../../src/core/secretCodec.js';
import { SecretWatch } from './secretLeaks.js';

export interface SecretForm {
  name: string;
  bytes: Buffer;
}

export function secretForms(secret: Uint8Array): SecretForm[] {
  const raw = Buffer.from(secret);
  const base32 = encodeBase32(secret);
  const padded = base32.padEnd(Math.ceil(base32.length / 8) * 8, '=');
  const base64 = raw.toString('base64');
  const forms: Array<[string, string | Buffer]> = [
    ['raw bytes', raw],
    ['raw bytes as latin1 text in UTF-8', Buffer.from(raw.toString('latin1'), 'utf8')],
    ['hex', raw.toString('hex')],
    ['HEX', raw.toString('hex').toUpperCase()],
    ['Base32', base32],
    ['base32 (lower case)', base32.toLowerCase()],
    ['Base32 padded', padded],
    ['base32 padded (lower case)', padded.toLowerCase()],
    ['Base64', base64],
    ['Base64 unpadded', base64.replace(/=+$/, '')],
    ['Base64url', raw.toString('base64url')],
  ];
  // Printable as UTF-8 text (the RFC 6238 test seed is "12345678901234567890"): the raw form covers it.
  const unique = new Map<string, SecretForm>();
  for (const [name, value] of forms) {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    const key = bytes.toString('hex');
    if (!unique.has(key)) unique.set(key, { name, bytes });
  }
  return [...unique.values()];
}

export interface Leak {
  source: string;
  secret: string;
  form: string;
  /** A little context around the find, with the secret itself replaced. */
  context: string;
}

/** Whole-value forms of every secret in `haystack`, plus SecretWatch's fragments in its text. */
export class SeedScanner {
  private readonly watch: SecretWatch;
  private readonly forms: Array<{ label: string; form: SecretForm }>;

  constructor(secrets: Array<{ label: string; secret: Uint8Array }>) {
    this.watch = new SecretWatch(secrets.map((s) => s.secret));
    this.forms = secrets.flatMap((s) => secretForms(s.secret).map((form) => ({ label: s.label, form })));
  }

  scan(source: string, haystack: Buffer | string): Leak[] {
    const bytes = typeof haystack === 'string' ? Buffer.from(haystack, 'utf8') : haystack;
    const leaks: Leak[] = [];
    for (const { label, form } of this.forms) {
      const at = bytes.indexOf(form.bytes);
      if (at >= 0) leaks.push({ source, secret: label, form: form.name, context: around(bytes, at, form.bytes.length) });
    }
    for (const text of [bytes.toString('utf8'), bytes.toString('latin1')]) {
      const fragment = this.watch.leakIn(text);
      if (fragment !== null) {
        leaks.push({ source, secret: '?', form: '16-character fragment', context: around(Buffer.from(text, 'utf8'), Buffer.from(text, 'utf8').indexOf(fragment), fragment.length) });
        break;
      }
    }
    return leaks;
  }
}

/** Where a string of digits (a one-time code) stands alone: not inside a longer number. */
export function findCode(code: string, text: string): string | null {
  const match = new RegExp(`(?<![0-9])${code}(?![0-9])`).exec(text);
  if (!match) return null;
  return text.slice(Math.max(0, match.index - 40), match.index + code.length + 40).replace(code, '<CODE>');
}

function around(bytes: Buffer, at: number, length: number): string {
  const before = bytes.subarray(Math.max(0, at - 30), at).toString('latin1');
  const after = bytes.subarray(at + length, at + length + 30).toString('latin1');
  return `${before}<SECRET>${after}`.replace(/[^\x20-\x7e]/g, '.');
}
