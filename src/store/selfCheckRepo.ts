/**
 * Employee self-check attempts, for the rate limits: one row per counted check and scope
 * ("token:SERIAL", "desk:ID"). The three statements run on every check and are prepared once.
 */
import { and, count, eq, gt, lt, lte, min, sql } from 'drizzle-orm';
import type { Db } from './connection.js';
import { selfCheckAttempts } from './schema.js';

export class SelfCheckRepo {
  readonly #recent;
  readonly #count;
  readonly #forget;

  constructor(db: Db) {
    const atMs = selfCheckAttempts.atMs;
    this.#recent = db
      .select({ n: count(), oldestMs: min(atMs) })
      .from(selfCheckAttempts)
      .where(and(eq(selfCheckAttempts.scope, sql.placeholder('scope')), gt(atMs, sql.placeholder('since')), lte(atMs, sql.placeholder('now'))))
      .prepare();
    this.#count = db.insert(selfCheckAttempts).values({ scope: sql.placeholder('scope'), atMs: sql.placeholder('atMs') }).prepare();
    this.#forget = db.delete(selfCheckAttempts).where(lt(atMs, sql.placeholder('before'))).prepare();
  }

  /** Checks counted in a scope after `sinceMs` and up to `nowMs`, and when the oldest of them was. */
  recent(scope: string, sinceMs: number, nowMs: number): { n: number; oldestMs: number | null } {
    return this.#recent.get({ scope, since: sinceMs, now: nowMs }) ?? { n: 0, oldestMs: null };
  }

  /** Counts one check in a scope. Inside the caller's write. */
  count(scope: string, atMs: number): void {
    this.#count.run({ scope, atMs });
  }

  /** Drops attempts older than `beforeMs`: no limit looks that far back. */
  forgetBefore(beforeMs: number): void {
    this.#forget.run({ before: beforeMs });
  }
}
