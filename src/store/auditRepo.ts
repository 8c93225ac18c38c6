/** The audit trail's rows: append (inside the caller's write), head, walk, list. */
import type { Db } from './connection.js';

export class AuditRepo {
  constructor(private readonly db: Db) {}
}
