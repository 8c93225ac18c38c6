/**
 * The roster CSV: the people tokens are handed out to, from an HR export.
 *
 *   upn,display name,employee id,badge,login
 *   j.doe@example.com,Jane Doe,E1001,04A7C2,jdoe
 *
 * Header names are matched without regard to case, spaces or punctuation ("Display Name",
 * "displayName", "EMPLOYEE_ID" all work); other columns are ignored. Pure: bytes in, people and
 * per-line rejects out (with line numbers and reasons); what is already in the roster is the
 * service's business. A file without a usable header is refused as a whole, without echoing it.
 */
import { Refusal } from '../core/errors.js';
import { formulaProblem, normaliseUpn, upnProblem, userNameProblem } from '../core/identity.js';
import { readCsvRecords } from './csv.js';
import { SeedFileError, type ByteSource, type ParseWarning } from './types.js';

export interface RosterPerson {
  upn: string;
  displayName: string;
  employeeId: string | null;
  badge: string | null;
  /** The directory login (sAMAccountName): privacyIDEA and LinOTP find users by it. */
  login: string | null;
}

/** A good line of the file. */
export interface RosterFileEntry extends RosterPerson {
  line: number;
}

export interface RosterReject {
  line: number;
  reason: string;
}

export interface RosterFile {
  people: RosterFileEntry[];
  rejects: RosterReject[];
  warnings: ParseWarning[];
}

export const MAX_DISPLAY_NAME_CHARS = 256;
export const MAX_ID_CHARS = 64;

type Column = 'upn' | 'displayName' | 'employeeId' | 'badge' | 'login';

/** Header spellings, compared as lower-case letters and digits only. */
const HEADER_NAMES: Record<string, Column> = {
  upn: 'upn',
  userprincipalname: 'upn',
  displayname: 'displayName',
  name: 'displayName',
  fullname: 'displayName',
  employeeid: 'employeeId',
  employeenumber: 'employeeId',
  employeeno: 'employeeId',
  badge: 'badge',
  badgecode: 'badge',
  badgeid: 'badge',
  badgenumber: 'badge',
  badgeno: 'badge',
  login: 'login',
  loginname: 'login',
  samaccountname: 'login',
  username: 'login',
  account: 'login',
};

const headerKey = (cell: string): string => cell.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Reads a roster CSV. `fileName` names the file in refusals (never a path the reader did not give). */
export async function parseRosterCsv(source: ByteSource, options: { fileName: string }): Promise<RosterFile> {
  const { fileName } = options;
  const result: RosterFile = { people: [], rejects: [], warnings: [] };
  const seen = { upn: new Map<string, number>(), badge: new Map<string, number>(), employeeId: new Map<string, number>() };
  let columns: Record<Column, number | undefined> | null = null;
  let width = 0;
  try {
    for await (const record of readCsvRecords(source, { kind: 'roster CSV', warnings: result.warnings })) {
      if (columns === null) {
        columns = headerColumns(record.cells, fileName, record.line);
        width = record.cells.length;
        continue;
      }
      if (record.cells.every((cell) => cell.trim() === '')) continue;
      const reject = (reason: string) => result.rejects.push({ line: record.line, reason });
      if (record.problem) {
        reject(record.problem);
        continue;
      }
      if (record.cells.length !== width) {
        reject(`it has ${record.cells.length} cells, the header has ${width}`);
        continue;
      }
      const at = columns;
      const cell = (column: Column): string => (at[column] === undefined ? '' : record.cells[at[column]]!.trim());

      const upn = normaliseUpn(cell('upn'));
      const displayName = cell('displayName').replace(/\s+/g, ' ');
      const employeeId = cell('employeeId') || null;
      const badge = cell('badge') || null;
      const login = cell('login') || null;
      const problem =
        (upnProblem(upn) && `UPN: ${upnProblem(upn)}`) ||
        displayNameProblem(displayName) ||
        idProblem(employeeId, 'employee id') ||
        idProblem(badge, 'badge') ||
        (login !== null && userNameProblem(login) !== null ? `login: ${userNameProblem(login)}` : null);
      if (problem) {
        reject(problem);
        continue;
      }
      const duplicate = firstDuplicate(seen, { upn, badge, employeeId }, record.line);
      if (duplicate) {
        reject(duplicate);
        continue;
      }
      result.people.push({ line: record.line, upn, displayName, employeeId, badge, login });
    }
  } catch (error) {
    if (error instanceof SeedFileError) {
      const where = error.where?.line ? ` line ${error.where.line}:` : '';
      throw new Refusal('bad-roster-file', `${fileName}:${where} ${error.message.replace(/seed /g, '')} Nothing was imported`);
    }
    throw error;
  }
  if (columns === null) {
    throw new Refusal('bad-roster-file', `${fileName} is empty: it needs a header line such as "upn,display name,employee id,badge"`);
  }
  return result;
}

