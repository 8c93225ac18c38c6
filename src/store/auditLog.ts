/**
 * The audit trail's rules (rows are stored by auditRepo.ts). Rows are append-only and chained:
 * each names the previous row's `hash`, so an edited, deleted or reordered row breaks the chain
 * at that row.
 *
 * Keyed rows (every row written since this home's trail was keyed): `hash` is an HMAC-SHA256 of
 * the previous hash and the row, under a key derived from the data key (seedVault.ts auditKey).
 * Without the key nobody can write a row that verifies, so an edit re-hashed with sha256 or a
 * forged append is caught at that row. Each `key-rotate` row starts a new key epoch: it and every
 * row after it are authenticated under the new data key's audit key; the keys of earlier epochs
 * are kept sealed under the current data key (auditKeys.ts), so old rows stay verifiable.
 *
 * Legacy rows (written by tokendesk before the trail was keyed): `hash` is sha256 of the previous
 * hash and the row. They verify as "legacy, unkeyed up to #N"; the first keyed row names the last
 * legacy hash, so from then on even they cannot be changed without the key.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);
/** The action that starts a new key epoch (written by services/keys.ts inside the rotation). */
export const KEY_ROTATE_ACTION = 'key-rotate';

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
  /** Keyed rows: the HMAC (hex); legacy rows: sha256 (hex). */
  hash: string;
}

/** Keys that would mean a secret is about to be written; refused as a programming error. */
const FORBIDDEN_KEYS = /secret|seed|code|pin|passphrase|password|key/i;

function canonicalRow(row: Omit<AuditRow, 'hash'>): string {
  return JSON.stringify([row.seq, row.at, row.actor, row.deskId, row.action, row.subject]);
}

/** Legacy (unkeyed) rows only: sha256 over the previous hash and the row. */
export function rowHash(row: Omit<AuditRow, 'hash'>): string {
  return createHash('sha256').update(row.prevHash).update('\n').update(canonicalRow(row)).digest('hex');
}

/** Keyed rows: HMAC-SHA256 under the audit key of the row's epoch. */
export function rowMac(key: Uint8Array, row: Omit<AuditRow, 'hash'>): string {
  return createHmac('sha256', key).update('tokendesk/audit/v1\n').update(row.prevHash).update('\n').update(canonicalRow(row)).digest('hex');
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

/** How a home's trail is keyed: from which row, and the audit key of each epoch, oldest first. */
export interface ChainKeys {
  keyedFrom: number;
  /** keys[0] authenticates rows from `keyedFrom`; keys[i] rows after the i-th key-rotate row. */
  keys: readonly Uint8Array[];
}

export interface ChainReport {
  ok: boolean;
  rows: number;
  /** The last row that verified (everything up to it is intact). */
  head: { seq: number; hash: string };
  /** The first row where the chain breaks, and how. */
  firstBroken?: { seq: number; problem: string };
  /** Rows 1..legacyUpTo were written before the trail was keyed (checked as a sha256 chain). */
  legacyUpTo?: number;
  /** The chain ends before the last key epoch began: rows at the end were deleted. */
  endsEarly?: string;
}

/**
 * Checks rows given in seq order; names the first row that was edited, deleted, reordered or
 * forged. Without `keys` every row is checked as legacy (an older home not yet keyed).
 */
export function checkChain(rows: Iterable<AuditRow>, keying?: ChainKeys): ChainReport {
  const keyedFrom = keying?.keyedFrom ?? Infinity;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  let epoch = 0;
  /** The report: everything up to the last good row verified; rows below keyedFrom are legacy. */
  const report = (extra: Partial<ChainReport>): ChainReport => {
    const head = { seq: expectedSeq - 1, hash: prevHash };
    const legacyUpTo = Math.min(head.seq, keyedFrom - 1);
    return { ok: false, rows: count, head, ...(legacyUpTo > 0 ? { legacyUpTo } : {}), ...extra };
  };
  const broken = (seq: number, problem: string) => report({ firstBroken: { seq, problem } });
  for (const row of rows) {
    count++;
    if (row.seq !== expectedSeq) {
      return broken(row.seq, `row ${expectedSeq}${row.seq > expectedSeq + 1 ? ` to ${row.seq - 1}` : ''} is missing (deleted)`);
    }
    if (row.prevHash !== prevHash) return broken(row.seq, 'does not follow the row before it (a row was deleted, inserted or reordered)');
    if (row.seq < keyedFrom) {
      if (rowHash(row) !== row.hash) return broken(row.seq, 'its contents were edited after it was written');
    } else {
      if (row.action === KEY_ROTATE_ACTION && row.seq > keyedFrom) epoch++;
      const key = keying!.keys[epoch];
      if (!key) return broken(row.seq, 'it claims a key rotation this home has no record of (a forged row)');
      if (!sameHex(rowMac(key, row), row.hash)) {
        return broken(row.seq, "its contents do not match its authentication code: it was edited, or written without this home's key");
      }
    }
    prevHash = row.hash;
    expectedSeq++;
  }
  const last = expectedSeq - 1;
  if (keying && keyedFrom > 1 && last < keyedFrom) {
    // An older home keyed later always has its audit-keyed row: none left means deleted.
    return report({ endsEarly: `the trail ends at #${last}, before its keyed part begins at #${keyedFrom}: the entries after #${last} were deleted` });
  }
  if (keying && epoch < keying.keys.length - 1) {
    return report({ endsEarly: `the trail ends at #${last}, before the home's last key rotation was recorded: the entries after #${last} were deleted` });
  }
  return { ...report({}), ok: true };
}

export function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
