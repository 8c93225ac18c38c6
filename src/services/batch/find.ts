/** A batch as people name it: hq-20261129-1, or its number (3 or "#3"). */
import { Refusal } from '../../core/errors.js';
import type { BatchRecord } from '../../store/batchRepo.js';
import type { Inventory } from '../../store/db.js';

export type { BatchRecord } from '../../store/batchRepo.js';

export function findBatch(inventory: Inventory, idOrName: string | number): BatchRecord {
  const text = String(idOrName).trim();
  const byName = inventory.store.batches.byName(text);
  if (byName) return byName;
  const number = /^#?\d{1,15}$/.test(text) ? Number(text.replace('#', '')) : null;
  const byId = number === null ? undefined : inventory.store.batches.byId(number);
  if (byId) return byId;
  throw new Refusal('unknown-batch', `there is no batch "${text}" in this home; \`tokendesk batch list\` shows the batches`);
}
