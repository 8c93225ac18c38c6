/**
 * Key/value facts about this home (desk id, key check, the audit key record), and what the store
 * asks SQLite about itself: whether a table or trigger exists, the integrity check.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { Db } from './connection.js';
import { meta } from './schema.js';

/**
 * SQLite's catalogue, described for Drizzle here rather than in schema.ts: drizzle-kit must never
 * try to create it.
 */
const sqliteMaster = sqliteTable('sqlite_master', {
  type: text('type').notNull(),
  name: text('name').notNull(),
});

/** The names `meta` holds; nothing else reads or writes that table. */
export type MetaKey = 'key_check' | 'desk_id' | 'created_at' | 'audit_keys';

export class MetaRepo {
  readonly #get;
  readonly #put;

  constructor(private readonly db: Db) {
    // Read inside every audit append (is the key still current?): prepared once.
    this.#get = db.select({ value: meta.value }).from(meta).where(eq(meta.key, sql.placeholder('key'))).prepare();
    this.#put = db
      .insert(meta)
      .values({ key: sql.placeholder('key'), value: sql.placeholder('value') })
      // excluded.value: SQLite's name for the value that conflicted (Drizzle has no column object for it).
      .onConflictDoUpdate({ target: meta.key, set: { value: sql`excluded.value` } })
      .prepare();
  }

  /**
   * Before migrations run, `meta` may not exist yet (not a tokendesk database, or one cut short at
   * init): the statements above are prepared only when it does, so check first.
   */
  static hasMetaTable(db: Db): boolean {
    return db.select({ name: sqliteMaster.name }).from(sqliteMaster).where(and(eq(sqliteMaster.type, 'table'), eq(sqliteMaster.name, 'meta'))).get() !== undefined;
  }

  get(key: MetaKey): string | undefined {
    return this.#get.get({ key })?.value;
  }

  put(key: MetaKey, value: string): void {
    this.#put.run({ key, value });
  }

  /** The sealed value that says which data key this database uses (see seedVault.ts). */
  keyCheck(): string | undefined {
    return this.get('key_check');
  }

  deskId(): string | undefined {
    return this.get('desk_id');
  }

  /** Which of `names` are triggers that exist (the audit trail's append-only guards). */
  triggersPresent(names: readonly string[]): string[] {
    return this.db
      .select({ name: sqliteMaster.name })
      .from(sqliteMaster)
      .where(and(eq(sqliteMaster.type, 'trigger'), inArray(sqliteMaster.name, [...names])))
      .all()
      .map((row) => row.name);
  }

  /** SQLite's quick_check: "ok", or what it found. */
  integrity(): string {
    return String(this.db.$client.pragma('quick_check', { simple: true }));
  }
}
