/** Key/value facts about this home (desk id, key check). */
import type { Db } from './connection.js';

export class MetaRepo {
  constructor(private readonly db: Db) {}
}
