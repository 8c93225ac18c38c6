/**
 * Upload to Entra through Microsoft Graph: the ledger (graph_uploads: each token's progress in one
 * tenant), the hand-outs and stock an upload takes, the removals a removal batch carries, and the
 * few changes an upload makes to the desk's records (token -> uploaded, batch -> uploaded or
 * partly-uploaded, removal done). Ledger reads and writes run several times per token, so they are
 * prepared once.
 */
import { and, asc, count, desc, eq, inArray, isNotNull, isNull, ne, notExists, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db } from './connection.js';
import { assignments, batches, graphUploads, removals, tokens, type BatchStatus } from './schema.js';

export type GraphUploadRow = typeof graphUploads.$inferSelect;
export type GraphUploadChange = Omit<typeof graphUploads.$inferInsert, 'id'>;

/** A placeholder inside set(): Drizzle's update types take a value or SQL there, not a bare placeholder. */
const slot = (name: string) => sql`${sql.placeholder(name)}`;

/** What the upload engine needs of a token and (when handed out) its hand-out; never the seed. */
const candidateFields = {
  tokenId: tokens.id,
  serial: tokens.serial,
  algorithm: tokens.algorithm,
  digits: tokens.digits,
  period: tokens.period,
  manufacturer: tokens.manufacturer,
  model: tokens.model,
  tokenStatus: tokens.status,
  seedPurged: isNull(tokens.sealedSecret).mapWith((v) => v === 1),
  assignmentId: assignments.id,
  upn: assignments.upn,
  displayName: assignments.displayName,
  offsetSteps: assignments.offsetSteps,
  batchId: assignments.batchId,
  endedAt: assignments.endedAt,
};

const handOuts = (db: Db) => db.select(candidateFields).from(assignments).innerJoin(tokens, eq(tokens.id, assignments.tokenId));
export type UploadCandidate = ReturnType<ReturnType<typeof handOuts>['all']>[number];
/** A token in stock has no hand-out: those fields are null. */
export type StagingCandidate = Omit<UploadCandidate, 'assignmentId' | 'upn' | 'displayName' | 'offsetSteps' | 'batchId' | 'endedAt'> & {
  assignmentId: number | null;
  upn: string | null;
  displayName: string | null;
  offsetSteps: number | null;
  batchId: number | null;
  endedAt: string | null;
};

const removalFields = {
  removalId: removals.id,
  tokenId: removals.tokenId,
  assignmentId: removals.assignmentId,
  serial: tokens.serial,
  upn: removals.upn,
  reason: removals.reason,
  action: removals.action,
  doneAt: removals.doneAt,
};
const removalRows = (db: Db) => db.select(removalFields).from(removals).innerJoin(tokens, eq(tokens.id, removals.tokenId));
export type RemovalToRun = ReturnType<ReturnType<typeof removalRows>['all']>[number];

const sent = alias(assignments, 'sent');
const live = alias(assignments, 'live');
const ledgerFields = {
  serial: graphUploads.serial,
  stage: graphUploads.stage,
  calls: graphUploads.calls,
  userId: graphUploads.userId,
  deviceId: graphUploads.deviceId,
  assignmentId: graphUploads.assignmentId,
  batchId: graphUploads.batchId,
  /** Who the desk sent it for (the hand-out the row belongs to). */
  sentUpn: sent.upn,
  /** Who holds it at the desk now (a staged token handed out since, or the same hand-out). */
  liveUpn: live.upn,
  liveAssignmentId: live.id,
  liveBatchId: live.batchId,
  tokenStatus: tokens.status,
  seedHeld: isNotNull(tokens.sealedSecret).mapWith((v) => v === 1),
  removalAction: removals.action,
  removalDoneAt: removals.doneAt,
};
const ledgerRows = (db: Db) =>
  db
    .select(ledgerFields)
    .from(graphUploads)
    .innerJoin(tokens, eq(tokens.serial, graphUploads.serial))
    .leftJoin(sent, eq(sent.id, graphUploads.assignmentId))
    .leftJoin(live, and(eq(live.tokenId, tokens.id), isNull(live.undoneAt), isNull(live.endedAt)))
    .leftJoin(removals, eq(removals.assignmentId, graphUploads.assignmentId));
export type TenantLedgerRow = ReturnType<ReturnType<typeof ledgerRows>['all']>[number];

const liveHandOut = and(isNull(assignments.undoneAt), isNull(assignments.endedAt));

