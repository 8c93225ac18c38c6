/**
 * After the hand-out: ending a hand-out (returned, lost, broken, replaced, retired), the removals the
 * identity provider must carry out, the code checks that are the evidence for drift quarantine and
 * for the kiosk-clock check, and the holders list. Status changes go through TokenRepo.transition.
 * Hot lookups are prepared once; every query is served by an index (see the EXPLAIN test).
 */
import { and, asc, avg, count, desc, eq, gte, isNull, lt, max, ne, sql, type Placeholder } from 'drizzle-orm';
import type { Db } from './connection.js';
import { assignments, batches, codeChecks, imports, removals, tokens, type AssignmentEndReason } from './schema.js';

/** A placeholder inside set(): Drizzle's update types take a value or SQL there, not a bare placeholder. */
const slot = (name: string) => sql`${sql.placeholder(name)}`;

const liveHandOut = and(isNull(assignments.undoneAt), isNull(assignments.endedAt));

const endingFields = {
  assignmentId: assignments.id,
  tokenId: assignments.tokenId,
  upn: assignments.upn,
  displayName: assignments.displayName,
  verifiedAt: assignments.verifiedAt,
  deskId: assignments.deskId,
  batchId: assignments.batchId,
  undoneAt: assignments.undoneAt,
  endedAt: assignments.endedAt,
  endReason: assignments.endReason,
  replacesAssignmentId: assignments.replacesAssignmentId,
};
const endingRows = (db: Db) => db.select(endingFields).from(assignments);
export type EndableHandOut = ReturnType<ReturnType<typeof endingRows>['all']>[number];

const holderFields = {
  serial: tokens.serial,
  status: tokens.status,
  statusChangedAt: tokens.statusChangedAt,
  manufacturer: tokens.manufacturer,
  model: tokens.model,
  quarantineReason: tokens.quarantineReason,
  assignmentId: assignments.id,
  upn: assignments.upn,
  displayName: assignments.displayName,
  handedOutAt: assignments.verifiedAt,
  handedOutBy: assignments.assignedBy,
  deskId: assignments.deskId,
  batch: batches.name,
  undoneAt: assignments.undoneAt,
  endedAt: assignments.endedAt,
  endReason: assignments.endReason,
  endNote: assignments.endNote,
  replacesAssignmentId: assignments.replacesAssignmentId,
};

/** The holders queries, built apart so a test can read their plans (EXPLAIN QUERY PLAN uses indexes). */
export const holdersQueries = {
  bySerial: (db: Db, serial: string | Placeholder) =>
    db
      .select(holderFields)
      .from(tokens)
      .leftJoin(assignments, eq(assignments.tokenId, tokens.id))
      .leftJoin(batches, eq(batches.id, assignments.batchId))
      .where(eq(tokens.serial, serial))
      .orderBy(asc(assignments.id)),
  byUpn: (db: Db, upn: string | Placeholder) =>
    db
      .select(holderFields)
      .from(assignments)
      .innerJoin(tokens, eq(tokens.id, assignments.tokenId))
      .leftJoin(batches, eq(batches.id, assignments.batchId))
      .where(eq(assignments.upn, upn))
      .orderBy(asc(assignments.id)),
};

export interface NewRemoval {
  tokenId: number;
  assignmentId: number;
  upn: string;
  reason: AssignmentEndReason;
  action: 'unassign' | 'delete';
  requestedAt: string;
  requestedBy: string;
  deskId: string;
}

export interface CodeCheck {
  tokenId: number;
  importId: number;
  atMs: number;
  /** locked-out: a lockout (offset 0, not clock evidence: the clock checks leave it out). */
  kind: 'hand-out' | 'out-of-window' | 'self-check' | 'return' | 'locked-out';
  offsetSteps: number;
}

export class LifecycleRepo {
  readonly #liveHandOutOfToken;
  readonly #handOutById;
  readonly #end;
  readonly #insertRemoval;
  readonly #latestRemovalOfToken;
  readonly #replacementOf;
  readonly #recordCheck;
  readonly #forgetChecks;
  readonly #recentChecks;
  readonly #quarantineOf;
  readonly #countChecksOf;
  readonly #holdersOfSerial;
  readonly #holdersOfUpn;

