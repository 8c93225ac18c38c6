/**
 * The audit trail: append-only rows, each hashed over the previous row's hash, so an edited,
 * deleted or reordered row breaks the chain at that row. Appends run inside the caller's write
 * transaction (BEGIN IMMEDIATE), so two processes cannot fork the chain.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';

export const GENESIS_HASH = '0'.repeat(64);

export type AuditSubject = Record<string, string | number | boolean | null | undefined>;

export interface AuditEntry {
  actor: string;
  deskId: string;
  action: string;
  subject: AuditSubject;
  at?: string;
}

export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  deskId: string;
  action: string;
  subject: string;
  prevHash: string;
  hash: string;
}

/** Keys that would mean a secret is about to be written; refused as a programming error. */
const FORBIDDEN_KEYS = /secret|seed|code|pin|passphrase|password|key/i;

export function rowHash(row: Omit<AuditRow, 'hash'>): string {
  const canonical = JSON.stringify([row.seq, row.at, row.actor, row.deskId, row.action, row.subject]);
  return createHash('sha256').update(row.prevHash).update('\n').update(canonical).digest('hex');
}

function canonicalSubject(subject: AuditSubject): string {
  const clean: Record<string, string | number | boolean | null> = {};
  for (const key of Object.keys(subject).sort()) {
    if (FORBIDDEN_KEYS.test(key)) throw new Error(`audit subject key "${key}" is not allowed: the audit log never holds secrets or codes`);
    const value = subject[key];
    if (value !== undefined) clean[key] = value;
  }
  return JSON.stringify(clean);
}

export class AuditLog {
  readonly #last: Database.Statement<[], { seq: number; hash: string }>;
  readonly #insert: Database.Statement<[number, string, string, string, string, string, string, string]>;

  constructor(private readonly sqlite: Database.Database) {
    this.#last = sqlite.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.#insert = sqlite.prepare(
      'INSERT INTO audit_log (seq, at, actor, desk_id, action, subject, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
  }

  /** Must be called inside a write transaction. */
  append(entry: AuditEntry): AuditRow {
    if (!this.sqlite.inTransaction) throw new Error('audit entries are written inside the transaction of the change they record');
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
    this.#insert.run(full.seq, full.at, full.actor, full.deskId, full.action, full.subject, full.prevHash, full.hash);
    return full;
  }

  head(): { seq: number; hash: string } {
    return this.#last.get() ?? { seq: 0, hash: GENESIS_HASH };
  }
}

export interface ChainReport {
  ok: boolean;
  rows: number;
  head: { seq: number; hash: string };
  /** The first row where the chain breaks, and how. */
  firstBroken?: { seq: number; problem: string };
}

/** Walks the whole chain in seq order; names the first row that was edited, deleted or reordered. */
export function verifyAuditChain(sqlite: Database.Database): ChainReport {
  const rows = sqlite
    .prepare('SELECT seq, at, actor, desk_id AS deskId, action, subject, prev_hash AS prevHash, hash FROM audit_log ORDER BY seq')
    .iterate() as IterableIterator<AuditRow>;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  for (const row of rows) {
    count++;
    if (row.seq !== expectedSeq) {
      return broken(count, row.seq, `row ${expectedSeq}${row.seq > expectedSeq + 1 ? ` to ${row.seq - 1}` : ''} is missing (deleted)`, prevHash, expectedSeq - 1);
    }
    if (row.prevHash !== prevHash) {
      return broken(count, row.seq, 'does not follow the row before it (a row was deleted, inserted or reordered)', prevHash, expectedSeq - 1);
    }
    if (rowHash(row) !== row.hash) return broken(count, row.seq, 'its contents were edited after it was written', prevHash, expectedSeq - 1);
    prevHash = row.hash;
    expectedSeq++;
  }
  return { ok: true, rows: count, head: { seq: expectedSeq - 1, hash: prevHash } };
}

function broken(rows: number, seq: number, problem: string, lastGoodHash: string, lastGoodSeq: number): ChainReport {
  return { ok: false, rows, head: { seq: lastGoodSeq, hash: lastGoodHash }, firstBroken: { seq, problem } };
}
