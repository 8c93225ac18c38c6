/** What `doctor` checks inside a home: counts, the audit trail, SQLite's own integrity check. */
import type { Inventory } from '../store/db.js';
import { countTokensByStatus } from './tokens.js';
import type { TokenStatus } from '../store/schema.js';
import { verifyAudit, type AuditReport } from './auditTrail.js';

export interface InventoryHealth {
  counts: Record<TokenStatus, number>;
  /** The full audit check (chain, head file, manifests, triggers, batches): see auditTrail.ts. */
  chain: AuditReport;
  /** SQLite's quick_check: "ok", or what it found. */
  integrity: string;
}

export function inventoryHealth(inventory: Inventory): InventoryHealth {
  return {
    counts: countTokensByStatus(inventory),
    chain: verifyAudit(inventory),
    integrity: inventory.store.meta.integrity(),
  };
}