  constructor(private readonly db: Db) {
    const id = sql.placeholder('id');
    const tokenId = sql.placeholder('tokenId');
    this.#liveHandOutOfToken = endingRows(db).where(and(eq(assignments.tokenId, tokenId), liveHandOut)).prepare();
    this.#handOutById = endingRows(db).where(eq(assignments.id, id)).prepare();
    this.#end = db
      .update(assignments)
      .set({ endedAt: slot('at'), endedBy: slot('by'), endReason: slot('reason'), endNote: slot('note') })
      .where(and(eq(assignments.id, id), liveHandOut))
      .prepare();
    this.#insertRemoval = db
      .insert(removals)
      .values({
        tokenId: sql.placeholder('tokenId'),
        assignmentId: sql.placeholder('assignmentId'),
        upn: sql.placeholder('upn'),
        reason: sql.placeholder('reason'),
        action: sql.placeholder('action'),
        requestedAt: sql.placeholder('requestedAt'),
        requestedBy: sql.placeholder('requestedBy'),
        deskId: sql.placeholder('deskId'),
      })
      .returning({ id: removals.id })
      .prepare();
    this.#latestRemovalOfToken = db
      .select({ id: removals.id, action: removals.action, batchId: removals.batchId, doneAt: removals.doneAt })
      .from(removals)
      .where(eq(removals.tokenId, tokenId))
      .orderBy(desc(removals.id))
      .limit(1)
      .prepare();
    this.#replacementOf = db.select({ id: assignments.id }).from(assignments).where(eq(assignments.replacesAssignmentId, id)).limit(1).prepare();
    this.#recordCheck = db
      .insert(codeChecks)
      .values({
        tokenId: sql.placeholder('tokenId'),
        importId: sql.placeholder('importId'),
        atMs: sql.placeholder('atMs'),
        kind: sql.placeholder('kind'),
        offsetSteps: sql.placeholder('offsetSteps'),
      })
      .prepare();
    this.#holdersOfSerial = holdersQueries.bySerial(db, sql.placeholder('serial')).prepare();
    this.#holdersOfUpn = holdersQueries.byUpn(db, sql.placeholder('upn')).prepare();
    this.#countChecksOf = db
      .select({ n: count() })
      .from(codeChecks)
      .where(and(eq(codeChecks.tokenId, tokenId), eq(codeChecks.kind, sql.placeholder('kind')), gte(codeChecks.atMs, sql.placeholder('since'))))
      .prepare();
    this.#quarantineOf = db.select({ status: tokens.status, quarantineReason: tokens.quarantineReason }).from(tokens).where(eq(tokens.id, tokenId)).prepare();
    this.#forgetChecks = db.delete(codeChecks).where(lt(codeChecks.atMs, sql.placeholder('before'))).prepare();
    // Newest first, walked by the code_checks_at index; the caller keeps each token's latest.
    this.#recentChecks = db
      .select({
        tokenId: codeChecks.tokenId,
        importId: codeChecks.importId,
        atMs: codeChecks.atMs,
        kind: codeChecks.kind,
        offsetSteps: codeChecks.offsetSteps,
        period: tokens.period,
      })
      .from(codeChecks)
      .innerJoin(tokens, eq(tokens.id, codeChecks.tokenId))
      .where(and(gte(codeChecks.atMs, sql.placeholder('since')), ne(codeChecks.kind, 'locked-out')))
      .orderBy(desc(codeChecks.atMs), desc(codeChecks.id))
      .limit(sql.placeholder('limit'))
      .prepare();
  }

  /** The hand-out a token is held under now (not undone, not ended), if any. */
  liveHandOutOfToken(tokenId: number): EndableHandOut | undefined {
    return this.#liveHandOutOfToken.get({ tokenId });
  }

  handOutById(assignmentId: number): EndableHandOut | undefined {
    return this.#handOutById.get({ id: assignmentId });
  }

  /** Ends a live hand-out; false when it had ended (or been undone) already. */
  endHandOut(assignmentId: number, end: { at: string; by: string; reason: AssignmentEndReason; note: string | null }): boolean {
    return this.#end.run({ id: assignmentId, ...end }).changes === 1;
  }

