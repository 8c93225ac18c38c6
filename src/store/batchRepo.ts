/**
 * Batches and their membership: the hand-outs waiting for export (read a row at a time, in file
 * order), a new batch and the set-based marking of its rows, void, mark uploaded, the seed purge,
 * lookups by name or number, and the numbers already used for a batch name.
 *
 * File order is verified_at, then id: the same rows always come out in the same order, so a batch
 * can be written again byte for byte.
 */
import type Database from 'better-sqlite3';
import { and, asc, count, desc, eq, gte, inArray, isNotNull, isNull, lt, min, ne, or, sql, type Column, type SQL } from 'drizzle-orm';
import type { Db } from './connection.js';
import { iterateRows, type RowStream } from './rowStream.js';

export type { RowStream } from './rowStream.js';
import { assignments, batches, rosterPeople, tokens } from './schema.js';

export type BatchRecord = typeof batches.$inferSelect;
export type NewBatch = typeof batches.$inferInsert;

/** Which waiting hand-outs: `since` is ISO text as verified_at stores it (toISOString()). */
export interface WaitingFilter {
  since?: string;
  desk?: string;
}

/** What an exporter needs of one hand-out, the sealed secret included. */
const storedRowFields = {
  assignmentId: assignments.id,
  tokenId: tokens.id,
  serial: tokens.serial,
  sealed: tokens.sealedSecret,
  purgedAt: tokens.secretPurgedAt,
  algorithm: tokens.algorithm,
  digits: tokens.digits,
  period: tokens.period,
  manufacturer: tokens.manufacturer,
  model: tokens.model,
  upn: assignments.upn,
  displayName: assignments.displayName,
  offsetSteps: assignments.offsetSteps,
  verifiedAt: assignments.verifiedAt,
  /** The holder's roster entry, when there is one: the name other identity providers know them by. */
  login: rosterPeople.login,
  employeeId: rosterPeople.employeeId,
} satisfies Record<string, Column>;

const storedRows = (db: Db) =>
  db
    .select(storedRowFields)
    .from(assignments)
    .innerJoin(tokens, eq(tokens.id, assignments.tokenId))
    .leftJoin(rosterPeople, eq(rosterPeople.upn, assignments.upn));
export type StoredBatchRow = ReturnType<ReturnType<typeof storedRows>['all']>[number];

/**
 * The same rows without the roster lookup, for exports that write UPNs (the default): login and
 * employee id come back null. A third of the read at 100,000 rows (the export bench).
 */
const { login: _login, employeeId: _employeeId, ...withoutRoster } = storedRowFields;
const storedRowFieldsNoRoster = { ...withoutRoster, login: sql<string | null>`NULL`, employeeId: sql<string | null>`NULL` };
const storedRowsNoRoster = (db: Db) => db.select(storedRowFieldsNoRoster).from(assignments).innerJoin(tokens, eq(tokens.id, assignments.tokenId));

/** Whether a read needs the roster: only when user names come from a roster column. */
export interface RowReadOptions {
  ownConnection?: boolean;
  /** Read the holder's roster login and employee id (export --user-name login|employee-id). Default true. */
  roster?: boolean;
}

const waitingViewFields = {
  assignmentId: assignments.id,
  serial: tokens.serial,
  upn: assignments.upn,
  displayName: assignments.displayName,
  verifiedAt: assignments.verifiedAt,
  offsetSteps: assignments.offsetSteps,
  deskId: assignments.deskId,
};
const waitingView = (db: Db) => db.select(waitingViewFields).from(assignments).innerJoin(tokens, eq(tokens.id, assignments.tokenId));
export type WaitingAssignment = ReturnType<ReturnType<typeof waitingView>['all']>[number];

const memberViewFields = {
  serial: tokens.serial,
  upn: assignments.upn,
  displayName: assignments.displayName,
  verifiedAt: assignments.verifiedAt,
  offsetSteps: assignments.offsetSteps,
  period: tokens.period,
  deskId: assignments.deskId,
  tokenStatus: tokens.status,
  seedPurged: isNull(tokens.sealedSecret).mapWith((v) => v === 1),
};
const memberView = (db: Db) => db.select(memberViewFields).from(assignments).innerJoin(tokens, eq(tokens.id, assignments.tokenId));
export type BatchMemberView = ReturnType<ReturnType<typeof memberView>['all']>[number];

/** Rows read one at a time; `close()` ends the read early (and closes its own connection, if any). */

const fileOrder = [asc(assignments.verifiedAt), asc(assignments.id)];

/** Verified, not undone, in no batch: what the next export takes. */
function waitingWhere(filter: WaitingFilter): SQL | undefined {
  return and(
    isNull(assignments.batchId),
    isNull(assignments.undoneAt),
    isNull(assignments.endedAt),
    eq(tokens.status, 'assigned'),
    filter.since === undefined ? undefined : gte(assignments.verifiedAt, filter.since),
    filter.desk === undefined ? undefined : eq(assignments.deskId, filter.desk),
  );
}

