/** Seed-file imports: the import record and the new tokens it adds. */
import type { Db } from './connection.js';

export class ImportRepo {
  constructor(private readonly db: Db) {}
}
