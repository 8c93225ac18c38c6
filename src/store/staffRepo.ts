/** Staff accounts and wrong-PIN counts. */
import type { Db } from './connection.js';

export class StaffRepo {
  constructor(private readonly db: Db) {}
}