export class BatchRepo {
  readonly #byName;
  readonly #byId;
  readonly #exists;
  /** Raw statements of iterated queries, by SQL text: prepared once per connection. */
  readonly #iterated = new Map<string, Database.Statement>();

  constructor(private readonly db: Db) {
    this.#byName = db.select().from(batches).where(eq(batches.name, sql.placeholder('name'))).prepare();
    this.#byId = db.select().from(batches).where(eq(batches.id, sql.placeholder('id'))).prepare();
    this.#exists = db.select({ id: batches.id }).from(batches).where(eq(batches.name, sql.placeholder('name'))).limit(1).prepare();
  }

  /* ------------------------------------------------------------- waiting hand-outs */

  /**
   * The hand-outs the next export takes, in file order, sealed secrets included, one at a time.
   * `ownConnection`: read on a read-only connection of its own, for a reader that awaits between
   * rows (age encryption): this connection stays free for everything else meanwhile.
   */
  waitingRows(filter: WaitingFilter, options: RowReadOptions = {}): RowStream<StoredBatchRow> {
    return this.#rows(waitingWhere(filter), options);
  }

  countWaiting(filter: WaitingFilter = {}): number {
    const row = this.db.select({ n: count() }).from(assignments).innerJoin(tokens, eq(tokens.id, assignments.tokenId)).where(waitingWhere(filter)).get();
    return row?.n ?? 0;
  }

  /** The hand-outs the next export would take, in the order it would write them (no secrets). */
  listWaiting(filter: WaitingFilter = {}): WaitingAssignment[] {
    return waitingView(this.db).where(waitingWhere(filter)).orderBy(...fileOrder).all();
  }

  /* ------------------------------------------------------------- one batch's rows */

  /** A batch's rows in file order, sealed secrets included, one at a time (see waitingRows). */
  rowsOf(batchId: number, options: RowReadOptions = {}): RowStream<StoredBatchRow> {
    return this.#rows(eq(assignments.batchId, batchId), options);
  }

