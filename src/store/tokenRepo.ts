/**
 * The tokens table: lookups, counts, sealed seeds and the verification state (last accepted step,
 * wrong-code count, lock). Never returns a secret in a view; `sealedSeedOf` hands the sealed bytes
 * to services/tokens.ts, which opens them with the inventory's vault. The statements a hand-out or
 * a self-check runs are prepared once, when the repository is built.
 */
import { and, asc, count, eq, getTableColumns, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { Refusal } from '../core/errors.js';
import { auditActionOf, checkTransition, TRANSITIONS, type LifecycleEvent } from '../core/lifecycle.js';
import type { Db } from './connection.js';
import type { AuditRepo } from './auditRepo.js';
import { tokenCounts, tokens, type TokenStatus, TOKEN_STATUSES } from './schema.js';

/** A token as screens and commands see it: every column but the sealed seed. */
export type TokenView = Omit<typeof tokens.$inferSelect, 'sealedSecret' | 'secretPurgedAt'> & { seedPurged: boolean };

/** What the hand-out re-checks under the write lock. */
export type VerificationState = Pick<typeof tokens.$inferSelect, 'status' | 'lastAcceptedStep' | 'failedAttempts' | 'lockedUntilMs'>;

const { sealedSecret, secretPurgedAt: _purgedAt, ...shownColumns } = getTableColumns(tokens);
/** A placeholder inside set(): Drizzle's update types take a value or SQL there, not a bare placeholder. */
const slot = (name: string) => sql`${sql.placeholder(name)}`;

const viewColumns = { ...shownColumns, seedPurged: isNull(sealedSecret).mapWith((v) => v === 1) };

export class TokenRepo {
  readonly #bySerial;
  readonly #sealedById;
  readonly #sealedBySerial;
  readonly #verificationState;
  readonly #markHandedOut;
  readonly #countWrongCode;
  readonly #lock;
  readonly #acceptStep;
  readonly #returnToStock;
  readonly #countInStock;
  readonly #any;
  readonly #lifecycleState;
  readonly #countWithStatus;
  readonly #countByStatus;
  readonly #setStatus;

  constructor(
    private readonly db: Db,
    /** The audit trail, for transition(): built lazily by the store. */
    private readonly audit?: () => AuditRepo,
  ) {
    const id = sql.placeholder('id');
    const serial = sql.placeholder('serial');
    this.#bySerial = db.select(viewColumns).from(tokens).where(eq(tokens.serial, serial)).prepare();
    this.#sealedById = db.select({ serial: tokens.serial, sealed: tokens.sealedSecret }).from(tokens).where(eq(tokens.id, id)).prepare();
    this.#sealedBySerial = db.select({ sealed: tokens.sealedSecret }).from(tokens).where(eq(tokens.serial, serial)).prepare();
    this.#verificationState = db
      .select({ status: tokens.status, lastAcceptedStep: tokens.lastAcceptedStep, failedAttempts: tokens.failedAttempts, lockedUntilMs: tokens.lockedUntilMs })
      .from(tokens)
      .where(eq(tokens.id, id))
      .prepare();
    this.#markHandedOut = db
      .update(tokens)
      .set({ status: 'assigned', statusChangedAt: slot('at'), lastAcceptedStep: slot('step'), failedAttempts: 0, lockedUntilMs: null, driftSteps: slot('driftSteps') })
      .where(and(eq(tokens.id, id), inArray(tokens.status, [...TRANSITIONS['hand-out'].from])))
      .prepare();
    this.#countWrongCode = db.update(tokens).set({ failedAttempts: slot('failedAttempts') }).where(eq(tokens.id, id)).prepare();
    // A lock starts a fresh count for when it ends.
    this.#lock = db.update(tokens).set({ failedAttempts: 0, lockedUntilMs: slot('until') }).where(eq(tokens.id, id)).prepare();
    const step = sql.placeholder('step');
    this.#acceptStep = db
      .update(tokens)
      .set({ lastAcceptedStep: slot('step') })
      .where(and(eq(tokens.id, id), or(isNull(tokens.lastAcceptedStep), lt(tokens.lastAcceptedStep, step))))
      .prepare();
    // last_accepted_step stays: the code that verified an undone hand-out stays used.
    this.#returnToStock = db
      .update(tokens)
      .set({ status: 'in-stock', statusChangedAt: slot('at'), failedAttempts: 0, lockedUntilMs: null })
      .where(and(eq(tokens.id, id), inArray(tokens.status, [...TRANSITIONS.undo.from])))
      .prepare();
    this.#lifecycleState = db
      .select({ serial: tokens.serial, status: tokens.status, quarantineReason: tokens.quarantineReason, quarantineOffsetSteps: tokens.quarantineOffsetSteps })
      .from(tokens)
      .where(eq(tokens.id, id))
      .prepare();
    this.#setStatus = db
      .update(tokens)
      .set({
        status: slot('to'),
        statusChangedAt: slot('at'),
        quarantineReason: slot('quarantineReason'),
        quarantineOffsetSteps: slot('quarantineOffsetSteps'),
        failedAttempts: 0,
        lockedUntilMs: null,
      })
      .where(and(eq(tokens.id, id), eq(tokens.status, sql.placeholder('from'))))
      .prepare();
    // token_counts is kept by triggers (migration 0005): one primary-key read, not a count over the index.
    this.#countInStock = db.select({ n: tokenCounts.n }).from(tokenCounts).where(eq(tokenCounts.status, 'in-stock')).prepare();
    this.#any = db.select({ id: tokens.id }).from(tokens).limit(1).prepare();
    this.#countWithStatus = db.select({ n: tokenCounts.n }).from(tokenCounts).where(eq(tokenCounts.status, sql.placeholder('status'))).prepare();
    this.#countByStatus = db.select({ status: tokenCounts.status, n: tokenCounts.n }).from(tokenCounts).prepare();
  }

  bySerial(serial: string): TokenView | undefined {
    return this.#bySerial.get({ serial });
  }

  list(filter: { status?: TokenStatus; limit?: number } = {}): TokenView[] {
    const query = this.db
      .select(viewColumns)
      .from(tokens)
      .where(filter.status ? eq(tokens.status, filter.status) : undefined)
      .orderBy(asc(tokens.serial));
    return filter.limit ? query.limit(filter.limit).all() : query.all();
  }

  /** Whether any token was ever imported. */
  any(): boolean {
    return this.#any.get() !== undefined;
  }

  countInStock(): number {
    return this.#countInStock.get()?.n ?? 0;
  }

  /** Tokens in one state (kept by triggers in token_counts: one read at a million tokens, for the kiosk header). */
  countWithStatus(status: TokenStatus): number {
    return this.#countWithStatus.get({ status })?.n ?? 0;
  }

  countByStatus(): Record<TokenStatus, number> {
    const counts = Object.fromEntries(TOKEN_STATUSES.map((status) => [status, 0])) as Record<TokenStatus, number>;
    for (const row of this.#countByStatus.all()) counts[row.status as TokenStatus] = row.n;
    return counts;
  }

  /** The sealed seed of a token (null once purged after upload), with the serial it is bound to. */
  sealedSeedOf(tokenId: number): { serial: string; sealed: Buffer | null } | undefined {
    return this.#sealedById.get({ id: tokenId });
  }

  /** The sealed seed stored under a serial: undefined when no such token, null when purged. */
  sealedSeedBySerial(serial: string): Buffer | null | undefined {
    return this.#sealedBySerial.get({ serial })?.sealed;
  }

  verificationState(tokenId: number): VerificationState | undefined {
    return this.#verificationState.get({ id: tokenId });
  }

  /**
   * A verified hand-out: assigned, the step used up, the measured drift kept, any count or lock
   * cleared. Only from a state the lifecycle allows (the caller audits the hand-out itself).
   */
  markHandedOut(tokenId: number, accepted: { step: number; driftSteps: number; at?: string }): void {
    const at = accepted.at ?? new Date().toISOString();
    const changed = this.#markHandedOut.run({ id: tokenId, step: accepted.step, driftSteps: accepted.driftSteps, at }).changes;
    if (changed === 0) this.#refuse(tokenId, 'hand-out');
  }

  /** Stores a wrong-code count; never touches the lock (a failure cannot clear one). */
  countWrongCode(tokenId: number, failedAttempts: number): void {
    this.#countWrongCode.run({ id: tokenId, failedAttempts });
  }

  lock(tokenId: number, lockedUntilMs: number): void {
    this.#lock.run({ id: tokenId, until: lockedUntilMs });
  }

  /** Moves the last accepted step on to `step`; false when that step (or a later one) was already used. */
  acceptStep(tokenId: number, step: number): boolean {
    return this.#acceptStep.run({ id: tokenId, step }).changes > 0;
  }

  /** An undone hand-out: back in stock, count and lock cleared (the caller audits the undo). */
  returnToStock(tokenId: number, at = new Date().toISOString()): void {
    if (this.#returnToStock.run({ id: tokenId, at }).changes === 0) this.#refuse(tokenId, 'undo');
  }

  /**
   * Moves a token along the lifecycle (src/core/lifecycle.ts): checks the event is allowed from its
   * current state, writes the status and when it changed, and audits it. Must run inside
   * `store.write()`; a refused event throws a Refusal that says what to do, and writes nothing.
   * Quarantine keeps its reason and offset; release clears them. Any wrong-code count or lock is cleared.
   */
  transition(
    tokenId: number,
    event: LifecycleEvent,
    change: { at: string; actor: string; deskId: string; subject?: Record<string, unknown>; quarantine?: { reason: 'drift' | 'locked-out'; offsetSteps: number | null } },
  ): { serial: string; from: TokenStatus; to: TokenStatus } {
    const current = this.#lifecycleState.get({ id: tokenId });
    if (!current) throw new Error(`token #${tokenId} vanished`);
    const verdict = checkTransition(current.serial, current.status, event);
    if (!verdict.ok) throw new Refusal(verdict.code, `${verdict.message}; nothing was changed`, { serial: current.serial, status: current.status });
    const quarantine =
      verdict.to === 'quarantined'
        ? { quarantineReason: change.quarantine?.reason ?? null, quarantineOffsetSteps: change.quarantine?.offsetSteps ?? null }
        : event === 'release'
          ? { quarantineReason: null, quarantineOffsetSteps: null }
          : { quarantineReason: current.quarantineReason, quarantineOffsetSteps: current.quarantineOffsetSteps };
    const changed = this.#setStatus.run({ id: tokenId, from: current.status, to: verdict.to, at: change.at, ...quarantine }).changes;
    if (changed !== 1) throw new Error(`token ${current.serial} changed state meanwhile`);
    if (!this.audit) throw new Error('transition() needs the audit trail: build TokenRepo through the store');
    this.audit().append({
      actor: change.actor,
      deskId: change.deskId,
      action: auditActionOf(event),
      at: change.at,
      subject: { serial: current.serial, from: current.status, to: verdict.to, ...(change.subject ?? {}) },
    });
    return { serial: current.serial, from: current.status, to: verdict.to };
  }

  #refuse(tokenId: number, event: LifecycleEvent): never {
    const current = this.#lifecycleState.get({ id: tokenId });
    if (!current) throw new Error(`token #${tokenId} vanished`);
    const verdict = checkTransition(current.serial, current.status, event);
    if (verdict.ok) throw new Error(`token ${current.serial} changed state meanwhile`);
    throw new Refusal(verdict.code, verdict.message, { serial: current.serial, status: current.status });
  }
}
