/**
 * The audit trail's rows: append (inside the caller's write), head, list, and the walk that
 * `audit verify` checks. How rows are hashed and checked lives in auditLog.ts; this file only
 * stores and reads them.
 */
import { and, asc, desc, gt, gte, sql } from 'drizzle-orm';
import type { Db } from './connection.js';
import { auditLog } from './schema.js';
import { canonicalSubject, checkChain, GENESIS_HASH, rowHash, type AuditEntry, type AuditRow, type ChainReport } from './auditLog.js';

/** Rows read per query while walking the chain: memory stays flat however long the trail is. */
const WALK_PAGE = 2000;

export class AuditRepo {
  readonly #last;
  readonly #insert;

  constructor(private readonly db: Db) {
    this.#last = db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1).prepare();
    this.#insert = db
      .insert(auditLog)
      .values({
        seq: sql.placeholder('seq'),
        at: sql.placeholder('at'),
        actor: sql.placeholder('actor'),
        deskId: sql.placeholder('deskId'),
        action: sql.placeholder('action'),
        subject: sql.placeholder('subject'),
        prevHash: sql.placeholder('prevHash'),
        hash: sql.placeholder('hash'),
      })
      .prepare();
  }

  /** Must be called inside a write transaction (`store.write`): the entry lands with its change. */
  append(entry: AuditEntry): AuditRow {
    if (!this.db.$client.inTransaction) throw new Error('audit entries are written inside the transaction of the change they record');
    const last = this.#last.get();
    const row: Omit<AuditRow, 'hash'> = {
      seq: (last?.seq ?? 0) + 1,
      at: entry.at ?? new Date().toISOString(),
      actor: entry.actor,
      deskId: entry.deskId,
      action: entry.action,
      subject: canonicalSubject(entry.subject),
      prevHash: last?.hash ?? GENESIS_HASH,
    };
    const full: AuditRow = { ...row, hash: rowHash(row) };
    this.#insert.run({ ...full });
    return full;
  }

  head(): { seq: number; hash: string } {
    return this.#last.get() ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** Entries at or after `since` (ISO text), oldest first, at most `limit`. */
  list(options: { since?: string; limit?: number } = {}): AuditRow[] {
    const query = this.db
      .select()
      .from(auditLog)
      .where(gte(auditLog.at, options.since ?? ''))
      .orderBy(asc(auditLog.seq));
    return options.limit === undefined ? query.all() : query.limit(options.limit).all();
  }

  /** The first `export` entry of a batch: the audit head its manifest names. */
  exportEntryOf(batchName: string): { seq: number; hash: string } | undefined {
    return this.db
      .select({ seq: auditLog.seq, hash: auditLog.hash })
      .from(auditLog)
      // json_extract: the batch name sits inside the subject's JSON text.
      .where(and(sql`${auditLog.action} = 'export'`, sql`json_extract(${auditLog.subject}, '$.batch') = ${batchName}`))
      .orderBy(asc(auditLog.seq))
      .limit(1)
      .get();
  }

  /** Every row in seq order, a page at a time. */
  *walk(): Generator<AuditRow> {
    let after = 0;
    for (;;) {
      const page = this.db.select().from(auditLog).where(gt(auditLog.seq, after)).orderBy(asc(auditLog.seq)).limit(WALK_PAGE).all();
      yield* page;
      if (page.length < WALK_PAGE) return;
      after = page.at(-1)!.seq;
    }
  }

  /** Walks the whole chain; names the first row that was edited, deleted or reordered. */
  verify(): ChainReport {
    return checkChain(this.walk());
  }
}
