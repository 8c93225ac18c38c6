/** The record of seed files imported into this home, newest first. */
import { desc } from 'drizzle-orm';
import type { Inventory } from '../store/db.js';
import { imports } from '../store/schema.js';

export type ImportRecord = typeof imports.$inferSelect;

export function listImports(inventory: Inventory, limit = 100): ImportRecord[] {
  return inventory.db.select().from(imports).orderBy(desc(imports.id)).limit(limit).all();
}
