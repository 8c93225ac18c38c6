/**
 * The audit trail's rules (rows are stored by auditRepo.ts): append-only rows, each hashed over the previous row's hash, so an edited,
 * deleted or reordered row breaks the chain at that row. Appends run inside the caller's write
 * transaction (BEGIN IMMEDIATE), so two processes cannot fork the chain.
 */
import { createHash } from 'node:crypto';

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

export function canonicalSubject(subject: AuditSubject): string {
  const clean: Record<string, string | number | boolean | null> = {};
  for (const key of Object.keys(subject).sort()) {
    if (FORBIDDEN_KEYS.test(key)) throw new Error(`audit subject key "${key}" is not allowed: the audit log never holds secrets or codes`);
    const value = subject[key];
    if (value !== undefined) clean[key] = value;
  }
  return JSON.stringify(clean);
}

export interface ChainReport {
  ok: boolean;
  rows: number;
  head: { seq: number; hash: string };
  /** The first row where the chain breaks, and how. */
  firstBroken?: { seq: number; problem: string };
}

/** Checks rows given in seq order; names the first row that was edited, deleted or reordered. */
export function checkChain(rows: Iterable<AuditRow>): ChainReport {
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
