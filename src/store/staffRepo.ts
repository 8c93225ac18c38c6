/**
 * Staff accounts and wrong-PIN counts. The sign-in statements (account by name, the PIN guard,
 * its update) are prepared once: a brute force hammers exactly these.
 */
import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from './connection.js';
import { pinAttempts, staff } from './schema.js';

export type StaffRow = typeof staff.$inferSelect;
export type PinGuard = typeof pinAttempts.$inferSelect;
export type NewStaff = Omit<typeof staff.$inferInsert, 'id' | 'disabledAt' | 'disabledBy'>;

export interface StaffListRow {
  name: string;
  role: StaffRow['role'];
  disabledAt: string | null;
  createdAt: string;
  lockedUntilMs: number | null;
}

export class StaffRepo {
  readonly #byNameKey;
  readonly #guard;
  readonly #putGuard;
  readonly #clearGuard;

  constructor(private readonly db: Db) {
    this.#byNameKey = db.select().from(staff).where(eq(staff.nameKey, sql.placeholder('nameKey'))).prepare();
    this.#guard = db.select().from(pinAttempts).where(eq(pinAttempts.nameKey, sql.placeholder('nameKey'))).prepare();
    this.#putGuard = db
      .insert(pinAttempts)
      .values({
        nameKey: sql.placeholder('nameKey'),
        failedPins: sql.placeholder('failedPins'),
        lockouts: sql.placeholder('lockouts'),
        lockedUntilMs: sql.placeholder('lockedUntilMs'),
      })
      // excluded.*: SQLite's name for the row that conflicted (Drizzle has no column object for it).
      .onConflictDoUpdate({
        target: pinAttempts.nameKey,
        set: { failedPins: sql`excluded.failed_pins`, lockouts: sql`excluded.lockouts`, lockedUntilMs: sql`excluded.locked_until_ms` },
      })
      .prepare();
    this.#clearGuard = db.delete(pinAttempts).where(eq(pinAttempts.nameKey, sql.placeholder('nameKey'))).prepare();
  }

  byNameKey(nameKey: string): StaffRow | undefined {
    return this.#byNameKey.get({ nameKey });
  }

  hasAny(): boolean {
    return this.db.select({ id: staff.id }).from(staff).limit(1).get() !== undefined;
  }

  enabledAdmins(): number {
    return this.db.select({ n: count() }).from(staff).where(and(eq(staff.role, 'admin'), isNull(staff.disabledAt))).get()?.n ?? 0;
  }

  /** Every account with its sign-in lock (if any), in name order. */
  list(): StaffListRow[] {
    return this.db
      .select({ name: staff.name, role: staff.role, disabledAt: staff.disabledAt, createdAt: staff.createdAt, lockedUntilMs: pinAttempts.lockedUntilMs })
      .from(staff)
      .leftJoin(pinAttempts, eq(pinAttempts.nameKey, staff.nameKey))
      .orderBy(asc(staff.nameKey))
      .all();
  }

  insert(row: NewStaff): void {
    this.db.insert(staff).values(row).run();
  }

  disable(id: number, at: string, by: string): void {
    this.db.update(staff).set({ disabledAt: at, disabledBy: by }).where(eq(staff.id, id)).run();
  }

  enable(id: number): void {
    this.db.update(staff).set({ disabledAt: null, disabledBy: null }).where(eq(staff.id, id)).run();
  }

  // ---- wrong-PIN counts (by the name typed, known or not) ----

  guardOf(nameKey: string): PinGuard | undefined {
    return this.#guard.get({ nameKey });
  }

  putGuard(guard: PinGuard): void {
    this.#putGuard.run({ ...guard });
  }

  clearGuard(nameKey: string): void {
    this.#clearGuard.run({ nameKey });
  }
}
