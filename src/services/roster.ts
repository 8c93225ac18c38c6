/**
 * The roster: the people tokens are handed out to, imported from an HR export so the desk can
 * find an employee by typing part of a name or by scanning a badge.
 *
 * The file is read by formats/rosterCsv.ts (every bad line named). An import is all or nothing:
 * one bad line refuses the file, naming every bad line. Re-importing updates people by UPN and
 * never removes anyone.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Refusal } from '../core/errors.js';
import { normaliseUpn } from '../core/identity.js';
import { parseRosterCsv, type RosterFileEntry, type RosterPerson, type RosterReject } from '../formats/rosterCsv.js';
import type { ParseWarning } from '../formats/types.js';
import type { Inventory } from '../store/db.js';
import { MAX_SEARCH_TERMS } from '../store/rosterRepo.js';
import { authorise, type Actor } from './actor.js';

export { MAX_DISPLAY_NAME_CHARS, MAX_ID_CHARS, type RosterPerson, type RosterReject } from '../formats/rosterCsv.js';

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

export const DEFAULT_SEARCH_LIMIT = 10;

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
  const parsed = await parseRosterCsv(createReadStream(request.file), { fileName });
  const people = parsed.people;
  const report: RosterImportReport = {
    added: 0,
    updated: 0,
    unchanged: 0,
    rejects: [...parsed.rejects],
    committed: false,
    dryRun: request.dryRun ?? false,
    file: request.file,
    people: people.length,
    warnings: parsed.warnings,
  };

  // Compare with the roster: new, changed, or the same; and ids that already belong to someone else.
  const { roster } = inventory.store;
  const inFile = new Set(people.map((p) => p.upn));
  const changed: Array<RosterPerson & { isNew: boolean }> = [];
  for (const person of people) {
    for (const [value, owner, what] of [
      [person.badge, (v: string) => roster.byBadge(v), 'badge'],
      [person.employeeId, (v: string) => roster.byEmployeeId(v), 'employee id'],
    ] as const) {
      if (value === null) continue;
      const holder = owner(value);
      // Someone else in the roster, not being re-imported by this file: a real clash.
      if (holder && holder.upn !== person.upn && !inFile.has(holder.upn)) {
        report.rejects.push({ line: person.line, reason: `${what} ${value} already belongs to ${holder.upn} in the roster` });
      }
    }
    const existing = roster.byUpn(person.upn);
    if (!existing) {
      report.added++;
      changed.push({ ...stripLine(person), isNew: true });
    } else if (existing.displayName !== person.displayName || existing.employeeId !== person.employeeId || existing.badge !== person.badge || existing.login !== person.login) {
      report.updated++;
      changed.push({ ...stripLine(person), isNew: false });
    } else {
      report.unchanged++;
    }
  }
  report.rejects.sort((a, b) => a.line - b.line);
  if (report.rejects.length > 0 || report.dryRun) return report;

  const at = new Date(request.now ?? Date.now()).toISOString();
  inventory.store.write(() => {
    // Free the ids of everyone being updated first, so two people can swap badges in one file.
    for (const person of changed) if (!person.isNew) roster.releaseIds(person.upn);
    for (const { isNew, ...person } of changed) roster.put(person, nameWords(person.displayName), at, isNew);
    inventory.store.audit.append({
      actor: request.actor.name,
      deskId: inventory.deskId,
      action: 'roster-import',
      at,
      subject: { file: fileName, added: report.added, updated: report.updated, unchanged: report.unchanged },
    });
  });
  report.committed = true;
  return report;
}

const stripLine = ({ line: _line, ...person }: RosterFileEntry): RosterPerson => person;

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

function searchTerms(text: string): string[] {
  return foldText(text).trim().split(/\s+/).filter(Boolean).slice(0, MAX_SEARCH_TERMS);
}

/**
 * Type-ahead: people whose UPN starts with the text (in UPN order), then people whose display name
 * has a word starting with each typed word ("jane d" finds Jane Doe), in order of the matched word.
 * Both walk an index in its own order and stop at the limit (store/rosterRepo.ts).
 */
export function searchRoster(inventory: Inventory, text: string, limit = DEFAULT_SEARCH_LIMIT): RosterPerson[] {
  const terms = searchTerms(text);
  if (terms.length === 0) return [];
  const cap = Math.max(1, Math.min(100, Math.floor(limit) || DEFAULT_SEARCH_LIMIT));
  const { roster } = inventory.store;
  const found = new Map<string, RosterPerson>();
  if (terms.length === 1) {
    for (const person of roster.upnStartsWith(normaliseUpn(text), cap)) found.set(person.upn, person);
    if (found.size >= cap) return [...found.values()];
  }
  // A person can match through two words: read pages until there are enough different people.
  const page = cap;
  let after: { word: string; personId: number } | null = null;
  for (;;) {
    const rows = roster.wordMatches(terms, after, page);
    for (const { word: _word, personId: _personId, ...person } of rows) {
      if (!found.has(person.upn)) found.set(person.upn, person);
      if (found.size >= cap) return [...found.values()];
    }
    if (rows.length < page) return [...found.values()];
    const last = rows.at(-1)!;
    after = { word: last.word, personId: last.personId };
  }
}

/** SQLite's plan for a type-ahead query: how a test or a benchmark shows it uses the indexes. */
export function explainSearch(inventory: Inventory, text: string): string[] {
  const terms = searchTerms(text);
  if (terms.length === 0) return [];
  return inventory.store.roster.explain(terms, terms.length === 1 ? normaliseUpn(text) : null);
}

/** A scanned badge, or a typed employee id. */
export function findByBadge(inventory: Inventory, code: string): RosterPerson | undefined {
  const value = code.trim();
  if (value.length === 0) return undefined;
  const { roster } = inventory.store;
  return roster.byBadge(value) ?? roster.byEmployeeId(value);
}

/** One person by UPN (the hand-out's step 1 shows their name). */
export function findByUpn(inventory: Inventory, upn: string): RosterPerson | undefined {
  return inventory.store.roster.byUpn(normaliseUpn(upn));
}

export function rosterSize(inventory: Inventory): number {
  return inventory.store.roster.size();
}