function headerColumns(cells: readonly string[], fileName: string, line: number): Record<Column, number | undefined> {
  const columns: Record<Column, number | undefined> = { upn: undefined, displayName: undefined, employeeId: undefined, badge: undefined, login: undefined };
  cells.forEach((cell, index) => {
    const column = HEADER_NAMES[headerKey(cell)];
    if (!column) return;
    if (columns[column] !== undefined) {
      throw new Refusal('bad-roster-file', `${fileName}: line ${line}: the header names the ${columnLabel(column)} column twice; nothing was imported`);
    }
    columns[column] = index;
  });
  const missing = (['upn', 'displayName'] as const).filter((c) => columns[c] === undefined).map(columnLabel);
  if (columns.employeeId === undefined && columns.badge === undefined) missing.push('employee id or badge');
  if (missing.length > 0) {
    throw new Refusal(
      'bad-roster-file',
      `${fileName}: line ${line} is not a roster header (missing: ${missing.join(', ')}). ` +
        'The first line names the columns, e.g. "upn,display name,employee id,badge"; nothing was imported',
    );
  }
  return columns;
}

function columnLabel(column: Column): string {
  return { upn: 'upn', displayName: 'display name', employeeId: 'employee id', badge: 'badge', login: 'login' }[column];
}

function displayNameProblem(name: string): string | null {
  if (name.length === 0) return 'the display name is empty';
  if (name.length > MAX_DISPLAY_NAME_CHARS) return `the display name is longer than ${MAX_DISPLAY_NAME_CHARS} characters`;
  if (/[\x00-\x1f\x7f]/.test(name)) return 'the display name has control characters';
  const formula = formulaProblem(name);
  return formula === null ? null : `the display name: ${formula}`;
}

function idProblem(value: string | null, what: string): string | null {
  if (value === null) return null;
  if (value.length > MAX_ID_CHARS) return `the ${what} is longer than ${MAX_ID_CHARS} characters`;
  if (!/^[\x21-\x7e]+$/.test(value)) return `the ${what} has spaces, control or non-ASCII characters`;
  const formula = formulaProblem(value);
  return formula === null ? null : `the ${what}: ${formula}`;
}

/** The same UPN, badge or employee id twice in one file: the second line is rejected. */
function firstDuplicate(
  seen: Record<'upn' | 'badge' | 'employeeId', Map<string, number>>,
  person: { upn: string; badge: string | null; employeeId: string | null },
  line: number,
): string | null {
  const checks = [
    ['upn', person.upn, 'UPN'],
    ['badge', person.badge, 'badge'],
    ['employeeId', person.employeeId, 'employee id'],
  ] as const;
  for (const [key, value, label] of checks) {
    if (value === null) continue;
    const first = seen[key].get(value);
    if (first !== undefined) return `${label} ${value} is also on line ${first}`;
  }
  for (const [key, value] of checks) if (value !== null) seen[key].set(value, line);
  return null;
}
