/**
 * multiOTP's token CSV import, ported from its source (multiOTP/multiotp, multiotp.class.php
 * ImportTokensFromCsv, SetTokenSeed, IsValidAlgorithm, AssignTokenToUser) and its documentation
 * (README: "serial_number;manufacturer;algorithm;seed;digits;interval_or_event"):
 *
 * - each line is trimmed; ";" and "," become tabs; the line is split on tabs (no quoting);
 * - lines with fewer than 6 cells are ignored;
 * - the algorithm (lower-cased) must be one of motp, hotp, totp, yubicootp, without2fa, else the
 *   token is not imported ("algorithm not recognized");
 * - SetTokenSeed: a seed of hex digits only is kept as hex; else a valid Base32 seed is decoded;
 *   else the raw text is hex-encoded;
 * - the token id is the serial, lower-cased; the CSV sets no algo suite, so it is HMAC-SHA1.
 *
 * The assignment step runs `multiotp -assign-token USER TOKEN` per row of tokendesk's assignment
 * list; AssignTokenToUser replaces a user's earlier token.
 */
import { base32ToHex } from './targetRows.js';
import type { TargetToken } from './targetRows.js';

const VALID = '*motp*hotp*totp*yubicootp*without2fa*';

interface MultiotpToken {
  id: string;
  serial: string;
  manufacturer: string;
  algorithm: string;
  seedHex: string;
  digits: number;
  interval: number;
  suite: string;
}

export function parseMultiotpCsv(bytes: Uint8Array): { tokens: MultiotpToken[]; errors: string[] } {
  const tokens: MultiotpToken[] = [];
  const errors: string[] = [];
  for (const raw of new TextDecoder('utf-8', { fatal: true }).decode(bytes).split('\n')) {
    const line = raw.trim().replace(/;/g, '\t').replace(/,/g, '\t');
    const cells = line.split('\t');
    if (cells.length < 6) continue;
    const esn = cells[0]!.trim();
    const algorithm = cells[2]!.toLowerCase();
    const seed = cells[3]!;
    if (esn === '') errors.push("Error: A token doesn't have any serial number");
    else if (!VALID.includes(`*${algorithm}*`)) errors.push(`Error: The algorithm ${algorithm} is not recognized`);
    else {
      const seedHex = /^[0-9a-fA-F]+$/.test(seed) ? seed.toLowerCase() : (base32ToHex(seed.toUpperCase()) ?? Buffer.from(seed).toString('hex'));
      tokens.push({ id: esn.toLowerCase(), serial: esn, manufacturer: cells[1]!, algorithm, seedHex, digits: Number(cells[4]), interval: parseInt(cells[5]!, 10) || 0, suite: 'HMAC-SHA1' });
    }
  }
  return { tokens, errors };
}

export function readMultiotp(tokenFile: Uint8Array, assignmentList: Uint8Array): Array<TargetToken & { manufacturer: string }> {
  const { tokens, errors } = parseMultiotpCsv(tokenFile);
  if (errors.length > 0) throw new Error(`multiOTP: ${errors.join('; ')}`);
  const byId = new Map(tokens.map((t) => [t.id, t]));
  if (byId.size !== tokens.length) throw new Error('multiOTP: two tokens share an id');
  const tokenOfUser = new Map<string, string>();
  const lines = new TextDecoder('utf-8', { fatal: true }).decode(assignmentList).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.shift() !== 'serial,user') throw new Error('multiOTP assignments: no "serial,user" header');
  for (const line of lines) {
    const [serial, user, ...rest] = line.split(',');
    if (rest.length > 0 || !serial || !user) throw new Error(`multiOTP assignments: bad line ${line}`);
    if (!byId.has(serial.toLowerCase())) throw new Error(`multiOTP: -assign-token: no token ${serial}`);
    tokenOfUser.set(user, serial.toLowerCase()); // AssignTokenToUser replaces the user's token
  }
  const userOf = new Map([...tokenOfUser].map(([user, id]) => [id, user]));
  return tokens.map((t) => {
    const user = userOf.get(t.id);
    if (user === undefined) throw new Error(`multiOTP: token ${t.serial} ends up with nobody`);
    if (t.algorithm !== 'totp') throw new Error(`multiOTP: ${t.serial} is ${t.algorithm}`);
    return { serial: t.serial, seedHex: t.seedHex, algorithm: t.suite === 'HMAC-SHA1' ? 'sha1' : 'sha256', digits: t.digits, period: t.interval, user, manufacturer: t.manufacturer };
  });
}
