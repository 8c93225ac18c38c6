/**
 * Hand-outs (the assignments table): record, undo, live counts per UPN, a token's history and a
 * desk's day. The statements a hand-out and the kiosk header run are prepared once, when the
 * repository is built.
 */
import { and, asc, count, desc, eq, gte, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from './connection.js';
import { assignments, batches, exportBacklog, tokens } from './schema.js';

type Assignment = typeof assignments.$inferSelect;

/** One hand-out of a token, as `tokens show` lists it. */
export type AssignmentView = Pick<
  Assignment,
  'id' | 'upn' | 'displayName' | 'verifiedAt' | 'offsetSteps' | 'assignedBy' | 'deskId' | 'batchId' | 'undoneAt' | 'undoReason'
> & { serial: string };

/** A hand-out with what the desk needs to tell whether it may still be undone. */
export type HandOutRow = Pick<Assignment, 'upn' | 'displayName' | 'verifiedAt' | 'assignedBy' | 'offsetSteps' | 'batchId' | 'undoneAt' | 'undoReason'> & {
  assignmentId: number;
  tokenId: number;
  serial: string;
  tokenStatus: (typeof tokens.$inferSelect)['status'];
  batchName: string | null;
  batchStatus: (typeof batches.$inferSelect)['status'] | null;
};

export type NewAssignment = Pick<Assignment, 'tokenId' | 'upn' | 'displayName' | 'verifiedAt' | 'offsetSteps' | 'assignedBy' | 'deskId'> & {
  /** A replacement names the hand-out it replaces (ended as 'replaced'). */
  replacesAssignmentId?: number | null;
};

/** A placeholder inside set(): Drizzle's update types take a value or SQL there, not a bare placeholder. */
const slot = (name: string) => sql`${sql.placeholder(name)}`;

const viewColumns = {
  id: assignments.id,
  serial: tokens.serial,
  upn: assignments.upn,
  displayName: assignments.displayName,
  verifiedAt: assignments.verifiedAt,
  offsetSteps: assignments.offsetSteps,
  assignedBy: assignments.assignedBy,
  deskId: assignments.deskId,
  batchId: assignments.batchId,
  undoneAt: assignments.undoneAt,
  undoReason: assignments.undoReason,
};

const handOutColumns = {
  assignmentId: assignments.id,
  tokenId: assignments.tokenId,
  serial: tokens.serial,
  tokenStatus: tokens.status,
  upn: assignments.upn,
  displayName: assignments.displayName,
  verifiedAt: assignments.verifiedAt,
  assignedBy: assignments.assignedBy,
  offsetSteps: assignments.offsetSteps,
  batchId: assignments.batchId,
  batchName: batches.name,
  batchStatus: batches.status,
  undoneAt: assignments.undoneAt,
  undoReason: assignments.undoReason,
};

export class AssignmentRepo {
  readonly #liveCountOf;
  readonly #liveUpnOfToken;
  readonly #record;
  readonly #handOut;
  readonly #markUndone;
  readonly #countLiveOfDesk;
  readonly #countWaitingForExport;

  constructor(private readonly db: Db) {
    const id = sql.placeholder('id');
    this.#liveCountOf = db
      .select({ n: count() })
      .from(assignments)
      .where(and(eq(assignments.upn, sql.placeholder('upn')), isNull(assignments.undoneAt), isNull(assignments.endedAt)))
      .prepare();
    this.#liveUpnOfToken = db
      .select({ upn: assignments.upn })
      .from(assignments)
      .where(and(eq(assignments.tokenId, sql.placeholder('tokenId')), isNull(assignments.undoneAt), isNull(assignments.endedAt)))
      .prepare();
    this.#record = db
      .insert(assignments)
      .values({
        tokenId: sql.placeholder('tokenId'),
        upn: sql.placeholder('upn'),
        displayName: sql.placeholder('displayName'),
        verifiedAt: sql.placeholder('verifiedAt'),
        offsetSteps: sql.placeholder('offsetSteps'),
        assignedBy: sql.placeholder('assignedBy'),
        deskId: sql.placeholder('deskId'),
        replacesAssignmentId: sql.placeholder('replacesAssignmentId'),
      })
      .returning({ id: assignments.id })
      .prepare();
    this.#handOut = this.#handOutsJoined().where(eq(assignments.id, id)).prepare();
    this.#markUndone = db
      .update(assignments)
      .set({ undoneAt: slot('at'), undoneBy: slot('by'), undoReason: slot('reason') })
      .where(and(eq(assignments.id, id), isNull(assignments.undoneAt)))
      .prepare();
    this.#countLiveOfDesk = db
      .select({ n: count() })
      .from(assignments)
      .where(
        and(
          eq(assignments.deskId, sql.placeholder('deskId')),
          gte(assignments.verifiedAt, sql.placeholder('from')),
          lt(assignments.verifiedAt, sql.placeholder('to')),
          isNull(assignments.undoneAt),
        ),
      )
      .prepare();
    // The rule exportBatch uses to pick what goes in the next batch, kept by triggers in export_backlog
    // (migration 0005): a join over every unexported hand-out took ~100 ms at a million tokens.
    this.#countWaitingForExport = db.select({ n: exportBacklog.n }).from(exportBacklog).where(eq(exportBacklog.id, 1)).prepare();
  }

  #handOutsJoined() {
    return this.db
      .select(handOutColumns)
      .from(assignments)
      .innerJoin(tokens, eq(tokens.id, assignments.tokenId))
      .leftJoin(batches, eq(batches.id, assignments.batchId))
      .$dynamic();
  }

  /** Live (not undone) hand-outs to a UPN: Entra allows at most five OATH tokens per user. */
  liveCountOf(upn: string): number {
    return this.#liveCountOf.get({ upn })?.n ?? 0;
  }

  /** Who holds a token now, or null when it is not handed out. */
  liveUpnOfToken(tokenId: number): string | null {
    return this.#liveUpnOfToken.get({ tokenId })?.upn ?? null;
  }

  /** Stores a verified hand-out; returns its id. Inside the write that marks the token. */
  record(handOut: NewAssignment): number {
    const row = this.#record.get({ replacesAssignmentId: null, ...handOut });
    if (!row) throw new Error('the hand-out was not stored');
    return row.id;
  }

  /** Every hand-out of a token, undone ones included, oldest first. */
  ofToken(tokenId: number): AssignmentView[] {
    return this.db
      .select(viewColumns)
      .from(assignments)
      .innerJoin(tokens, eq(tokens.id, assignments.tokenId))
      .where(eq(assignments.tokenId, tokenId))
      .orderBy(asc(assignments.id))
      .all();
  }

  handOut(assignmentId: number): HandOutRow | undefined {
    return this.#handOut.get({ id: assignmentId });
  }

  /** A desk's hand-outs verified in [from, to) (ISO text), newest first, undone ones included. */
  handOutsOfDesk(deskId: string, from: string, to: string): HandOutRow[] {
    return this.#handOutsJoined()
      .where(and(eq(assignments.deskId, deskId), gte(assignments.verifiedAt, from), lt(assignments.verifiedAt, to)))
      .orderBy(desc(assignments.verifiedAt), desc(assignments.id))
      .all();
  }

  /** Marks a live hand-out undone; false when it was undone already. */
  markUndone(assignmentId: number, undo: { at: string; by: string; reason: string }): boolean {
    return this.#markUndone.run({ id: assignmentId, at: undo.at, by: undo.by, reason: undo.reason }).changes > 0;
  }

  /** Live hand-outs a desk verified in [from, to): a range of the assignments_desk_verified index. */
  countLiveOfDesk(deskId: string, from: string, to: string): number {
    return this.#countLiveOfDesk.get({ deskId, from, to })?.n ?? 0;
  }

  /** Live hand-outs of assigned tokens in no batch yet. */
  countWaitingForExport(): number {
    return this.#countWaitingForExport.get()?.n ?? 0;
  }
}
