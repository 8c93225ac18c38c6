/**
 * LinOTP's OATH CSV token import (Manage: Import Token File, type "OATH CSV"; admin/loadtokens
 * type=oathcsv). Version 1 rows only, no header, no comment:
 *
 *   <serial>,<hex seed>,totp,<otp length>,<time step>,<sha1|sha256|sha512>
 *
 * Source: LinOTP's parser, linotp/lib/ImportOTP/oath.py parseOATHcsv(): the text is split on "\n"
 * and each line on "," (no quoting), cells are stripped and padded to 8; a line is skipped only
 * when its first cell is empty or exactly "#", so "# version: 2" passes as a serial and the next
 * comment line crashes on int() of its fourth cell. Type "hotp" becomes "hmac", the OTP length is
 * int(column 4) (default 6), the TOTP time step int(column 5) (30 when not a number), the hash
 * column 6 when it is sha1/sha256/sha512, else inferred from the seed length. LinOTP has no user
 * columns: who gets which token goes in the companion assignment list (assignmentList.ts).
 *
 * No final newline: LinOTP would read the empty string after it as a line without a serial and
 * log an error for it.
 */
import { serialProblem } from '../core/identity.js';
import { encodeHex } from '../core/secretCodec.js';
import { whyNoAssignment } from './assignmentList.js';
import { defineExporter, fromPieces } from './batchExporter.js';
import { formulaCell } from './exportRules.js';
import type { ExportPieces } from './exportRules.js';
import type { BatchExporter, BatchRow, ExportOptions, HashAlgorithm } from './types.js';

const HASH_COLUMN: Record<HashAlgorithm, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

function whyLinotpCannotTake(row: BatchRow, options: ExportOptions): string | null {
  const serial = serialProblem(row.serial);
  if (serial !== null) return serial;
  // A serial of "#" is the one comment LinOTP knows; the serial rule above already excludes it.
  if (row.digits !== 6 && row.digits !== 8) return `it shows ${row.digits}-digit codes; LinOTP's TOTP takes 6 or 8`;
  if (!Number.isSafeInteger(row.period) || row.period <= 0) return 'its time step is not a whole number of seconds';
  return whyNoAssignment('linotp', row, options) ?? formulaCell({ serial: row.serial });
}

export const linotpCsvPieces: ExportPieces = {
  header: () => '',
  row(row, index) {
    const cells = [row.serial, encodeHex(row.secret), 'totp', String(row.digits), String(row.period), HASH_COLUMN[row.algorithm]];
    return `${index > 0 ? '\n' : ''}${cells.join(',')}`;
  },
  footer: () => '',
};

export const linotpCsvExporter: BatchExporter = defineExporter({
  format: 'linotp-csv',
  fileExtension: 'csv',
  description: 'LinOTP OATH CSV import (version 1 rows; who gets which token in the assignment list beside it)',
  whyNot: whyLinotpCannotTake,
  ...fromPieces(linotpCsvPieces),
});
