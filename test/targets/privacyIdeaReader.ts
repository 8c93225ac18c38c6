/**
 * privacyIDEA's OATH CSV import, ported line for line from its source (privacyidea/privacyidea,
 * privacyidea/lib/importotp.py parseOATHcsv, TokenClass/TotpTokenClass.get_import_csv,
 * lib/token/lifecycle.py import_token, lib/user.py User and _get_resolvers):
 *
 * - the text is split on "\n"; line 0 is matched with ^#\s*version:\s*(\d+); "#" lines are skipped;
 *   each line is split on "," without quoting, and lines with one cell or none are skipped;
 * - version 2 pops username, resolver, realm (stripped) off the front;
 * - an empty serial skips the line; two cells mean HOTP; the type is lower-cased;
 * - the key is column 2 stripped; its length picks the hash: 64 hex digits sha256, 128 sha512,
 *   56 sha224, 96 sha384, anything else sha1 (privacyIDEA never reads a hash column);
 * - the OTP length is column 4 (else 6), a TOTP time step int(column 5) (else 30);
 * - the user: User(username, realm, resolver) lower-cases the realm; without a resolver it looks
 *   the login up in the realm's resolvers by priority; a user it cannot find stops the import.
 */
import { unhexlify } from './targetRows.js';
import type { TargetToken } from './targetRows.js';

/** The realms privacyIDEA knows: realm -> resolvers in priority order -> the logins each holds. */
export type Directory = Record<string, Array<{ resolver: string; logins: string[] }>>;

export interface PrivacyIdeaToken extends TargetToken {
  realm: string;
  resolver: string;
  type: string;
}

const HASH_BY_KEY_LENGTH: Record<number, string> = { 64: 'sha256', 128: 'sha512', 56: 'sha224', 96: 'sha384' };

export function readPrivacyIdeaOathCsv(bytes: Uint8Array, directory: Directory): PrivacyIdeaToken[] {
  const csv = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  const lines = csv.split('\n');
  const version = /^#\s*version:\s*(\d+)/.exec(lines[0] ?? '')?.[1] ?? '0';
  const tokens = new Map<string, PrivacyIdeaToken>();
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    const values = line.split(',');
    if (values.length <= 1) continue;
    const user = { username: '', resolver: '', realm: '' };
    if (version === '2') {
      user.username = values.shift()!.trim();
      user.resolver = values.shift()!.trim();
      user.realm = values.shift()!.trim();
    }
    const serial = values[0]!.trim();
    if (serial.length === 0) continue;
    if (values.length < 2) throw new Error(`privacyIDEA: the line for ${serial} has no key`);
    if (values.length === 2) values.push('hotp');
    const type = values[2]!.trim().toLowerCase();
    const key = values[1]!.trim();
    const hashlib = HASH_BY_KEY_LENGTH[key.length] ?? 'sha1';
    const otplen = values.length >= 4 ? values[3]!.trim() : '6';
    const timeStep = type === 'totp' ? (values.length >= 5 ? pythonInt(values[4]!.trim()) : 30) : 0;
    const seedHex = unhexlify(key);
    if (seedHex === null) throw new Error(`privacyIDEA: the key of ${serial} is not hex`);
    const found = version === '2' && user.username !== '' ? locate(user, directory) : { realm: '', resolver: '' };
    tokens.set(serial, {
      serial,
      seedHex,
      algorithm: hashlib as TargetToken['algorithm'],
      digits: Number(otplen),
      period: timeStep,
      user: user.username,
      realm: found.realm,
      resolver: found.resolver,
      type,
    });
  }
  return [...tokens.values()];
}

/** Python's int() on a stripped string: digits with an optional sign, else ValueError. */
function pythonInt(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`privacyIDEA: invalid literal for int(): '${text}'`);
  return Number(text);
}

function locate(user: { username: string; resolver: string; realm: string }, directory: Directory): { realm: string; resolver: string } {
  const realm = user.realm.toLowerCase();
  const resolvers = directory[realm] ?? [];
  if (user.resolver !== '') {
    const named = resolvers.find((r) => r.resolver === user.resolver) ?? Object.values(directory).flat().find((r) => r.resolver === user.resolver);
    if (named === undefined) throw new Error(`privacyIDEA: The resolver '${user.resolver}' does not exist!`);
    if (!named.logins.includes(user.username)) throw new Error(`privacyIDEA: user ${user.username} does not exist in resolver ${user.resolver}`);
    return { realm, resolver: user.resolver };
  }
  const holder = resolvers.find((r) => r.logins.includes(user.username));
  if (holder === undefined) throw new Error(`privacyIDEA: user ${user.username} does not exist in realm '${realm}'`);
  return { realm, resolver: holder.resolver };
}
