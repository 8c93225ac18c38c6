/**
 * The audit trail's rows: append (inside the caller's write), head, list, the walk that
 * `audit verify` checks, and the head file written after each commit. How rows are authenticated
 * and checked lives in auditLog.ts; how the trail is keyed in auditKeys.ts and auditHead.ts.
 */
import { and, asc, desc, eq, gt, gte, notExists, sql } from 'drizzle-orm';
import type { Db } from './connection.js';
import { auditLog, batches } from './schema.js';
import { canonicalSubject, checkChain, GENESIS_HASH, rowMac, type AuditEntry, type AuditRow, type ChainReport } from './auditLog.js';
import { chainKeysOf, readAuditKeys, type AuditKeyState } from './auditKeys.js';
import { readHeadFile, writeHeadFile } from './auditHead.js';
import type { KeyWatch } from './keyWatch.js';
import type { MetaRepo } from './metaRepo.js';
import type { SeedVault } from './seedVault.js';

/** Rows read per query while walking the chain: memory stays flat however long the trail is. */
const WALK_PAGE = 2000;

/** The append-only guards (db/migrations/0001_audit_append_only.sql). */
export const AUDIT_TRIGGERS = ['audit_log_no_update', 'audit_log_no_delete'] as const;

/** What keyed appends need: the home's key (kept current by the watch) and where the head file goes. */
export interface AuditSigning {
  vault: SeedVault;
  watch: KeyWatch;
  meta: MetaRepo;
  headFile: string;
}

export class AuditRepo {
  readonly #last;
  readonly #insert;
  readonly #atSeq;
  /** The newest entry this process appended and has not yet named in the head file. */
  #pending: { seq: number; hash: string; at: string } | null = null;

  constructor(
    private readonly db: Db,
    private readonly signing: AuditSigning,
  ) {
    this.#last = db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1).prepare();
    this.#atSeq = db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).where(eq(auditLog.seq, sql.placeholder('seq'))).prepare();
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

  /**
   * Must be called inside a write transaction (`store.write`): the entry lands with its change.
   * Authenticated under the home's current key: if another process rotated it, the watch takes
   * the new key first (or refuses), so a stale process never writes an entry that will not verify.
   */
  append(entry: AuditEntry): AuditRow {
    if (!this.db.$client.inTransaction) throw new Error('audit entries are written inside the transaction of the change they record');
    this.signing.watch.ensureCurrent();
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
    const full: AuditRow = { ...row, hash: rowMac(this.signing.vault.auditKey(), row) };
    this.#insert.run({ ...full });
    this.#pending = { seq: full.seq, hash: full.hash, at: full.at };
    return full;
  }

  /**
   * After the commit (store.write calls this when its outermost transaction ends; close() too):
   * names this process's newest entry in the head file. Only an entry that is really there (a
   * rolled-back one is not), and never a lower seq than the file already names.
   */
  flushHead(): void {
    const pending = this.#pending;
    if (!pending || this.db.$client.inTransaction) return;
    this.#pending = null;
    try {
      if (this.#atSeq.get({ seq: pending.seq })?.hash !== pending.hash) return;
      const onFile = readHeadFile(this.signing.headFile);
      if (onFile.state === 'ok' && onFile.head.seq >= pending.seq) return;
      writeHeadFile(this.signing.headFile, { seq: pending.seq, mac: pending.hash, at: pending.at }, this.signing.vault.auditKey());
    } catch {
      // The change is committed; a head file that lags only makes the check weaker, not wrong.
    }
  }

  head(): { seq: number; hash: string } {
    return this.#last.get() ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** The row at `seq` (seq and MAC), to compare with a head file or a manifest. */
  at(seq: number): { seq: number; hash: string } | undefined {
    return this.#atSeq.get({ seq });
  }

  /** Entries at or after `since` (ISO text), oldest first, at most `limit`. */
  /** Oldest first unless `newestFirst` (then `limit` keeps the newest). */
  list(options: { since?: string; limit?: number; newestFirst?: boolean } = {}): AuditRow[] {
    const query = this.db
      .select()
      .from(auditLog)
      .where(gte(auditLog.at, options.since ?? ''))
      .orderBy(options.newestFirst ? desc(auditLog.seq) : asc(auditLog.seq));
    return options.limit === undefined ? query.all() : query.limit(options.limit).all();
  }

  /** The first `export` entry of a batch: the audit head its manifest names. */
  exportEntryOf(batchName: string): { seq: number; hash: string } | undefined {
    return this.db
      .select({ seq: auditLog.seq, hash: auditLog.hash })
      .from(auditLog)
      // json_extract: the batch name sits inside the subject's JSON text.
      .where(and(eq(auditLog.action, 'export'), sql`json_extract(${auditLog.subject}, '$.batch') = ${batchName}`))
      .orderBy(asc(auditLog.seq))
      .limit(1)
      .get();
  }

  /** Batches in the database whose `export` entry is not in the trail (deleted with it). */
  batchesWithoutExportEntry(): string[] {
    const entry = this.db
      .select({ one: sql`1` }) // NOT EXISTS needs no column
      .from(auditLog)
      // json_extract: the batch name sits inside the subject's JSON text.
      .where(and(eq(auditLog.action, 'export'), sql`json_extract(${auditLog.subject}, '$.batch') = ${batches.name}`));
    return this.db
      .select({ name: batches.name })
      .from(batches)
      .where(notExists(entry))
      .orderBy(asc(batches.id))
      .all()
      .map((row) => row.name);
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

  /** How the trail is keyed (the sealed record in meta). */
  keyState(): AuditKeyState {
    return readAuditKeys(this.signing.meta, this.signing.vault);
  }

  /** Every audit key this home has used, oldest first (for checking a head file's tag). */
  knownKeys(): Uint8Array[] {
    const state = this.keyState();
    return state.state === 'ok' ? chainKeysOf(state.record, this.signing.vault).keys.slice() : [this.signing.vault.auditKey()];
  }

  /**
   * Walks the whole chain; names the first row that was edited, deleted, reordered or forged.
   * Without a readable key record every row is checked as legacy (the caller reports the record).
   */
  verify(): ChainReport {
    this.signing.watch.ensureCurrent();
    const state = this.keyState();
    return checkChain(this.walk(), state.state === 'ok' ? chainKeysOf(state.record, this.signing.vault) : undefined);
  }
}
