/**
 * Removals as batches carry them: the open ones (no batch, not done) a removal batch takes, in the
 * order they were requested; putting exactly those in a batch (each only if still open), giving them
 * back on void, and marking them done when the batch is marked uploaded. The lifecycle services
 * write removals (lifecycleRepo); `request` here is the same insert, for tests and tools.
 */
import { and, asc, count, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from './connection.js';
import type { NewRemoval } from './lifecycleRepo.js';
import { removals, tokens } from './schema.js';

const removalFields = {
  removalId: removals.id,
  serial: tokens.serial,
  manufacturer: tokens.manufacturer,
  model: tokens.model,
  upn: removals.upn,
  reason: removals.reason,
  action: removals.action,
  doneAt: removals.doneAt,
};
const removalRows = (db: Db) => db.select(removalFields).from(removals).innerJoin(tokens, eq(tokens.id, removals.tokenId));
export type RemovalBatchRow = ReturnType<ReturnType<typeof removalRows>['all']>[number];

const open = and(isNull(removals.batchId), isNull(removals.doneAt));

/** The same row the lifecycle services write (lifecycleRepo). */
export type RemovalRequest = NewRemoval;

export class RemovalBatchRepo {
  constructor(private readonly db: Db) {}

  /** Open removals, oldest first: what the next removal batch takes. */
  waiting(): RemovalBatchRow[] {
    return removalRows(this.db).where(open).orderBy(asc(removals.id)).all();
  }

  countWaiting(): number {
    return this.db.select({ n: count() }).from(removals).where(open).get()?.n ?? 0;
  }

  /** A removal batch's rows, in file order. */
  ofBatch(batchId: number): RemovalBatchRow[] {
    return removalRows(this.db).where(eq(removals.batchId, batchId)).orderBy(asc(removals.id)).all();
  }

  /** Inside the caller's write: these removals go in the batch, each only if still open; returns how many did. */
  takeIntoBatch(batchId: number, removalIds: readonly number[]): number {
    return this.db
      .update(removals)
      .set({ batchId })
      .where(and(sql`${removals.id} IN ${idList(removalIds)}`, open))
      .run().changes;
  }

  /** Inside the caller's write: a void batch's removals not yet done wait for the next removal batch. */
  returnToWaiting(batchId: number): number {
    return this.db.update(removals).set({ batchId: null }).where(and(eq(removals.batchId, batchId), isNull(removals.doneAt))).run().changes;
  }

  /** Inside the caller's write: the identity provider forgot the batch's tokens; returns how many were still open. */
  markDone(batchId: number, at: string): number {
    return this.db.update(removals).set({ doneAt: at }).where(and(eq(removals.batchId, batchId), isNull(removals.doneAt))).run().changes;
  }

  /** How many of the batch's removals are done already (Graph, reconcile). */
  countDone(batchId: number): number {
    return this.db.select({ n: count() }).from(removals).where(and(eq(removals.batchId, batchId), sql`${removals.doneAt} IS NOT NULL`)).get()?.n ?? 0;
  }

  /** Inside the caller's write: a new removal (the lifecycle services do this when a token the IdP knew comes back). */
  request(removal: RemovalRequest): number {
    return Number(this.db.insert(removals).values(removal).run().lastInsertRowid);
  }
}

/** json_each: the whole id list is one bound parameter. */
function idList(ids: readonly number[]): SQL {
  return sql`(SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}
