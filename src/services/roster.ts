/**
 * The roster: the people tokens are handed out to, imported from an HR export so the desk can
 * find an employee by typing part of a name or by scanning a badge.
 *
 *   upn,display name,employee id,badge
 *   j.doe@example.com,Jane Doe,E1001,04A7C2
 *
 * Header names are matched without regard to case, spaces or punctuation ("Display Name",
 * "displayName", "EMPLOYEE_ID" all work); other columns are ignored. An import is all or nothing:
 * one bad line refuses the file, naming every bad line. Re-importing updates people by UPN and
 * never removes anyone.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Refusal } from '../core/errors.js';
import { normaliseUpn, upnProblem } from '../core/identity.js';
import { readCsvRecords } from '../formats/index.js';
import { SeedFileError, type ParseWarning } from '../formats/types.js';
import type { Inventory } from '../store/db.js';
import { authorise, type Actor } from './actor.js';

export interface RosterPerson {
  upn: string;
  displayName: string;
  employeeId: string | null;
  badge: string | null;
}

export interface RosterReject {
  line: number;
  reason: string;
}

export interface RosterImportReport {
  added: number;
  updated: number;
  /** People in the file whose roster entry was already exactly this. */
  unchanged: number;
  rejects: RosterReject[];
  committed: boolean;
  dryRun: boolean;
  file: string;
  /** People read from the file (good lines). */
  people: number;
  warnings: ParseWarning[];
}

export const MAX_DISPLAY_NAME_CHARS = 256;
export const MAX_ID_CHARS = 64;
export const DEFAULT_SEARCH_LIMIT = 10;

type Column = 'upn' | 'displayName' | 'employeeId' | 'badge';

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
};

const headerKey = (cell: string): string => cell.toLowerCase().replace(/[^a-z0-9]/g, '');

// ---- importing ----------------------------------------------------------------------------

export async function importRoster(
  inventory: Inventory,
  request: { file: string; actor: Actor; dryRun?: boolean; now?: number },
): Promise<RosterImportReport> {
  authorise(request.actor, 'manage-roster');
  const fileName = basename(request.file);
  if (!existsSync(request.file) || !statSync(request.file).isFile()) {
    throw new Refusal('file-not-found', `${request.file} is not a file; give the path of the roster CSV`);
  }
  const report: RosterImportReport = {
    added: 0,
    updated: 0,
    unchanged: 0,
    rejects: [],
    committed: false,
    dryRun: request.dryRun ?? false,
    file: request.file,
    people: 0,
    warnings: [],
  };
  const people = await readRosterFile(request.file, fileName, report);
  report.people = people.length;

  // Compare with the roster: new, changed, or the same; and ids that already belong to someone else.
  const { sqlite } = inventory;
  const byUpn = sqlite.prepare('SELECT upn, display_name AS displayName, employee_id AS employeeId, badge FROM roster_people WHERE upn = ?');
  const byBadge = sqlite.prepare('SELECT upn FROM roster_people WHERE badge = ?');
  const byEmployeeId = sqlite.prepare('SELECT upn FROM roster_people WHERE employee_id = ?');
  const inFile = new Set(people.map((p) => p.upn));
  const changed: Array<RosterPerson & { isNew: boolean }> = [];
  for (const person of people) {
    for (const [value, statement, what] of [
      [person.badge, byBadge, 'badge'],
      [person.employeeId, byEmployeeId, 'employee id'],
    ] as const) {
      if (value === null) continue;
      const owner = statement.get(value) as { upn: string } | undefined;
      // Someone else in the roster, not being re-imported by this file: a real clash.
      if (owner && owner.upn !== person.upn && !inFile.has(owner.upn)) {
        report.rejects.push({ line: person.line, reason: `${what} ${value} already belongs to ${owner.upn} in the roster` });
      }
    }
    const existing = byUpn.get(person.upn) as RosterPerson | undefined;
    if (!existing) {
      report.added++;
      changed.push({ ...stripLine(person), isNew: true });
    } else if (
      existing.displayName !== person.displayName ||
      existing.employeeId !== person.employeeId ||
      existing.badge !== person.badge
    ) {
      report.updated++;
      changed.push({ ...stripLine(person), isNew: false });
    } else {
      report.unchanged++;
    }
  }
  report.rejects.sort((a, b) => a.line - b.line);
  if (report.rejects.length > 0 || report.dryRun) return report;

  const at = new Date(request.now ?? Date.now()).toISOString();
  sqlite
    .transaction(() => {
      // Free the ids of everyone being updated first, so two people can swap badges in one file.
      const release = sqlite.prepare('UPDATE roster_people SET employee_id = NULL, badge = NULL WHERE upn = ?');
      for (const person of changed) if (!person.isNew) release.run(person.upn);
      const upsert = sqlite.prepare(
        `INSERT INTO roster_people (upn, display_name, employee_id, badge, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (upn) DO UPDATE SET display_name = excluded.display_name, employee_id = excluded.employee_id,
                                         badge = excluded.badge, updated_at = excluded.updated_at
         RETURNING id`,
      );
      const dropWords = sqlite.prepare('DELETE FROM roster_words WHERE person_id = ?');
      const addWord = sqlite.prepare('INSERT OR IGNORE INTO roster_words (word, person_id) VALUES (?, ?)');
      for (const person of changed) {
        const { id } = upsert.get(person.upn, person.displayName, person.employeeId, person.badge, at) as { id: number };
        dropWords.run(id);
        for (const word of nameWords(person.displayName)) addWord.run(word, id);
      }
      inventory.store.audit.append({
        actor: request.actor.name,
        deskId: inventory.deskId,
        action: 'roster-import',
        at,
        subject: { file: fileName, added: report.added, updated: report.updated, unchanged: report.unchanged },
      });
    })
    .immediate();
  report.committed = true;
  return report;
}

