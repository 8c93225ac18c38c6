/**
 * OATH CSV as privacyIDEA (and LinOTP before it) imports it:
 *
 *   <serial>, <hex seed>, <type>, <otp length>, <time step>[, sha1|sha256|sha512]
 *
 * and, when the first line is "# version: 2", three user columns in front:
 *
 *   # version: 2
 *   <username>, <resolver>, <realm>, <serial>, <hex seed>, <type>, <otp length>, <time step>
 *
 * Source: privacyIDEA's manual, doc/workflows_and_tools/import/index.rst ("Import format version
 * 2": "The file format needs to start with the first line # version: 2 and the first three colums
 * will be the user"), and its parser privacyidea/lib/importotp.py parseOATHcsv() (the version is
 * matched on line 1 with ^#\s*version:\s*(\d+); "#" lines are skipped; a row with only serial and
 * seed is HOTP; TOTP's time step defaults to 30, the OTP length to 6). privacyIDEA has no hash
 * column: TokenClass.get_import_csv() infers it from the seed length (64 hex digits SHA-256, 128
 * SHA-512, else SHA-1). We read an optional trailing hash column, and otherwise infer as it does.
 * privacyIDEA splits lines on commas without quoting; we read RFC 4180, a superset for such files.
 */
import { formulaProblem, normaliseUpn, serialProblem, upnProblem } from '../core/identity.js';
import { encodeHex } from '../core/secretCodec.js';
import { readCsvRecordBatches } from './csv.js';
import type { CsvRecord } from './csv.js';
import { SerialsSeen, WarningTally, repeatedSerialReason, checkSeedLength, checkSerial, defaultNames, describeWhere, readSecret } from './seedRules.js';
import { headLines, splitSimpleCsvLine } from './sniff.js';
import { SeedFileError } from './types.js';
import { defineExporter, fromPieces } from './batchExporter.js';
import { formulaCell, optionCellProblem, targetUserName } from './exportRules.js';
import type { ExportPieces } from './exportRules.js';
import type {
  BatchExporter,
  BatchRow,
  ByteSource,
  ExportOptions,
  HashAlgorithm,
  ParseOptions,
  ParseResult,
  Reject,
  SeedImporter,
  SeedRecord,
  Skipped,
} from './types.js';

const VERSION_LINE = /^#\s*version:\s*(\S+)/i;
const HASH_NAMES: Record<string, HashAlgorithm> = {
  sha1: 'SHA1',
  'sha-1': 'SHA1',
  sha256: 'SHA256',
  'sha-256': 'SHA256',
  sha512: 'SHA512',
  'sha-512': 'SHA512',
};

/** The hash privacyIDEA gives a seed of this many bytes when the file names none. */
export function privacyIdeaHashForSeedLength(bytes: number): HashAlgorithm | 'SHA224' | 'SHA384' {
  if (bytes === 32) return 'SHA256';
  if (bytes === 64) return 'SHA512';
  if (bytes === 28) return 'SHA224';
  if (bytes === 48) return 'SHA384';
  return 'SHA1';
}

export async function parseOathCsv(source: ByteSource, options: ParseOptions = {}): Promise<ParseResult> {
  const result: ParseResult = { format: 'oath-csv', records: [], rejects: [], skipped: [], warnings: [] };
  const serials = new SerialsSeen(options);
  const tally = new WarningTally();
  // OATH CSV names no manufacturer or model: they come from the options (--manufacturer/--model).
  const names = defaultNames(options);
  let userColumns: boolean | null = null; // decided by the first line
  let sawAnything = false;

  // A chunk's worth of records per await: one await per record is most of the time on 100,000 rows.
  const batches = readCsvRecordBatches(source, {
    kind: 'OATH CSV',
    commentPrefix: '#',
    warnings: result.warnings,
    onProgress: options.onProgress,
  });
  for await (const batch of batches) for (const record of batch) {
    const firstLine = !sawAnything;
    sawAnything = true;
    if (record.comment) {
      const version = VERSION_LINE.exec(record.cells[0] ?? '');
      if (version && firstLine) {
        if (version[1] === '1') userColumns = false;
        else if (version[1] === '2') userColumns = true;
        else {
          throw new SeedFileError(
            `Line ${record.line} says this is OATH CSV version ${version[1]}; tokendesk reads versions 1 and 2 (privacyIDEA's).`,
            { line: record.line },
          );
        }
      } else if (version) {
        tally.note('late-version', { line: record.line }, (_count, first) =>
          `A "# version:" line on ${describeWhere(first)} is ignored: privacyIDEA reads the version on line 1 only.`,
        );
      }
      continue;
    }
    userColumns ??= false;
    if (record.cells.every((cell) => cell.trim() === '')) continue;
    const outcome = readRow(record, userColumns, { options, serials, tally, names });
    if ('record' in outcome) {
      if (options.keepRecords !== false) result.records.push(outcome.record);
      options.onRecord?.(outcome.record);
    }
    else if ('skipped' in outcome) result.skipped.push(outcome.skipped);
    else result.rejects.push(outcome.reject);
  }
  if (!sawAnything) {
    throw new SeedFileError('The file is empty: an OATH CSV has lines like "serial, hex seed, totp, 6, 30".');
  }
  tally.flushInto(result.warnings);
  return result;
}

