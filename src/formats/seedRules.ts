/**
 * Rules every importer applies to a row or key the same way: serials, duplicate serials, reading
 * a secret, and warnings that are counted once per file instead of once per row.
 * Messages here never contain a secret, not even a bad one.
 */
import { nameProblem, normaliseSerial, serialProblem } from '../core/identity.js';
import { decodeBase32, decodeHex, MAX_SEED_BYTES, seedLengthProblem } from '../core/secretCodec.js';
import { SeedFileError } from './types.js';
import type { HashAlgorithm, ParseOptions, ParseWarning, SeedFormat, Where } from './types.js';

/** "line 12" or "key 7", for messages. */
export function describeWhere(where: Where): string {
  if (where.line !== undefined && where.keyId !== undefined) return `key ${where.keyId} (line ${where.line})`;
  if (where.line !== undefined) return `line ${where.line}`;
  if (where.keyId !== undefined) return `key ${where.keyId}`;
  return 'an unknown place';
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Why a row is rejected for repeating a serial, in each format's words (parsers and the streaming import alike). */
export function repeatedSerialReason(format: SeedFormat, serial: string, first: Where): string {
  if (format === 'graph-json') return `serial ${serial} already appears as element ${first.keyId}`;
  if (format === 'pskc') return `serial ${serial} already appears at ${describeWhere(first)}`;
  return `serial ${serial} already appears on ${describeWhere(first)}`;
}

/** A serial as tokendesk stores it, or why it cannot be one. */
export function checkSerial(raw: string | undefined): Checked<string> {
  const serial = normaliseSerial(raw ?? '');
  if (serial.length === 0) return { ok: false, problem: 'the serial number is missing' };
  const problem = serialProblem(serial);
  if (problem !== null) return { ok: false, problem };
  if (couldBeSecret(serial)) {
    // Reported without the serial: with a column shifted, the serial cell holds the seed.
    return { ok: false, problem: `the serial is ${serial.length} characters of hex or Base32, like a secret: the columns may be shifted` };
  }
  return { ok: true, value: serial };
}

/**
 * A value shaped like a seed of 128 bits or more (26+ Base32 or 32+ hex characters). No vendor
 * serial we know is that long; a serial cell holding one means the columns are shifted.
 */
export function couldBeSecret(text: string): boolean {
  return (text.length >= 32 && /^[0-9A-Fa-f]+$/.test(text)) || (text.length >= 26 && /^[A-Za-z2-7]+$/.test(text));
}

/**
 * Remembers where each serial was first seen, to reject a second occurrence in the same file.
 * Kept lean, as it holds one entry per token of the file (a million-row import): a line alone is
 * kept as a number, and the serial is copied out of the chunk of text it was cut from (V8 keeps a
 * substring of 13+ characters as a slice of its parent, which would keep the whole file's text).
 */
export class SerialsSeen {
  private readonly first = new Map<string, Where | number>();
  /** The caller checks the file's serials itself (ParseOptions.duplicates): nothing is kept here. */
  private readonly byCaller: boolean;

  constructor(options: Pick<ParseOptions, 'duplicates'> = {}) {
    this.byCaller = options.duplicates === 'caller';
  }

  /** Where the serial was first seen, or undefined (and remembers `where`) when it is new. */
  earlier(serial: string, where: Where): Where | undefined {
    if (this.byCaller) return undefined;
    const seen = this.first.get(serial);
    if (seen !== undefined) return typeof seen === 'number' ? { line: seen } : seen;
    const key = serial.length >= 13 ? Buffer.from(serial, 'utf8').toString('utf8') : serial;
    this.first.set(key, where.keyId === undefined && where.line !== undefined ? where.line : { ...where });
    return undefined;
  }
}

export type SecretEncoding = 'auto' | 'base32' | 'hex';

export interface ReadSecret {
  secret: Uint8Array;
  readAs: 'base32' | 'hex';
}

/**
 * A secret from a text cell. `auto` means Base32 as Entra reads it, and hex when the value is not
 * Base32 but is hex (the caller warns). A value that is both (only A-F and 2-7) stays Base32.
 */
export function readSecret(text: string, encoding: SecretEncoding): Checked<ReadSecret> {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { ok: false, problem: 'the secret key is missing' };
  // Hex of the longest seed, with room for spaces: anything longer is refused before decoding it.
  if (trimmed.length > MAX_SEED_BYTES * 4) return { ok: false, problem: `the secret key is longer than ${MAX_SEED_BYTES} bytes can be` };
  const asBase32 = () => {
    const secret = decodeBase32(trimmed);
    return secret ? { ok: true as const, value: { secret, readAs: 'base32' as const } } : null;
  };
  const asHex = () => {
    const secret = decodeHex(trimmed);
    return secret ? { ok: true as const, value: { secret, readAs: 'hex' as const } } : null;
  };
  if (encoding === 'base32') return asBase32() ?? { ok: false, problem: 'the secret key is not valid Base32 (A-Z, 2-7)' };
  if (encoding === 'hex') return asHex() ?? { ok: false, problem: hexProblem(trimmed) };
  return asBase32() ?? asHex() ?? { ok: false, problem: autoProblem(trimmed) };
}

function autoProblem(text: string): string {
  const cleaned = text.replace(/\s/g, '').replace(/^0x/i, '');
  if (/^[0-9a-fA-F]+$/.test(cleaned) && cleaned.length % 2 === 1) return 'the secret key is not Base32, and as hex it has an odd number of digits';
  return 'the secret key is neither valid Base32 nor hex';
}

function hexProblem(text: string): string {
  const cleaned = text.replace(/\s/g, '').replace(/^0x/i, '');
  if (/^[0-9a-fA-F]*$/.test(cleaned) && cleaned.length % 2 === 1) return 'the hex secret has an odd number of digits';
  return 'the secret key is not valid hex (0-9, a-f)';
}

/** A decoded secret's length checked against RFC 4226's floor and tokendesk's ceiling. */
export function checkSeedLength(secret: Uint8Array, options: Pick<ParseOptions, 'allowShortSeeds'>): string | null {
  return seedLengthProblem(secret.byteLength, options.allowShortSeeds ?? false);
}

/** Why a name field (manufacturer, model) cannot be kept, as "the <label> ...", or null. */
export function checkName(label: string, text: string): string | null {
  const problem = nameProblem(text);
  return problem === null ? null : `the ${label} ${problem.replace(/^it (has|is|starts)/, '$1')}`;
}

/**
 * Manufacturer and model for rows whose file leaves them empty (--manufacturer/--model), checked
 * once per file: a bad option refuses the file before any row is read.
 */
export function defaultNames(options: ParseOptions): { manufacturer: string; model: string } {
  const manufacturer = (options.manufacturer ?? '').trim();
  const model = (options.model ?? '').trim();
  for (const [label, value] of [['--manufacturer', manufacturer], ['--model', model]] as const) {
    const problem = nameProblem(value);
    if (problem !== null) throw new SeedFileError(`The ${label} value cannot be used: ${problem}.`);
  }
  return { manufacturer, model };
}

/** The hash a secret's length suggests, when it is not SHA-1's 20 bytes. */
export function hashSuggestedByLength(length: number): HashAlgorithm | null {
  if (length === 32) return 'SHA256';
  if (length === 64) return 'SHA512';
  return null;
}

/**
 * Counts a kind of warning and keeps the first place it happened, so a 100,000-row file with hex
 * secrets gives one warning, not 100,000.
 */
export class WarningTally {
  private readonly entries = new Map<string, { count: number; first: Where; message: (count: number, first: Where) => string }>();

  note(key: string, where: Where, message: (count: number, first: Where) => string): void {
    const entry = this.entries.get(key);
    if (entry) entry.count++;
    else this.entries.set(key, { count: 1, first: where, message });
  }

  flushInto(warnings: ParseWarning[]): void {
    for (const { count, first, message } of this.entries.values()) warnings.push({ where: first, message: message(count, first) });
    this.entries.clear();
  }
}

/** Note secrets whose length suggests a stronger hash than the one they will be read with. */
export function noteHashLength(tally: WarningTally, secret: Uint8Array, algorithm: HashAlgorithm, where: Where): void {
  const suggested = hashSuggestedByLength(secret.byteLength);
  if (suggested === null || suggested === algorithm || algorithm !== 'SHA1') return;
  tally.note(`length-${suggested}`, where, (count, first) => {
    const name = suggested === 'SHA256' ? 'SHA-256' : 'SHA-512';
    return (
      `${count} secret(s) are ${secret.byteLength} bytes long, the usual length for ${name}, but are read as SHA-1 ` +
      `(first: ${describeWhere(first)}). If the vendor says these tokens use ${name}, import again with --hash ${suggested}.`
    );
  });
}

/** Control characters in a name field (manufacturer, model, UPN) usually mean a broken file. */
export function hasControlCharacters(text: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(text);
}