interface FilePerson extends RosterPerson {
  line: number;
}

const stripLine = ({ line: _line, ...person }: FilePerson): RosterPerson => person;

async function readRosterFile(file: string, fileName: string, report: RosterImportReport): Promise<FilePerson[]> {
  const people: FilePerson[] = [];
  const seen = { upn: new Map<string, number>(), badge: new Map<string, number>(), employeeId: new Map<string, number>() };
  let columns: Record<Column, number | undefined> | null = null;
  let width = 0;
  try {
    for await (const record of readCsvRecords(createReadStream(file), { kind: 'roster CSV', warnings: report.warnings })) {
      if (columns === null) {
        columns = headerColumns(record.cells, fileName, record.line);
        width = record.cells.length;
        continue;
      }
      if (record.cells.every((cell) => cell.trim() === '')) continue;
      const reject = (reason: string) => report.rejects.push({ line: record.line, reason });
      if (record.problem) {
        reject(record.problem);
        continue;
      }
      if (record.cells.length !== width) {
        reject(`it has ${record.cells.length} cells, the header has ${width}`);
        continue;
      }
      const cell = (column: Column): string => (columns![column] === undefined ? '' : record.cells[columns![column]!]!.trim());

      const upn = normaliseUpn(cell('upn'));
      const displayName = cell('displayName').replace(/\s+/g, ' ');
      const employeeId = cell('employeeId') || null;
      const badge = cell('badge') || null;
      const problem =
        (upnProblem(upn) && `UPN: ${upnProblem(upn)}`) ||
        displayNameProblem(displayName) ||
        idProblem(employeeId, 'employee id') ||
        idProblem(badge, 'badge');
      if (problem) {
        reject(problem);
        continue;
      }
      const duplicate = firstDuplicate(seen, { upn, badge, employeeId }, record.line);
      if (duplicate) {
        reject(duplicate);
        continue;
      }
      people.push({ line: record.line, upn, displayName, employeeId, badge });
    }
  } catch (error) {
    if (error instanceof SeedFileError) {
      const at = error.where?.line ? ` line ${error.where.line}:` : '';
      throw new Refusal('bad-roster-file', `${fileName}:${at} ${error.message.replace(/seed /g, '')} Nothing was imported`);
    }
    throw error;
  }
  if (columns === null) {
    throw new Refusal('bad-roster-file', `${fileName} is empty: it needs a header line such as "upn,display name,employee id,badge"`);
  }
  return people;
}

function headerColumns(cells: readonly string[], fileName: string, line: number): Record<Column, number | undefined> {
  const columns: Record<Column, number | undefined> = { upn: undefined, displayName: undefined, employeeId: undefined, badge: undefined };
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
  return { upn: 'upn', displayName: 'display name', employeeId: 'employee id', badge: 'badge' }[column];
}

function displayNameProblem(name: string): string | null {
  if (name.length === 0) return 'the display name is empty';
  if (name.length > MAX_DISPLAY_NAME_CHARS) return `the display name is longer than ${MAX_DISPLAY_NAME_CHARS} characters`;
  if (/[\x00-\x1f\x7f]/.test(name)) return 'the display name has control characters';
  return null;
}

function idProblem(value: string | null, what: string): string | null {
  if (value === null) return null;
  if (value.length > MAX_ID_CHARS) return `the ${what} is longer than ${MAX_ID_CHARS} characters`;
  if (!/^[\x21-\x7e]+$/.test(value)) return `the ${what} has spaces, control or non-ASCII characters`;
  return null;
}

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

// ---- finding people -----------------------------------------------------------------------

