/**
 * "Who gets which token": the companion file of a LinOTP or multiOTP batch. Neither system's token
 * import has user columns (LinOTP's OATH CSV is version 1 only; multiOTP's CSV is tokens only), so
 * the token file goes in first and the assignments follow in a second step, one call per row:
 *
 *   LinOTP    POST /admin/assign  serial=<serial> user=<user> realm=<realm>
 *             (LinOTP's admin API; an empty realm means LinOTP's default realm)
 *   multiOTP  multiotp -assign-token <user> <serial>
 *             (the multiOTP CLI; the user must exist, e.g. synchronised from the directory)
 *
 * The file says so in "#" comment lines at its top, then has a header row and one row per token:
 *
 *   serial,user,realm          (LinOTP)
 *   serial,user                (multiOTP)
 *
 * It holds no seed. User names are the target's login names (the row's userName, else the UPN).
 */
import { formulaCell, optionCellProblem, renderPieces, targetUserName } from './exportRules.js';
import type { ExportPieces } from './exportRules.js';
import type { BatchFormat, BatchRow, ExportOptions } from './types.js';

export type AssignmentTarget = 'linotp' | 'multiotp';

/** The batch formats whose file has no user columns: each export writes this list beside the file. */
export const ASSIGNMENT_LIST_FORMATS: Partial<Record<BatchFormat, AssignmentTarget>> = { 'linotp-csv': 'linotp', 'multiotp-csv': 'multiotp' };

/** box-12.csv -> box-12.assign.csv */
export function assignmentListFileName(batchFileName: string): string {
  return `${batchFileName.replace(/\.csv$/, '')}${ASSIGNMENT_LIST_SUFFIX}`;
}

/** The companion file sits beside the batch file: box-12.csv -> box-12.assign.csv. */
export const ASSIGNMENT_LIST_SUFFIX = '.assign.csv';

const TARGET_NAME: Record<AssignmentTarget, string> = { linotp: 'LinOTP', multiotp: 'multiOTP' };

const COMMENT: Record<AssignmentTarget, string[]> = {
  linotp: [
    '# tokendesk assignment list for LinOTP: who gets which token of the batch file beside this one.',
    '# Import that file first (LinOTP Manage: Import Token File, type OATH CSV), then assign each row',
    '# with the admin API: POST /admin/assign with serial, user and realm (empty realm: the default realm).',
  ],
  multiotp: [
    '# tokendesk assignment list for multiOTP: who gets which token of the batch file beside this one.',
    '# Import that file first (multiotp -import-csv FILE), then assign each row:',
    '# multiotp -assign-token USER SERIAL (multiOTP keeps one token per user).',
  ],
};

const COLUMNS: Record<AssignmentTarget, string> = { linotp: 'serial,user,realm', multiotp: 'serial,user' };

/** Why a row's assignment cannot be written for this target, or null. */
export function whyNoAssignment(target: AssignmentTarget, row: BatchRow, options: ExportOptions): string | null {
  const user = targetUserName(row, TARGET_NAME[target]);
  if ('problem' in user) return user.problem;
  if (target === 'linotp') {
    const realm = optionCellProblem('realm', options.realm ?? '');
    if (realm !== null) return realm;
  }
  return formulaCell({ serial: row.serial, user: user.name, ...(target === 'linotp' ? { realm: options.realm ?? '' } : {}) });
}

export function assignmentListPieces(target: AssignmentTarget): ExportPieces {
  return {
    header: () => `${[...COMMENT[target], COLUMNS[target]].join('\n')}\n`,
    row(row, _index, options) {
      const user = targetUserName(row, TARGET_NAME[target]);
      const name = 'name' in user ? user.name : '';
      const cells = target === 'linotp' ? [row.serial, name, options.realm ?? ''] : [row.serial, name];
      return `${cells.join(',')}\n`;
    },
    footer: () => '',
  };
}

/** The companion file's bytes. Callers render it only for rows the batch exporter accepted. */
export function renderAssignmentList(target: AssignmentTarget, rows: readonly BatchRow[], options: ExportOptions = {}): Uint8Array {
  for (const row of rows) {
    const problem = whyNoAssignment(target, row, options);
    if (problem !== null) throw new Error(`the ${TARGET_NAME[target]} assignment list cannot carry serial ${row.serial}: ${problem}`);
  }
  return renderPieces(assignmentListPieces(target), rows, options);
}