  /** What the identity provider must forget; a removal batch (batch_id NULL until then) carries it. */
  recordRemoval(removal: NewRemoval): number {
    const row = this.#insertRemoval.get({ ...removal });
    if (!row) throw new Error('the removal was not stored');
    return row.id;
  }

  latestRemovalOfToken(tokenId: number): { id: number; action: 'unassign' | 'delete'; batchId: number | null; doneAt: string | null } | undefined {
    return this.#latestRemovalOfToken.get({ tokenId });
  }

  quarantineOf(tokenId: number): { status: (typeof tokens.$inferSelect)['status']; quarantineReason: string | null } | undefined {
    return this.#quarantineOf.get({ tokenId });
  }

  /** The hand-out that replaced this one, if any. */
  replacementOf(assignmentId: number): number | null {
    return this.#replacementOf.get({ id: assignmentId })?.id ?? null;
  }

  recordCodeCheck(check: CodeCheck): void {
    this.#recordCheck.run({ ...check });
  }

  /** How many checks of one kind a token had since a moment (code_checks is pruned to 30 days: small). */
  countChecksOf(tokenId: number, kind: CodeCheck['kind'], sinceMs: number): number {
    return this.#countChecksOf.get({ tokenId, kind, since: sinceMs })?.n ?? 0;
  }

  forgetCodeChecksBefore(atMs: number): void {
    this.#forgetChecks.run({ before: atMs });
  }

  /** Code checks since a moment, newest first, with each token's time step (to compare offsets in seconds). */
  recentCodeChecks(sinceMs: number, limit: number): Array<CodeCheck & { period: number }> {
    return this.#recentChecks.all({ since: sinceMs, limit }) as Array<CodeCheck & { period: number }>;
  }

  /** A token and every hand-out of it (oldest first); one row with null hand-out fields when it was never handed out. */
  holdersOfSerial(serial: string) {
    return this.#holdersOfSerial.all({ serial });
  }

  /** Every hand-out to a person, returned, lost and undone ones included (oldest first). */
  holdersOfUpn(upn: string) {
    return this.#holdersOfUpn.all({ upn });
  }

  /** Every live hand-out, by serial. */
  liveHolders(limit?: number) {
    const query = this.db
      .select(holderFields)
      .from(assignments)
      .innerJoin(tokens, eq(tokens.id, assignments.tokenId))
      .leftJoin(batches, eq(batches.id, assignments.batchId))
      .where(liveHandOut)
      .orderBy(asc(tokens.serial));
    return limit === undefined ? query.all() : query.limit(limit).all();
  }

  /**
   * Drift by import and model: how many tokens, how many were quarantined for drift, and the
   * measured offsets of those handed out or quarantined (a model that keeps drifting stands out).
   */
  driftByImport() {
    const measured = sql<number>`abs(coalesce(${tokens.quarantineOffsetSteps}, ${tokens.driftSteps}))`;
    return this.db
      .select({
        importId: imports.id,
        fileName: imports.fileName,
        importedAt: imports.importedAt,
        manufacturer: tokens.manufacturer,
        model: tokens.model,
        period: tokens.period,
        tokens: count(),
        quarantinedForDrift: sql<number>`sum(case when ${tokens.quarantineReason} = 'drift' then 1 else 0 end)`.mapWith(Number),
        meanOffsetSteps: avg(sql`case when ${tokens.status} <> 'in-stock' or ${tokens.quarantineReason} is not null then ${measured} end`).mapWith((v) =>
          v === null ? null : Number(v),
        ),
        maxOffsetSteps: max(measured).mapWith((v) => (v === null ? null : Number(v))),
      })
      .from(tokens)
      .innerJoin(imports, eq(imports.id, tokens.importId))
      .groupBy(imports.id, tokens.manufacturer, tokens.model, tokens.period)
      .orderBy(asc(imports.id))
      .all();
  }

  /** Open removals (no batch yet): what the next removal batch takes. */
  countOpenRemovals(): number {
    return this.db.select({ n: count() }).from(removals).where(and(isNull(removals.batchId), isNull(removals.doneAt))).get()?.n ?? 0;
  }
}