/** Lower case without accents: "José" and "jose" find each other. */
export function foldText(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The words a display name is found by: "Anne-Marie O'Neil" -> anne-marie, anne, marie, o'neil, o, neil. */
export function nameWords(displayName: string): string[] {
  const words = new Set<string>();
  for (const word of foldText(displayName).split(/[\s,;:()[\]{}/"\u201c\u201d]+/)) {
    if (!word) continue;
    words.add(word);
    for (const part of word.split(/['\u2019.-]+/)) if (part) words.add(part);
  }
  return [...words];
}

/** Above every character SQLite can store: [prefix, prefix + this) is "starts with prefix". */
const PREFIX_END = '\u{10FFFF}';

/**
 * Type-ahead: people whose UPN starts with the text (in UPN order), then people whose display name
 * has a word starting with each typed word ("jane d" finds Jane Doe), in order of the matched word.
 * Both walk an index in its own order and stop at the limit, so a one-letter prefix on a roster of
 * 50,000 costs no more than a long one: nothing is sorted.
 */
export function searchRoster(inventory: Inventory, text: string, limit = DEFAULT_SEARCH_LIMIT): RosterPerson[] {
  const query = searchQueries(text, limit);
  if (!query) return [];
  const found = new Map<string, RosterPerson>();
  for (const { sql, params } of query.steps) {
    for (const person of inventory.sqlite.prepare(sql).iterate(...params) as IterableIterator<RosterPerson>) {
      if (!found.has(person.upn)) found.set(person.upn, person);
      if (found.size >= query.cap) return [...found.values()];
    }
  }
  return [...found.values()];
}

/** SQLite's plan for a type-ahead query: how a test or a benchmark shows it uses the indexes. */
export function explainSearch(inventory: Inventory, text: string): string[] {
  const query = searchQueries(text, DEFAULT_SEARCH_LIMIT);
  if (!query) return [];
  return query.steps.flatMap(({ sql, params }) =>
    (inventory.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail),
  );
}

const PERSON_COLUMNS = 'p.upn, p.display_name AS displayName, p.employee_id AS employeeId, p.badge';

function searchQueries(text: string, limit: number): { cap: number; steps: Array<{ sql: string; params: Array<string | number> }> } | null {
  const terms = foldText(text).trim().split(/\s+/).filter(Boolean).slice(0, 5);
  if (terms.length === 0) return null;
  const cap = Math.max(1, Math.min(100, Math.floor(limit) || DEFAULT_SEARCH_LIMIT));
  const steps: Array<{ sql: string; params: Array<string | number> }> = [];
  if (terms.length === 1) {
    const upn = normaliseUpn(text);
    steps.push({
      sql: `SELECT ${PERSON_COLUMNS} FROM roster_people p WHERE p.upn >= ? AND p.upn < ? ORDER BY p.upn LIMIT ?`,
      params: [upn, upn + PREFIX_END, cap],
    });
  }
  // The first word's range drives the walk; every further word narrows it. No LIMIT: a person can
  // match through two words, so the caller reads rows until it has enough different people and stops.
  let sql = `SELECT ${PERSON_COLUMNS} FROM roster_words w JOIN roster_people p ON p.id = w.person_id WHERE w.word >= ? AND w.word < ?`;
  const params: Array<string | number> = [terms[0]!, terms[0]! + PREFIX_END];
  for (const term of terms.slice(1)) {
    // The unary + keeps SQLite from driving the walk by person_id (which needs a sort, so no early stop).
    sql += ' AND +w.person_id IN (SELECT person_id FROM roster_words WHERE word >= ? AND word < ?)';
    params.push(term, term + PREFIX_END);
  }
  steps.push({ sql: `${sql} ORDER BY w.word, w.person_id`, params });
  return { cap, steps };
}

/** A scanned badge, or a typed employee id. */
export function findByBadge(inventory: Inventory, code: string): RosterPerson | undefined {
  const value = code.trim();
  if (value.length === 0) return undefined;
  const columns = 'upn, display_name AS displayName, employee_id AS employeeId, badge';
  return (inventory.sqlite.prepare(`SELECT ${columns} FROM roster_people WHERE badge = ?`).get(value) ??
    inventory.sqlite.prepare(`SELECT ${columns} FROM roster_people WHERE employee_id = ?`).get(value)) as RosterPerson | undefined;
}

/** One person by UPN (the hand-out's step 1 shows their name). */
export function findByUpn(inventory: Inventory, upn: string): RosterPerson | undefined {
  return inventory.sqlite
    .prepare('SELECT upn, display_name AS displayName, employee_id AS employeeId, badge FROM roster_people WHERE upn = ?')
    .get(normaliseUpn(upn)) as RosterPerson | undefined;
}

export function rosterSize(inventory: Inventory): number {
  return (inventory.sqlite.prepare('SELECT count(*) AS n FROM roster_people').get() as { n: number }).n;
}
