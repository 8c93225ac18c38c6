/**
 * Sealed seeds as stored, for the one job that touches every one of them: `key rotate` opens each
 * under the old key and seals it again under the new one, inside one transaction. Kept apart from
 * the token repository because it deals only in sealed bytes, never in token state.
 */
import { and, asc, eq, gt, isNotNull, sql } from 'drizzle-orm';
import type { Db } from './connection.js';
import { tokens } from './schema.js';

export interface SealedSeed {
  id: number;
  serial: string;
  sealed: Buffer;
}

export class SeedRepo {
  readonly #page;
  readonly #reseal;

  constructor(private readonly db: Db) {
    this.#page = db
      .select({ id: tokens.id, serial: tokens.serial, sealed: tokens.sealedSecret })
      .from(tokens)
      .where(and(gt(tokens.id, sql.placeholder('after')), isNotNull(tokens.sealedSecret)))
      .orderBy(asc(tokens.id))
      .limit(sql.placeholder('limit'))
      .prepare();
    this.#reseal = db
      .update(tokens)
      // Wrapped: set()'s types take a Buffer for a blob column, not a placeholder (the bytes bind the same).
      .set({ sealedSecret: sql`${sql.placeholder('sealed')}` })
      .where(eq(tokens.id, sql.placeholder('id')))
      .prepare();
  }

  /** Up to `limit` stored (not purged) seeds after token id `after`, in id order. */
  page(after: number, limit: number): SealedSeed[] {
    return this.#page.all({ after, limit }).map((row) => ({ id: row.id, serial: row.serial, sealed: row.sealed! }));
  }

  reseal(id: number, sealed: Buffer): void {
    this.#reseal.run({ id, sealed });
  }
}
