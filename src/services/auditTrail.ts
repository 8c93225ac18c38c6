/** The audit trail as commands see it: verify the chain, list entries. */
import type { Inventory } from '../store/db.js';
import type { AuditRow, ChainReport } from '../store/auditLog.js';

export function verifyAudit(inventory: Inventory): ChainReport {
  return inventory.store.audit.verify();
}

export function listAudit(inventory: Inventory, options: { since?: string; limit?: number } = {}): AuditRow[] {
  return inventory.store.audit.list(options);
}
