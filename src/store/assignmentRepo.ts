/** Hand-outs (assignments): record, undo, live counts, who holds what. */
import type { Db } from './connection.js';

export class AssignmentRepo {
  constructor(private readonly db: Db) {}
}
