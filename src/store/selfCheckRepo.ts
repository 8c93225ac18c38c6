/** Employee self-check attempts, for the rate limits. */
import type { Db } from './connection.js';

export class SelfCheckRepo {
  constructor(private readonly db: Db) {}
}
