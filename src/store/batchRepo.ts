/** Batches and their membership: waiting hand-outs, new batches, void, mark uploaded, purge. */
import type { Db } from './connection.js';

export class BatchRepo {
  constructor(private readonly db: Db) {}
}
