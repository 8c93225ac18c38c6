/**
 * Reading tokens and assignments: the rows screens and commands show. Never returns a secret;
 * `openSeed` is the one way to get one, for the verifier and the exporters.
 */
import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import { Refusal } from '../core/errors.js';
import type { HashAlgorithm } from '../core/algorithms.js';
import type { Inventory } from './db.js';
import type { Db } from './connection.js';
import { assignments, tokens, type TokenStatus } from './schema.js';

export interface TokenView {
  id: number;
  serial: string;
  algorithm: HashAlgorithm;
  digits: number;
  period: number;
  manufacturer: string;
  model: string;
  status: TokenStatus;
  failedAttempts: number;
  lockedUntilMs: number | null;
  driftSteps: number;
  lastAcceptedStep: number | null;
  preassignedUpn: string | null;
  seedPurged: boolean;
  importId: number;
}

const tokenColumns = {
  id: tokens.id,
  serial: tokens.serial,
  algorithm: tokens.algorithm,
  digits: tokens.digits,
  period: tokens.period,
  manufacturer: tokens.manufacturer,
  model: tokens.model,
  status: tokens.status,
  failedAttempts: tokens.failedAttempts,
  lockedUntilMs: tokens.lockedUntilMs,
  driftSteps: tokens.driftSteps,
  lastAcceptedStep: tokens.lastAcceptedStep,
  preassignedUpn: tokens.preassignedUpn,
  seedPurged: sql<number>`${tokens.sealedSecret} IS NULL`.mapWith((v) => v === 1),
  importId: tokens.importId,
};

export function findToken(inventory: Inventory, serial: string): TokenView | undefined {
  return inventory.db.select(tokenColumns).from(tokens).where(eq(tokens.serial, serial)).get();
}

export function listTokens(inventory: Inventory, filter: { status?: TokenStatus; limit?: number } = {}): TokenView[] {
  const query = inventory.db
    .select(tokenColumns)
    .from(tokens)
    .where(filter.status ? eq(tokens.status, filter.status) : undefined)
    .orderBy(asc(tokens.serial));
  return filter.limit ? query.limit(filter.limit).all() : query.all();
}

export function countTokensByStatus(inventory: Inventory): Record<TokenStatus, number> {
  const rows = inventory.db.select({ status: tokens.status, n: count() }).from(tokens).groupBy(tokens.status).all();
  const counts: Record<TokenStatus, number> = { 'in-stock': 0, assigned: 0, exported: 0, uploaded: 0, revoked: 0 };
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

/** The secret of a token, decrypted; refused when it was purged after upload. */
export function openSeed(inventory: Inventory, tokenId: number): Uint8Array {
  const row = inventory.db
    .select({ serial: tokens.serial, sealed: tokens.sealedSecret })
    .from(tokens)
    .where(eq(tokens.id, tokenId))
    .get();
  if (!row) throw new Error(`token #${tokenId} vanished`);
  if (row.sealed === null) {
    throw new Refusal('seed-purged', `the seed of token ${row.serial} was deleted after its batch was uploaded; it can no longer be checked here`);
  }
  return inventory.vault.open(row.serial, row.sealed);
}

export interface AssignmentView {
  id: number;
  serial: string;
  upn: string;
  displayName: string;
  verifiedAt: string;
  offsetSteps: number;
  assignedBy: string;
  deskId: string;
  batchId: number | null;
  undoneAt: string | null;
  undoReason: string | null;
}

const assignmentColumns = {
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

export function assignmentsOfToken(inventory: Inventory, tokenId: number): AssignmentView[] {
  return inventory.db
    .select(assignmentColumns)
    .from(assignments)
    .innerJoin(tokens, eq(tokens.id, assignments.tokenId))
    .where(eq(assignments.tokenId, tokenId))
    .orderBy(asc(assignments.id))
    .all();
}

/** Live (not undone) assignments of a UPN: Entra allows at most five OATH tokens per user. */
export function liveTokenCountOf(inventory: Inventory, upn: string): number {
  const row = inventory.db
    .select({ n: count() })
    .from(assignments)
    .where(and(eq(assignments.upn, upn), isNull(assignments.undoneAt)))
    .get();
  return row?.n ?? 0;
}

/** The tokens table: lookups, counts, verification state. Statements are prepared once, on first use. */
export class TokenRepo {
  constructor(private readonly db: Db) {}
}
