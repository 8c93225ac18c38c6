/**
 * LinOTP's OATH CSV import, ported from its source (LinOTP/LinOTP, linotp/lib/ImportOTP/oath.py
 * parseOATHcsv and controllers/admin.py loadtokens), and its assignment step (admin.py assign):
 *
 * - the text is split on "\n", each line on ","; cells are stripped and padded to 8;
 * - an empty first cell skips the line; a first cell of exactly "#" skips it (the only comment);
 * - an empty key skips the line; type "hotp" or "" becomes "hmac";
 * - the OTP length is int(column 4) when given (else 6): a word there crashes the import;
 * - a TOTP time step is int(column 5), 30 when that is not a number;
 * - the hash is column 6 when it is sha1/sha256/sha512, else 128 hex digits sha512, 64 sha256, else sha1.
 *
 * The assignment step calls POST /admin/assign with serial, user and realm for each token; here it
 * reads tokendesk's assignment list (comment lines, a "serial,user,realm" header, one row each).
 */
import { unhexlify } from './targetRows.js';
import type { TargetToken } from './targetRows.js';

interface LinotpToken {
  serial: string;
  type: string;
  hmacKey: string;
  otplen: number;
  timeStep?: number;
  hashlib: string;
}

function pythonInt(text: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(text)) throw new Error(`LinOTP: ValueError: invalid literal for int() with base 10: '${text}'`);
  return Number(text);
}

export function parseLinotpOathCsv(bytes: Uint8Array): LinotpToken[] {
  const tokens = new Map<string, LinotpToken>();
  for (const csvLine of new TextDecoder('utf-8', { fatal: true }).decode(bytes).split('\n')) {
    const line = csvLine.split(',').map((x) => x.trim());
    while (line.length < 8) line.push('');
    const serial = line[0]!;
    if (!serial || serial === '#') continue;
    const key = line[1]!;
    if (!key) continue;
    let type = line[2]!.toLowerCase();
    if (type === 'hotp' || type === '') type = 'hmac';
    const otplen = line[3] ? pythonInt(line[3]) : 6;
    let timeStep: number | undefined;
    if (type === 'totp') {
      try {
        timeStep = pythonInt(line[4]!);
      } catch {
        timeStep = 30;
      }
    }
    const hint = line[5]!.toLowerCase();
    const hashlib = ['sha1', 'sha256', 'sha512'].includes(hint) ? hint : key.length === 128 ? 'sha512' : key.length === 64 ? 'sha256' : 'sha1';
    tokens.set(serial, { serial, type, hmacKey: key, otplen, ...(timeStep !== undefined ? { timeStep } : {}), hashlib });
  }
  return [...tokens.values()];
}

/** Import, then assign each token as the list says; every token must end up with its user. */
export function readLinotp(tokenFile: Uint8Array, assignmentList: Uint8Array): Array<TargetToken & { realm: string }> {
  const tokens = new Map(parseLinotpOathCsv(tokenFile).map((t) => [t.serial, t]));
  const owners = new Map<string, { user: string; realm: string }>();
  const lines = new TextDecoder('utf-8', { fatal: true }).decode(assignmentList).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.shift() !== 'serial,user,realm') throw new Error('LinOTP assignments: no "serial,user,realm" header');
  for (const line of lines) {
    const [serial, user, realm, ...rest] = line.split(',');
    if (rest.length > 0 || !serial || !user || realm === undefined) throw new Error(`LinOTP assignments: bad line ${line}`);
    if (!tokens.has(serial)) throw new Error(`LinOTP: assign: no token with serial ${serial}`);
    owners.set(serial, { user, realm });
  }
  return [...tokens.values()].map((t) => {
    if (t.type !== 'totp') throw new Error(`LinOTP: ${t.serial} was imported as ${t.type}`);
    const seedHex = unhexlify(t.hmacKey);
    if (seedHex === null) throw new Error(`LinOTP: the key of ${t.serial} is not hex`);
    const owner = owners.get(t.serial);
    if (owner === undefined) throw new Error(`LinOTP: nobody is assigned ${t.serial}`);
    return { serial: t.serial, seedHex, algorithm: t.hashlib as TargetToken['algorithm'], digits: t.otplen, period: t.timeStep!, user: owner.user, realm: owner.realm };
  });
}