export class GraphUploadRepo {
  readonly #progress;
  readonly #save;
  readonly #markTokenUploaded;

  constructor(private readonly db: Db) {
    this.#progress = db
      .select()
      .from(graphUploads)
      .where(and(eq(graphUploads.tenant, sql.placeholder('tenant')), eq(graphUploads.serial, sql.placeholder('serial'))))
      .prepare();
    this.#save = db
      .insert(graphUploads)
      .values({
        tenant: slot('tenant'),
        serial: slot('serial'),
        assignmentId: slot('assignmentId'),
        batchId: slot('batchId'),
        stage: slot('stage'),
        userId: slot('userId'),
        deviceId: slot('deviceId'),
        failureCode: slot('failureCode'),
        failureReason: slot('failureReason'),
        calls: slot('calls'),
        updatedAt: slot('updatedAt'),
      })
      .onConflictDoUpdate({
        target: [graphUploads.tenant, graphUploads.serial],
        set: {
          assignmentId: sql`excluded.assignment_id`,
          batchId: sql`excluded.batch_id`,
          stage: sql`excluded.stage`,
          userId: sql`excluded.user_id`,
          deviceId: sql`excluded.device_id`,
          failureCode: sql`excluded.failure_code`,
          failureReason: sql`excluded.failure_reason`,
          calls: sql`excluded.calls`,
          updatedAt: sql`excluded.updated_at`,
        },
      })
      .prepare();
    this.#markTokenUploaded = db
      .update(tokens)
      .set({ status: 'uploaded', statusChangedAt: slot('at') })
      .where(and(eq(tokens.serial, sql.placeholder('serial')), inArray(tokens.status, ['assigned', 'exported'])))
      .prepare();
  }

  /* ------------------------------------------------------------- the ledger */

  progress(tenant: string, serial: string): GraphUploadRow | undefined {
    return this.#progress.get({ tenant, serial });
  }

