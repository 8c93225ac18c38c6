/**
 * What every batch exporter does before it writes: name the rows its format cannot carry, and
 * refuse to render them (callers check first; writing a row the target rejects would be worse).
 *
 * Text exporters are three small pure pieces (header, one row, footer) so that a streaming writer
 * can call them row by row; `renderPieces` joins them for today's whole-file render().
 */
import { formulaProblem, userNameProblem } from '../core/identity.js';
import type { BatchRow, ExportOptions } from './types.js';

export type WhyNot = (row: BatchRow, options: ExportOptions) => string | null;

export function rowsItCannotTake(
  rows: readonly BatchRow[],
  whyNot: WhyNot,
  options: ExportOptions = {},
): Array<{ serial: string; reason: string }> {
  const refused: Array<{ serial: string; reason: string }> = [];
  for (const row of rows) {
    const reason = whyNot(row, options);
    if (reason !== null) refused.push({ serial: row.serial, reason });
  }
  return refused;
}

export function assertCanTake(formatName: string, rows: readonly BatchRow[], whyNot: WhyNot, options: ExportOptions = {}): void {
  assertNoneRefused(formatName, rowsItCannotTake(rows, whyNot, options));
}

export function assertNoneRefused(formatName: string, refused: ReadonlyArray<{ serial: string }>): void {
  if (refused.length > 0) {
    throw new Error(`${formatName} cannot carry ${refused.length} of these rows (first: serial ${refused[0]!.serial})`);
  }
}

/** A text batch file as pieces a writer can emit one at a time. */
export interface ExportPieces {
  header(options: ExportOptions): string;
  row(row: BatchRow, index: number, options: ExportOptions): string;
  footer(options: ExportOptions): string;
}

export function renderPieces(pieces: ExportPieces, rows: readonly BatchRow[], options: ExportOptions = {}): Uint8Array {
  const parts = [pieces.header(options)];
  rows.forEach((row, index) => parts.push(pieces.row(row, index, options)));
  parts.push(pieces.footer(options));
  return new TextEncoder().encode(parts.join(''));
}

/**
 * The last guard of every CSV exporter: the first named cell that would start a spreadsheet
 * formula, as a reason naming the column (never the value), or null.
 */
export function formulaCell(cells: Record<string, string>): string | null {
  for (const [column, value] of Object.entries(cells)) {
    const problem = formulaProblem(value);
    if (problem !== null) return `its ${column} ${problem.replace(/^it /, '')}`;
  }
  return null;
}

/**
 * The name a non-Entra target knows the row's user by: the caller's userName, else the UPN; or
 * why there is none usable. `who` names the target for the message ("privacyIDEA").
 */
export function targetUserName(row: BatchRow, who: string): { name: string } | { problem: string } {
  const name = row.userName ?? row.upn;
  if (name.trim() === '') {
    return {
      problem:
        row.userName !== undefined
          ? `it has no ${who} user name (the roster gives none for ${row.upn || 'this user'}); fill it in the roster or choose another --user-name`
          : `it has no user for ${who}`,
    };
  }
  const problem = userNameProblem(name);
  return problem === null ? { name } : { problem: `its ${who} user name cannot be written: ${problem}` };
}

/** Why a realm or resolver option cannot go in a file that splits on commas, or null. */
export function optionCellProblem(label: string, value: string): string | null {
  if (/[,;"\u0000-\u001f\u007f]/.test(value)) return `the ${label} has a comma, a semicolon, a quote or a control character`;
  if (value !== value.trim()) return `the ${label} starts or ends with a space`;
  const formula = formulaProblem(value);
  return formula === null ? null : `the ${label} ${formula.replace(/^it /, '')}`;
}
