/**
 * multiOTP's token CSV import (`multiotp -import-csv FILE`, or -import with a .csv file):
 *
 *   <serial>;<manufacturer>;TOTP;<hex seed>;<digits>;<time interval>
 *
 * Source: multiOTP's README ("Tokens CSV import (serial_number;manufacturer;algorithm;seed;digits;
 * interval_or_event)", its test-tokens.csv) and its parser, multiotp.class.php ImportTokensFromCsv():
 * each line is trimmed, ";" and "," become tabs and the line is split on tabs (no quoting); lines
 * with fewer than 6 cells are ignored; the algorithm must be one of mOTP, HOTP, TOTP, YubicoOTP,
 * without2FA (any case); SetTokenSeed keeps a seed that is all hex digits as hex, else tries Base32.
 * We write hex, which multiOTP can never mistake for Base32. The CSV has no hash column and
 * multiOTP's token_algo_suite then defaults to HMAC-SHA1, so only SHA-1 tokens can go this way.
 * The token id is the serial, lower-cased by multiOTP. No header: a header row has 6 cells and
 * would be read as a token with an unknown algorithm.
 *
 * Users: the CSV has none. Who gets which token goes in the companion assignment list
 * (assignmentList.ts); multiOTP's AssignTokenToUser replaces a user's token, so one batch can give
 * each user one token only.
 */
import { serialProblem } from '../core/identity.js';
import { encodeHex } from '../core/secretCodec.js';
import { whyNoAssignment } from './assignmentList.js';
import { defineExporter, fromPieces } from './batchExporter.js';
import { formulaCell, targetUserName } from './exportRules.js';
import type { ExportPieces } from './exportRules.js';
import type { BatchExporter, BatchRow, ExportOptions } from './types.js';

function whyMultiotpCannotTake(row: BatchRow, options: ExportOptions): string | null {
  const serial = serialProblem(row.serial);
  if (serial !== null) return serial;
  if (row.algorithm !== 'SHA1') return `it uses ${row.algorithm}; multiOTP's CSV import has no hash column and reads every token as HMAC-SHA1`;
  if (row.digits !== 6 && row.digits !== 8) return `it shows ${row.digits}-digit codes; tokendesk writes 6 or 8`;
  if (!Number.isSafeInteger(row.period) || row.period <= 0) return 'its time step is not a whole number of seconds';
  if (/[,;\t]/.test(row.manufacturer)) return 'its manufacturer has a comma, a semicolon or a tab, which multiOTP reads as a column break';
  if (/[\r\n]/.test(row.manufacturer)) return 'its manufacturer has a line break';
  return whyNoAssignment('multiotp', row, options) ?? formulaCell({ serial: row.serial, manufacturer: row.manufacturer });
}

/**
 * The rules over the whole file, row by row as the export goes: one token per user (multiOTP's
 * AssignTokenToUser replaces a user's token), serials distinct in any case (multiOTP lower-cases ids).
 */
function multiotpConflicts(options: ExportOptions): (row: BatchRow) => string | null {
  const users = new Map<string, string>();
  const serials = new Map<string, string>();
  return (row) => {
    const id = row.serial.toLowerCase();
    const sameId = serials.get(id);
    if (sameId !== undefined) return `multiOTP lower-cases token ids, so it is the same token as ${sameId} in this batch`;
    const user = targetUserName(row, 'multiOTP');
    const name = ('name' in user ? user.name : row.upn).toLowerCase();
    const earlier = users.get(name);
    if (earlier !== undefined) return `multiOTP keeps one token per user, and ${name} already gets ${earlier} in this batch`;
    void options;
    serials.set(id, row.serial);
    users.set(name, row.serial);
    return null;
  };
}

export const multiotpCsvPieces: ExportPieces = {
  header: () => '',
  row(row) {
    return `${[row.serial, row.manufacturer, 'TOTP', encodeHex(row.secret), String(row.digits), String(row.period)].join(';')}\n`;
  },
  footer: () => '',
};

export const multiotpCsvExporter: BatchExporter = defineExporter({
  format: 'multiotp-csv',
  fileExtension: 'csv',
  description: 'multiOTP token CSV import (SHA-1 TOTP, one token per user; assignment list beside it)',
  whyNot: whyMultiotpCannotTake,
  conflicts: multiotpConflicts,
  ...fromPieces(multiotpCsvPieces),
});
