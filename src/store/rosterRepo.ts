/**
 * The roster: people, badges, employee ids and the type-ahead word index.
 *
 * Type-ahead walks an index in its own order and stops at the limit, so a one-letter prefix on a
 * roster of 50,000 costs no more than a long one: nothing is sorted. People whose UPN starts with
 * the text come first (in UPN order), then people whose display name has a word starting with each
 * typed word (in order of the matched word). The word walk reads a page at a time and goes on from
 * the last (word, person) it saw, because one person can match through several words.
 */
import { and, asc, count, eq, exists, gte, lt, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db } from './connection.js';
import { rosterPeople, rosterWords } from './schema.js';

export interface RosterPersonRow {
  upn: string;
  displayName: string;
  employeeId: string | null;
  badge: string | null;
  login: string | null;
}

/** Above every character SQLite can store: [prefix, prefix + this) is "starts with prefix". */
const PREFIX_END = '\u{10FFFF}';
/** At most this many typed words narrow a search (more would only slow it). */
export const MAX_SEARCH_TERMS = 5;

const personColumns = {
  upn: rosterPeople.upn,
  displayName: rosterPeople.displayName,
  employeeId: rosterPeople.employeeId,
  badge: rosterPeople.badge,
  login: rosterPeople.login,
};

/** Either a placeholder (prepared once) or a value (for EXPLAIN QUERY PLAN). */
type Value = (name: string) => SQL.Aliased | SQL | ReturnType<typeof sql.placeholder> | string | number;

export class RosterRepo {
  readonly #byUpn;
  readonly #byBadge;
  readonly #byEmployeeId;
  readonly #upsert;
  readonly #dropWords;
  readonly #addWord;
  readonly #upnPrefix;
  /** The word walk for 1 to MAX_SEARCH_TERMS typed words (first page, later pages), prepared on first use. */
  readonly #wordWalks = new Map<string, ReturnType<RosterRepo['wordWalk']>>();

  constructor(private readonly db: Db) {
    const p = (name: string) => sql.placeholder(name);
    this.#byUpn = db.select(personColumns).from(rosterPeople).where(eq(rosterPeople.upn, p('value'))).prepare();
    this.#byBadge = db.select(personColumns).from(rosterPeople).where(eq(rosterPeople.badge, p('value'))).prepare();
    this.#byEmployeeId = db.select(personColumns).from(rosterPeople).where(eq(rosterPeople.employeeId, p('value'))).prepare();
    this.#upnPrefix = this.upnWalk(p).prepare();
    this.#upsert = db
      .insert(rosterPeople)
      .values({ upn: p('upn'), displayName: p('displayName'), employeeId: p('employeeId'), badge: p('badge'), login: p('login'), updatedAt: p('updatedAt') })
      // excluded.*: SQLite's name for the row that conflicted (Drizzle has no column object for it).
      .onConflictDoUpdate({
        target: rosterPeople.upn,
        set: {
          displayName: sql`excluded.display_name`,
          employeeId: sql`excluded.employee_id`,
          badge: sql`excluded.badge`,
          login: sql`excluded.login`,
          updatedAt: sql`excluded.updated_at`,
        },
      })
      .returning({ id: rosterPeople.id })
      .prepare();
    this.#dropWords = db.delete(rosterWords).where(eq(rosterWords.personId, p('personId'))).prepare();
    this.#addWord = db.insert(rosterWords).values({ word: p('word'), personId: p('personId') }).onConflictDoNothing().prepare();
  }

  byUpn(upn: string): RosterPersonRow | undefined {
    return this.#byUpn.get({ value: upn });
  }

  byBadge(badge: string): RosterPersonRow | undefined {
    return this.#byBadge.get({ value: badge });
  }

  byEmployeeId(employeeId: string): RosterPersonRow | undefined {
    return this.#byEmployeeId.get({ value: employeeId });
  }

  size(): number {
    return this.db.select({ n: count() }).from(rosterPeople).get()?.n ?? 0;
  }

  /** Frees a person's badge and employee id (so two people can swap them in one import). */
  releaseIds(upn: string): void {
    this.db.update(rosterPeople).set({ employeeId: null, badge: null }).where(eq(rosterPeople.upn, upn)).run();
  }

  /** Adds or updates a person by UPN, with the words their name is found by (`isNew`: no old words to drop). */
  put(person: RosterPersonRow, words: readonly string[], updatedAt: string, isNew = false): void {
    const row = this.#upsert.get({ ...person, updatedAt });
    if (!row) throw new Error(`roster person ${person.upn} was not stored`);
    if (!isNew) this.#dropWords.run({ personId: row.id });
    for (const word of words) this.#addWord.run({ word, personId: row.id });
  }

