/** What `doctor` checks inside a home: counts, the audit chain, SQLite's own integrity check. */
import type { Inventory } from '../store/db.js';
import type { ChainReport } from '../store/auditLog.js';
import { countTokensByStatus } from '../store/tokenRepo.js';
import type { TokenStatus } from '../store/schema.js';

export interface InventoryHealth {
  counts: Record<TokenStatus, number>;
  chain: ChainReport;
  /** SQLite's quick_check: "ok", or what it found. */
  integrity: string;
}

export function inventoryHealth(inventory: Inventory): InventoryHealth {
  return {
    counts: countTokensByStatus(inventory),
    chain: inventory.store.audit.verify(),
    integrity: String(inventory.sqlite.pragma('quick_check', { simple: true })),
  };
}
