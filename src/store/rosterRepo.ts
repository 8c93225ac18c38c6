/** The roster: people, badges, employee ids and the type-ahead word index. */
import type { Db } from './connection.js';

export class RosterRepo {
  constructor(private readonly db: Db) {}
}