  /** Inside the caller's write: the token's progress in the tenant, replacing what was there. */
  save(change: GraphUploadChange): void {
    this.#save.run({
      tenant: change.tenant,
      serial: change.serial,
      assignmentId: change.assignmentId ?? null,
      batchId: change.batchId ?? null,
      stage: change.stage,
      userId: change.userId ?? null,
      deviceId: change.deviceId ?? null,
      failureCode: change.failureCode ?? null,
      failureReason: change.failureReason ?? null,
      calls: change.calls ?? 0,
      updatedAt: change.updatedAt,
    });
  }

  /** Every ledger row of the tenant, with who the desk sent it for, who holds it now and any removal. */
  ofTenant(tenant: string): TenantLedgerRow[] {
    return ledgerRows(this.db).where(eq(graphUploads.tenant, tenant)).orderBy(asc(graphUploads.serial)).all();
  }

  /** The tenants this desk has a ledger for. */
  tenants(): string[] {
    return this.db.selectDistinct({ tenant: graphUploads.tenant }).from(graphUploads).orderBy(asc(graphUploads.tenant)).all().map((r) => r.tenant);
  }

  /* ------------------------------------------------------------- what an upload takes */

  /** One token with its live hand-out, if any (reconcile's fixes). */
  /** The stages this serial reached in any tenant, and whether this desk has used Graph at all. */
  stagesOf(serial: string): { stages: string[]; deskUsesGraph: boolean } {
    const stages = this.db.select({ stage: graphUploads.stage }).from(graphUploads).where(eq(graphUploads.serial, serial)).all().map((r) => r.stage);
    const deskUsesGraph = stages.length > 0 || this.db.select({ id: graphUploads.id }).from(graphUploads).limit(1).get() !== undefined;
    return { stages, deskUsesGraph };
  }

  candidateOf(serial: string): StagingCandidate | undefined {
    return this.db
      .select(candidateFields)
      .from(tokens)
      .leftJoin(assignments, and(eq(assignments.tokenId, tokens.id), liveHandOut))
      .where(eq(tokens.serial, serial))
      .get();
  }

  /** A batch's hand-outs in file order (ended and undone ones included: the caller says why it skips them). */
  handOutsOfBatch(batchId: number): UploadCandidate[] {
    return handOuts(this.db)
      .where(and(eq(assignments.batchId, batchId), isNull(assignments.undoneAt)))
      .orderBy(asc(assignments.verifiedAt), asc(assignments.id))
      .all();
  }

  /**
   * Live hand-outs Graph may take without a batch: waiting for export, or in a graph-json hand-out
   * batch that is not finished. A batch in another format went (or goes) another way.
   */
  handOutsForGraph(): UploadCandidate[] {
    const graphBatches = this.db
      .select({ id: batches.id })
      .from(batches)
      .where(and(eq(batches.format, 'graph-json'), eq(batches.kind, 'hand-out'), inArray(batches.status, ['exported', 'partly-uploaded'])));
    return handOuts(this.db)
      .where(
        and(
          liveHandOut,
          or(and(isNull(assignments.batchId), eq(tokens.status, 'assigned')), and(inArray(assignments.batchId, graphBatches), eq(tokens.status, 'exported'))),
        ),
      )
      .orderBy(asc(assignments.verifiedAt), asc(assignments.id))
      .all();
  }

  /** Tokens in stock or handed out that the tenant does not have staged or activated yet: what --unassigned takes. */
  stockForStaging(tenant: string): StagingCandidate[] {
    const done = this.db
      .select({ id: graphUploads.id })
      .from(graphUploads)
      .where(and(eq(graphUploads.tenant, tenant), eq(graphUploads.serial, tokens.serial), inArray(graphUploads.stage, ['staged', 'activated'])));
    return this.db
      .select(candidateFields)
      .from(tokens)
      .leftJoin(assignments, and(eq(assignments.tokenId, tokens.id), liveHandOut))
      .where(and(inArray(tokens.status, ['in-stock', 'assigned', 'exported']), notExists(done)))
      .orderBy(asc(tokens.id))
      .all();
  }

  /* ------------------------------------------------------------- what an upload changes */

  /** Inside the caller's write: the token is in the identity provider now; false when it was not handed out or exported. */
  markTokenUploaded(serial: string, at: string): boolean {
    return this.#markTokenUploaded.run({ serial, at }).changes === 1;
  }

  /** Live hand-outs of a batch, and how many of them the tenant's ledger has activated. */
  batchProgress(batchId: number, tenant: string): { total: number; activated: number } {
    const row = this.db
      .select({ total: count(assignments.id), activated: count(graphUploads.id) })
      .from(assignments)
      .innerJoin(tokens, eq(tokens.id, assignments.tokenId))
      .leftJoin(
        graphUploads,
        and(eq(graphUploads.tenant, tenant), eq(graphUploads.serial, tokens.serial), eq(graphUploads.stage, 'activated'), eq(graphUploads.assignmentId, assignments.id)),
      )
      .where(and(eq(assignments.batchId, batchId), liveHandOut))
      .get();
    return { total: row?.total ?? 0, activated: row?.activated ?? 0 };
  }

  /** Inside the caller's write: an exported (or partly uploaded) batch's new status; false when it was neither. */
  setBatchStatus(batchId: number, status: Extract<BatchStatus, 'uploaded' | 'partly-uploaded'>, at: string): boolean {
    return (
      this.db
        .update(batches)
        .set({ status, uploadedAt: status === 'uploaded' ? at : null })
        .where(and(eq(batches.id, batchId), inArray(batches.status, ['exported', 'partly-uploaded'])))
        .run().changes === 1
    );
  }

  /* ------------------------------------------------------------- removals */

  removalsOfBatch(batchId: number): RemovalToRun[] {
    return removalRows(this.db).where(eq(removals.batchId, batchId)).orderBy(asc(removals.id)).all();
  }

  /** Removals of a token not yet carried out (reconcile's fixes), newest first. */
  openRemovalsOf(serial: string): RemovalToRun[] {
    return removalRows(this.db)
      .where(and(eq(tokens.serial, serial), isNull(removals.doneAt)))
      .orderBy(desc(removals.id))
      .all();
  }

  /** Inside the caller's write: the identity provider has forgotten the token; false when it was done already. */
  markRemovalDone(removalId: number, at: string): boolean {
    return this.db.update(removals).set({ doneAt: at }).where(and(eq(removals.id, removalId), isNull(removals.doneAt))).run().changes === 1;
  }

  /** The live hand-out of a token, for a self-service enrolment the tenant shows finished. */
  liveHandOutOf(serial: string): { assignmentId: number; upn: string; batchId: number | null } | undefined {
    return this.db
      .select({ assignmentId: assignments.id, upn: assignments.upn, batchId: assignments.batchId })
      .from(assignments)
      .innerJoin(tokens, eq(tokens.id, assignments.tokenId))
      .where(and(eq(tokens.serial, serial), liveHandOut, ne(tokens.status, 'in-stock')))
      .get();
  }
}