  #rows(where: SQL | undefined, options: RowReadOptions): RowStream<StoredBatchRow> {
    const read = { ownConnection: options.ownConnection ?? false };
    if (options.roster ?? true) return iterateRows(this.db, this.#iterated, storedRows(this.db).where(where).orderBy(...fileOrder), storedRowFields, read);
    // The NULL columns are never mapped (iterateRows passes nulls through): the row type is the same.
    return iterateRows(this.db, this.#iterated, storedRowsNoRoster(this.db).where(where).orderBy(...fileOrder), storedRowFieldsNoRoster as unknown as Record<string, Column>, read) as RowStream<StoredBatchRow>;
  }

  /** A batch's rows for people: never a secret. */
  membersOf(batchId: number): BatchMemberView[] {
    return memberView(this.db).where(eq(assignments.batchId, batchId)).orderBy(...fileOrder).all();
  }

  /** How many rows the batch holds now, how many of their seeds were purged, and when first. */
  seedState(batchId: number): { rows: number; purged: number; firstPurgedAt: string | null } {
    const all = this.db
      .select({ rows: count(), firstPurgedAt: min(tokens.secretPurgedAt) })
      .from(assignments)
      .innerJoin(tokens, eq(tokens.id, assignments.tokenId))
      .where(eq(assignments.batchId, batchId))
      .get();
    const purged = this.db
      .select({ n: count() })
      .from(assignments)
      .innerJoin(tokens, eq(tokens.id, assignments.tokenId))
      .where(and(eq(assignments.batchId, batchId), isNull(tokens.sealedSecret)))
      .get();
    return { rows: all?.rows ?? 0, purged: purged?.n ?? 0, firstPurgedAt: all?.firstPurgedAt ?? null };
  }

  /* ------------------------------------------------------------- batches */

  list(): BatchRecord[] {
    return this.db.select().from(batches).orderBy(desc(batches.id)).all();
  }

  byName(name: string): BatchRecord | undefined {
    return this.#byName.get({ name });
  }

  byId(id: number): BatchRecord | undefined {
    return this.#byId.get({ id });
  }

  exists(name: string): boolean {
    return this.#exists.get({ name }) !== undefined;
  }

  /** The numbers already used after `prefix` (e.g. "hq-20261129-"), for the next batch name. */
  numbersAfter(prefix: string): number[] {
    // A range instead of LIKE: desk ids may hold "_", which LIKE reads as a wildcard. Names go on with digits only.
    const rows = this.db
      .select({ name: batches.name })
      .from(batches)
      .where(and(gte(batches.name, prefix), lt(batches.name, `${prefix}~`)))
      .all();
    return rows.filter((r) => r.name.startsWith(prefix)).map((r) => Number(r.name.slice(prefix.length))).filter(Number.isSafeInteger);
  }

  /** Inside the caller's write: the new batch's row; returns its id. */
  insert(batch: NewBatch): number {
    return Number(this.db.insert(batches).values(batch).run().lastInsertRowid);
  }

  /**
   * Inside the caller's write: puts exactly these hand-outs in the batch and their tokens in
   * `exported`, each only if it is still waiting. The caller compares both counts with the number
   * it wrote: fewer means another process undid or exported one meanwhile.
   */
  markExported(batchId: number, assignmentIds: readonly number[]): { assignments: number; tokens: number } {
    const marked = this.db
      .update(assignments)
      .set({ batchId })
      .where(and(sql`${assignments.id} IN ${idList(assignmentIds)}`, isNull(assignments.batchId), isNull(assignments.undoneAt)))
      .run().changes;
    const exported = this.db
      .update(tokens)
      .set({ status: 'exported' })
      .where(and(eq(tokens.status, 'assigned'), inArray(tokens.id, this.#tokenIdsOf(batchId))))
      .run().changes;
    return { assignments: marked, tokens: exported };
  }

  /** After markExported came up short: one serial that was no longer waiting as read, for the message. */
  racedSerial(batchId: number, assignmentIds: readonly number[]): string | undefined {
    return this.db
      .select({ serial: tokens.serial })
      .from(assignments)
      .innerJoin(tokens, eq(tokens.id, assignments.tokenId))
      .where(
        and(
          sql`${assignments.id} IN ${idList(assignmentIds)}`,
          or(isNull(assignments.batchId), ne(assignments.batchId, batchId), isNotNull(assignments.undoneAt), ne(tokens.status, 'exported')),
        ),
      )
      .limit(1)
      .get()?.serial;
  }

  /** Inside the caller's write: exported -> void; false when the batch was not `exported` any more. */
  setVoid(batchId: number, at: string, reason: string): boolean {
    const changed = this.db
      .update(batches)
      .set({ status: 'void', voidedAt: at, voidReason: reason })
      .where(and(eq(batches.id, batchId), eq(batches.status, 'exported')))
      .run().changes;
    return changed === 1;
  }

  /** Inside the caller's write: the batch's hand-outs wait for export again; returns how many. */
  returnToWaiting(batchId: number): number {
    this.db
      .update(tokens)
      .set({ status: 'assigned' })
      .where(and(eq(tokens.status, 'exported'), inArray(tokens.id, this.#tokenIdsOf(batchId))))
      .run();
    return this.db.update(assignments).set({ batchId: null }).where(eq(assignments.batchId, batchId)).run().changes;
  }

  /** Inside the caller's write: exported or partly uploaded -> uploaded, with its tokens; false when it was neither. */
  setUploaded(batchId: number, at: string): boolean {
    const changed = this.db
      .update(batches)
      .set({ status: 'uploaded', uploadedAt: at })
      .where(and(eq(batches.id, batchId), inArray(batches.status, ['exported', 'partly-uploaded'])))
      .run().changes;
    if (changed !== 1) return false;
    this.db
      .update(tokens)
      .set({ status: 'uploaded' })
      .where(and(eq(tokens.status, 'exported'), inArray(tokens.id, this.#tokenIdsOf(batchId))))
      .run();
    return true;
  }

  /** Inside the caller's write: deletes the seeds of the batch's tokens. */
  purgeSeeds(batchId: number, at: string): { purged: number; alreadyPurged: number } {
    const alreadyPurged =
      this.db
        .select({ n: count() })
        .from(tokens)
        .where(and(isNull(tokens.sealedSecret), inArray(tokens.id, this.#tokenIdsOf(batchId))))
        .get()?.n ?? 0;
    const purged = this.db
      .update(tokens)
      .set({ sealedSecret: null, secretPurgedAt: at })
      .where(and(isNotNull(tokens.sealedSecret), inArray(tokens.id, this.#tokenIdsOf(batchId))))
      .run().changes;
    return { purged, alreadyPurged };
  }

  /**
   * Before a purge: secure_delete makes SQLite zero the freed bytes. It is on for every connection,
   * but a purge must not depend on that; false when it cannot be switched on.
   */
  secureDeleteOn(): boolean {
    this.db.$client.pragma('secure_delete = ON');
    return Number(this.db.$client.pragma('secure_delete', { simple: true })) === 1;
  }

  /** After a purge: the old sealed bytes leave the write-ahead log; false when a reader held it. */
  clearWal(): boolean {
    const [result] = this.db.$client.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    return result !== undefined && result.busy === 0;
  }

  #tokenIdsOf(batchId: number) {
    return this.db.select({ id: assignments.tokenId }).from(assignments).where(eq(assignments.batchId, batchId));
  }
}

/** json_each: the whole id list is one bound parameter (a million ids would otherwise be a million parameters). */
function idList(ids: readonly number[]): SQL {
  return sql`(SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}
