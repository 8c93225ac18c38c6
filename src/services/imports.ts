/** The record of seed files imported into this home, newest first. */
import type { Inventory } from '../store/db.js';
import type { ImportRecord } from '../store/importRepo.js';

export type { ImportRecord };

export function listImports(inventory: Inventory, limit = 100): ImportRecord[] {
  return inventory.store.imports.list(limit);
}