interface RowContext {
  options: ParseOptions;
  serials: SerialsSeen;
  tally: WarningTally;
  names: { manufacturer: string; model: string };
}

type RowOutcome = { record: SeedRecord } | { skipped: Skipped } | { reject: Reject };

/**
 * Token types privacyIDEA and LinOTP know, so a skip can name the type from this list and never
 * from the cell: in a file with shifted columns the type cell can hold the seed.
 */
const OTHER_TYPES: Record<string, string> = {
  hotp: 'HOTP (counter-based)',
  hmac: 'HOTP (counter-based)',
  ocra: 'OCRA',
  ocra2: 'OCRA',
  tan: 'TAN',
  motp: 'mOTP',
  spass: 'simple pass',
  daypassword: 'day password',
  yubikey: 'YubiKey',
  yubico: 'Yubico',
  sshkey: 'SSH key',
  email: 'e-mail',
  sms: 'SMS',
  paper: 'paper',
  password: 'password',
  registration: 'registration',
  certificate: 'certificate',
  question: 'question',
  radius: 'RADIUS',
  remote: 'remote',
  vasco: 'VASCO',
  u2f: 'U2F',
  webauthn: 'WebAuthn',
  passkey: 'passkey',
  push: 'push',
  tiqr: 'TiQR',
  indexedsecret: 'indexed secret',
  applspec: 'application specific password',
  '4eyes': 'four eyes',
};

