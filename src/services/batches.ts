/** Reading batches for `batch list` and the admin screen. */
import { desc } from 'drizzle-orm';
import type { Inventory } from '../store/db.js';
import { batches } from '../store/schema.js';

export type BatchView = typeof batches.$inferSelect;

export function listBatches(inventory: Inventory): BatchView[] {
  return inventory.db.select().from(batches).orderBy(desc(batches.id)).all();
}

/** Verified hand-outs not yet in a batch. */
export function countWaitingForExport(inventory: Inventory): number {
  const row = inventory.sqlite
    .prepare("SELECT count(*) AS n FROM assignments a JOIN tokens t ON t.id = a.token_id WHERE a.batch_id IS NULL AND a.undone_at IS NULL AND t.status = 'assigned'")
    .get() as { n: number };
  return row.n;
}
