/** The audit trail as commands see it: verify the chain, list entries. */
import type { Inventory } from '../store/db.js';
import { verifyAuditChain, type AuditRow, type ChainReport } from '../store/auditLog.js';

export function verifyAudit(inventory: Inventory): ChainReport {
  return verifyAuditChain(inventory.sqlite);
}

export function listAudit(inventory: Inventory, options: { since?: string; limit?: number } = {}): AuditRow[] {
  return inventory.sqlite
    .prepare(
      `SELECT seq, at, actor, desk_id AS deskId, action, subject, prev_hash AS prevHash, hash FROM audit_log
        WHERE at >= ? ORDER BY seq LIMIT ?`,
    )
    .all(options.since ?? '', options.limit ?? -1) as AuditRow[];
}