function readRow(record: CsvRecord, userColumns: boolean, context: RowContext): RowOutcome {
  const where = { line: record.line };
  const cells = record.cells.map((cell) => cell.trim());
  const offset = userColumns ? 3 : 0;
  const layout = userColumns ? 'username, resolver, realm, serial, seed, type, otp length, time step[, hash]' : 'serial, seed, type, otp length, time step[, hash]';
  if (record.problem) return { reject: { where, reason: record.problem } };
  if (cells.length < offset + 2 || cells.length > offset + 6) {
    return { reject: { where, reason: `the row has ${cells.length} cells; expected ${layout}` } };
  }
  const cell = (index: number) => cells[offset + index] ?? '';
  /** "column 6 (type)": positions count from 1 as a spreadsheet does, user columns included. */
  const column = (index: number, name: string) => `column ${offset + index + 1} (${name})`;
  // A lost or extra comma shifts the seed into a cell that is otherwise printed: such rows are
  // rejected by position, without naming their serial (which may be the seed or part of it).
  const shifted = (what: string): RowOutcome => ({
    reject: { where, reason: `${what}: the columns do not line up (a comma missing or extra?); expected ${layout}` },
  });
  if (misaligned(cell(1), cell(2))) return shifted(`${column(1, 'seed')} or ${column(2, 'type')} holds the wrong kind of value`);

  // privacyIDEA's default type is HOTP when the column is absent.
  const type = (cell(2) || 'hotp').toLowerCase();
  if (type !== 'totp' && OTHER_TYPES[type] === undefined) {
    return shifted(`${column(2, 'type')} is not a token type (totp, hotp, ocra...)`);
  }

  const serial = checkSerial(cell(0));
  if (!serial.ok) return { reject: { where, reason: `${column(0, 'serial')}: ${serial.problem}` } };
  const first = context.serials.earlier(serial.value, where);
  if (first) return { reject: { where, serial: serial.value, reason: repeatedSerialReason('oath-csv', serial.value, first) } };
  const reject = (reason: string): RowOutcome => ({ reject: { where, serial: serial.value, reason } });

  if (type !== 'totp') {
    return { skipped: { where, serial: serial.value, reason: `${OTHER_TYPES[type]} token: tokendesk hands out TOTP tokens only` } };
  }

  const encoding = context.options.secretEncoding === 'base32' ? 'base32' : 'hex';
  const secret = readSecret(cell(1), encoding);
  if (!secret.ok) return reject(secret.problem);
  const length = checkSeedLength(secret.value.secret, context.options);
  if (length !== null) return reject(length);

  // privacyIDEA would default a missing length to 6 and step to 30; a vendor file that leaves them
  // out is more likely cut short than meant, and a wrong guess fails every code at the desk.
  const digits = cell(3);
  if (digits === '') return reject(`${column(3, 'otp length')} is missing; a TOTP row is ${layout}`);
  if (digits !== '6' && digits !== '8') return reject(`the OTP length is ${/^\d{1,3}$/.test(digits) ? digits : 'not a number'}; tokendesk takes 6 or 8`);
  const step = cell(4);
  if (step === '') return reject(`${column(4, 'time step')} is missing; a TOTP row is ${layout}`);
  if (step !== '30' && step !== '60') return reject(`the time step is ${/^\d{1,6}$/.test(step) ? `${step} s` : 'not a number'}; tokendesk takes 30 or 60`);

  let algorithm: HashAlgorithm;
  const hashCell = cell(5).toLowerCase();
  if (hashCell !== '') {
    const named = HASH_NAMES[hashCell];
    if (named === undefined) return reject('the hash column must be sha1, sha256 or sha512');
    algorithm = named;
  } else if (context.options.hash) {
    algorithm = context.options.hash;
  } else {
    const inferred = privacyIdeaHashForSeedLength(secret.value.secret.byteLength);
    if (inferred === 'SHA224' || inferred === 'SHA384') {
      return reject(`the seed length means ${inferred === 'SHA224' ? 'SHA-224' : 'SHA-384'} in privacyIDEA, which tokendesk does not support`);
    }
    algorithm = inferred;
    if (inferred !== 'SHA1') {
      context.tally.note(`inferred-${inferred}`, where, (count, firstInferred) =>
        `${count} seed(s) are ${secret.value.secret.byteLength} bytes and have no hash column, so they are read as ` +
          `${inferred === 'SHA256' ? 'SHA-256' : 'SHA-512'}, as privacyIDEA does (first: ${describeWhere(firstInferred)}). ` +
          'If they are SHA-1 tokens, import again with --hash SHA1.',
      );
    }
  }

  const seed: SeedRecord = {
    serial: serial.value,
    secret: secret.value.secret,
    algorithm,
    digits: Number(digits),
    period: Number(step),
    manufacturer: context.names.manufacturer,
    model: context.names.model,
    where,
  };
  if (userColumns) {
    const username = cells[0] ?? '';
    if (formulaProblem(username) !== null) return reject(`column 1 (username) starts with a character a spreadsheet runs as a formula`);
    if (username !== '') {
      if (upnProblem(username) === null) seed.upn = normaliseUpn(username);
      else {
        context.tally.note('not-upn', where, (count, firstUser) =>
          `${count} username(s) are not UPNs (name@example.com) and are not used as pre-assignments (first: ${describeWhere(firstUser)}).`,
        );
      }
    }
    if ((cells[1] ?? '') !== '' || (cells[2] ?? '') !== '') {
      context.tally.note('resolver-realm', where, (count, firstRealm) =>
        `The resolver and realm columns are privacyIDEA's and are ignored (${count} row(s), first: ${describeWhere(firstRealm)}).`,
      );
    }
  }
  return { record: seed };
}

/**
 * Whether the seed and type cells are shifted: the type cell holds a number (the OTP length moved
 * left), or the seed cell holds a token type or a number. Each means the serial cell may hold the
 * seed too, so the row is rejected without naming its serial.
 */