  // ---- type-ahead ----

  /** People whose UPN starts with `prefix`, in UPN order, at most `limit`. */
  upnStartsWith(prefix: string, limit: number): RosterPersonRow[] {
    return this.#upnPrefix.all({ lo: prefix, hi: prefix + PREFIX_END, limit });
  }

  /**
   * Rows (person, matched word) where the first term's range drives the walk and each further term
   * narrows it, in (word, person) order, after the row `after`: a page of the walk.
   */
  wordMatches(
    terms: readonly string[],
    after: { word: string; personId: number } | null,
    limit: number,
  ): Array<RosterPersonRow & { word: string; personId: number }> {
    const n = Math.min(terms.length, MAX_SEARCH_TERMS);
    const key = `${n}${after ? '+' : ''}`;
    let walk = this.#wordWalks.get(key);
    if (!walk) {
      walk = this.wordWalk(n, (name) => sql.placeholder(name), after !== null);
      this.#wordWalks.set(key, walk);
    }
    return walk.prepared.all(wordValues(terms.slice(0, n), after, limit));
  }

  /** SQLite's plan for the queries a search runs: how a test or a benchmark shows it uses the indexes. */
  explain(terms: readonly string[], upnPrefix: string | null): string[] {
    const plans: string[] = [];
    const values = (record: Record<string, string | number>): Value => (name) => record[name]!;
    if (upnPrefix !== null) plans.push(...this.planOf(this.upnWalk(values({ lo: upnPrefix, hi: upnPrefix + PREFIX_END, limit: 10 }))));
    const n = Math.min(terms.length, MAX_SEARCH_TERMS);
    for (const after of [null, { word: terms[0]!, personId: 0 }]) {
      plans.push(...this.planOf(this.wordWalk(n, values(wordValues(terms.slice(0, n), after, 20)), after !== null).query));
    }
    return plans;
  }

  private upnWalk(v: Value) {
    return this.db
      .select(personColumns)
      .from(rosterPeople)
      .where(and(gte(rosterPeople.upn, v('lo') as string), lt(rosterPeople.upn, v('hi') as string)))
      .orderBy(asc(rosterPeople.upn))
      .limit(v('limit') as number);
  }

  private wordWalk(terms: number, v: Value, continued: boolean) {
    const conditions: SQL[] = [gte(rosterWords.word, v('lo0') as string), lt(rosterWords.word, v('hi0') as string)];
    // A later page goes on after the last row of the previous one: a row value keeps the walk on the index.
    if (continued) conditions.push(sql`(${rosterWords.word}, ${rosterWords.personId}) > (${v('afterWord')}, ${v('afterId')})`);
    for (let i = 1; i < terms; i++) {
      const other = alias(rosterWords, `w${i}`);
      // Each further word narrows the walk: does this person also have a word starting with it?
      // (Correlated, by the person index: a broad second word costs nothing extra, where a list of
      // everyone matching it would be built for every keystroke.)
      const narrowing = this.db
        .select({ one: sql`1` }) // EXISTS needs no column
        .from(other)
        .where(and(eq(other.personId, rosterWords.personId), gte(other.word, v(`lo${i}`) as string), lt(other.word, v(`hi${i}`) as string)));
      conditions.push(exists(narrowing));
    }
    const query = this.db
      .select({ ...personColumns, word: rosterWords.word, personId: rosterWords.personId })
      .from(rosterWords)
      .innerJoin(rosterPeople, eq(rosterPeople.id, rosterWords.personId))
      .where(and(...conditions))
      .orderBy(asc(rosterWords.word), asc(rosterWords.personId))
      .limit(v('limit') as number);
    return { query, prepared: query.prepare() };
  }

  private planOf(query: { toSQL(): { sql: string; params: unknown[] } }): string[] {
    const { sql: text, params } = query.toSQL();
    // EXPLAIN QUERY PLAN has no Drizzle form: the built query's own SQL, prefixed.
    return (this.db.$client.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as Array<{ detail: string }>).map((row) => row.detail);
  }
}

function wordValues(terms: readonly string[], after: { word: string; personId: number } | null, limit: number): Record<string, string | number> {
  const values: Record<string, string | number> = after ? { afterWord: after.word, afterId: after.personId, limit } : { limit };
  terms.forEach((term, i) => {
    values[`lo${i}`] = term;
    values[`hi${i}`] = term + PREFIX_END;
  });
  return values;
}
