/**
 * Every file a batch wrote (batch_files): the batch file (plain or .age), its manifest, a companion
 * list, in the home or in an `--out` folder. Purge and void read it to shred every copy they can
 * reach and to name the ones they cannot; a file written again at the same path is one row.
 */
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from './connection.js';
import { batchFiles } from './schema.js';

export type BatchFileRecord = typeof batchFiles.$inferSelect;

/** What a batch wrote: body (plain batch file), encrypted (.age), manifest, assignments, checklist. */
export type BatchFileRole = 'body' | 'encrypted' | 'manifest' | 'assignments' | 'checklist';

export interface WrittenFile {
  batchId: number;
  /** Absolute path as written. */
  path: string;
  role: BatchFileRole;
  holdsSeeds: boolean;
  writtenAt: string;
}

export class BatchFileRepo {
  constructor(private readonly db: Db) {}

  /** Inside the caller's write: the file was (re)written now; a path seen before counts as present again. */
  record(file: WrittenFile): void {
    this.db
      .insert(batchFiles)
      .values({ ...file, removedAt: null })
      .onConflictDoUpdate({
        target: [batchFiles.batchId, batchFiles.path],
        set: { role: file.role, holdsSeeds: file.holdsSeeds, writtenAt: file.writtenAt, removedAt: null },
      })
      .run();
  }

  /** The batch's files, oldest first, removed ones included. */
  ofBatch(batchId: number): BatchFileRecord[] {
    return this.db.select().from(batchFiles).where(eq(batchFiles.batchId, batchId)).orderBy(asc(batchFiles.id)).all();
  }

  /** Files not removed yet that hold seeds in plain text, across all batches (for doctor and the docs). */
  seedCopiesLeft(): BatchFileRecord[] {
    return this.db
      .select()
      .from(batchFiles)
      .where(and(isNull(batchFiles.removedAt), eq(batchFiles.holdsSeeds, true)))
      .orderBy(asc(batchFiles.id))
      .all();
  }

  /** The file was overwritten and deleted (or found gone). */
  markRemoved(id: number, at: string): void {
    this.db.update(batchFiles).set({ removedAt: at }).where(and(eq(batchFiles.id, id), isNull(batchFiles.removedAt))).run();
  }

  /** How many files are recorded for the batch (a batch exported before batch_files has none). */
  countOf(batchId: number): number {
    return this.db.select({ n: sql<number>`count(*)` }).from(batchFiles).where(eq(batchFiles.batchId, batchId)).get()?.n ?? 0;
  }
}