function misaligned(seedCell: string, typeCell: string): boolean {
  if (typeCell !== '' && (/^\d+$/.test(typeCell) || !/^[a-z0-9][\w-]*$/i.test(typeCell))) return true; // "4eyes" is a type
  return /^(totp|hotp|ocra|tan|\d{1,3})$/i.test(seedCell);
}

function looksLikeOathRow(cells: string[], offset: number): boolean {
  const seed = cells[offset + 1] ?? '';
  const type = (cells[offset + 2] ?? '').toLowerCase();
  if (!/^(0x)?[0-9a-fA-F]{8,}$/.test(seed.replace(/\s/g, ''))) return false;
  return cells.length === offset + 2 || ['totp', 'hotp', 'ocra', 'tan'].includes(type);
}

export const oathCsvImporter: SeedImporter = {
  format: 'oath-csv',
  sniff(head: Uint8Array): boolean {
    const lines = headLines(head).filter((line) => line.trim() !== '');
    if (lines.length === 0) return false;
    if (VERSION_LINE.test(lines[0]!)) return true;
    const row = lines.find((line) => !line.startsWith('#'));
    if (row === undefined) return false;
    const cells = splitSimpleCsvLine(row);
    return looksLikeOathRow(cells, 0) || looksLikeOathRow(cells, 3);
  },
  parse: parseOathCsv,
};

/* ---------------------------------------------------------------- export */

/**
 * Version 2 with the user, hex seeds, LF line ends (privacyIDEA splits lines on "\n"). privacyIDEA
 * skips "#" lines and reads columns 4 to 8 of each row; the trailing hash column is for LinOTP-era
 * readers and for us (privacyIDEA infers the hash from the seed length, see whyOathCsvCannotTake).
 *
 * The user columns: privacyIDEA builds User(username, realm, resolver) and, with no resolver, looks
 * the name up in the realm's resolvers in priority order; with no realm it finds nobody and the
 * import stops. So a realm is required, the resolver optional, and the username is the name the
 * resolver knows (often the sAMAccountName): the row's userName when the caller set one, else the UPN.
 */
const HEADER = '# version: 2\n# username,resolver,realm,serial,seed (hex),type,otp length,time step,hash\n';

const HASH_COLUMN: Record<HashAlgorithm, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

function whyOathCsvCannotTake(row: BatchRow, options: ExportOptions): string | null {
  const serial = serialProblem(row.serial);
  if (serial !== null) return serial;
  const inferred = privacyIdeaHashForSeedLength(row.secret.byteLength);
  if (inferred !== row.algorithm) {
    return (
      `privacyIDEA reads the hash from the seed length (${row.secret.byteLength} bytes means ${inferred}) ` +
      `but this token uses ${row.algorithm}, so privacyIDEA would compute wrong codes`
    );
  }
  const user = targetUserName(row, 'privacyIDEA');
  if ('problem' in user) return user.problem;
  const realm = options.realm ?? '';
  if (realm.trim() === '') return 'privacyIDEA finds the user in a realm and none was given: export with --pi-realm REALM';
  const badOption = optionCellProblem('realm', realm) ?? optionCellProblem('resolver', options.resolver ?? '');
  if (badOption !== null) return badOption;
  return formulaCell({ username: user.name, serial: row.serial });
}

export const oathCsvPieces: ExportPieces = {
  header: () => HEADER,
  row(row, _index, options) {
    const user = targetUserName(row, 'privacyIDEA');
    const name = 'name' in user ? user.name : '';
    const cells = [name, options.resolver ?? '', options.realm ?? '', row.serial, encodeHex(row.secret), 'totp', String(row.digits), String(row.period), HASH_COLUMN[row.algorithm]];
    return `${cells.join(',')}\n`;
  },
  footer: () => '',
};

export const oathCsvExporter: BatchExporter = defineExporter({
  format: 'oath-csv',
  fileExtension: 'csv',
  description: 'privacyIDEA OATH CSV import, version 2 with users, realm and resolver, hex seeds',
  whyNot: whyOathCsvCannotTake,
  ...fromPieces(oathCsvPieces),
});
