/**
 * The inventory's tables, in one file (drizzle-kit cannot follow schema split across imports).
 * Times are ISO-8601 UTC text unless the name ends in Ms (Unix milliseconds, used where the
 * kiosk compares against its clock). Secrets are only ever stored sealed (see seedVault.ts).
 */
import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Key/value facts about this home: desk id, the key check value, schema notes. */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * Where a token is in the physical world (the state machine is src/core/lifecycle.ts):
 * in-stock -> assigned (handed out, waiting for export) -> exported -> uploaded; returned (back in a
 * drawer, not yet in stock), lost, broken, retired (out for good), quarantined (kept out of stock
 * until an admin looks: drift or lockout evidence).
 */
export const TOKEN_STATUSES = ['in-stock', 'assigned', 'exported', 'uploaded', 'returned', 'lost', 'broken', 'retired', 'quarantined'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

export const imports = sqliteTable('imports', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  fileName: text('file_name').notNull(),
  fileSize: integer('file_size').notNull(),
  sha256: text('sha256').notNull(),
  format: text('format').notNull(),
  added: integer('added').notNull(),
  alreadyPresent: integer('already_present').notNull(),
  rejected: integer('rejected').notNull(),
  skipped: integer('skipped').notNull(),
  importedAt: text('imported_at').notNull(),
  importedBy: text('imported_by').notNull(),
}, (t) => [uniqueIndex('imports_sha256_unique').on(t.sha256)]);

export const tokens = sqliteTable('tokens', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  serial: text('serial').notNull(),
  /** nonce || AES-256-GCM ciphertext || tag; null once purged after upload. */
  sealedSecret: blob('sealed_secret', { mode: 'buffer' }),
  algorithm: text('algorithm', { enum: ['SHA1', 'SHA256', 'SHA512'] }).notNull(),
  digits: integer('digits').notNull(),
  period: integer('period').notNull(),
  manufacturer: text('manufacturer').notNull(),
  model: text('model').notNull(),
  status: text('status', { enum: TOKEN_STATUSES }).notNull().default('in-stock'),
  lastAcceptedStep: integer('last_accepted_step'),
  failedAttempts: integer('failed_attempts').notNull().default(0),
  lockedUntilMs: integer('locked_until_ms'),
  /** Clock offset in steps: as stated by the seed file, then as measured at the desk. */
  driftSteps: integer('drift_steps').notNull().default(0),
  /** A UPN named by the seed file; the desk still has to verify a code. */
  preassignedUpn: text('preassigned_upn'),
  importId: integer('import_id').notNull().references(() => imports.id),
  secretPurgedAt: text('secret_purged_at'),
  /** When `status` last changed (ISO); null for rows older than the lifecycle. */
  statusChangedAt: text('status_changed_at'),
  /** Why the token is quarantined: 'drift' (matched outside the sign-in window) or 'locked-out'. */
  quarantineReason: text('quarantine_reason'),
  /** The offset measured when it was quarantined for drift, in steps. */
  quarantineOffsetSteps: integer('quarantine_offset_steps'),
}, (t) => [
  uniqueIndex('tokens_serial_unique').on(t.serial),
  index('tokens_status').on(t.status),
  index('tokens_preassigned_upn').on(t.preassignedUpn).where(sql`preassigned_upn IS NOT NULL`),
]);

export const BATCH_STATUSES = ['exported', 'uploaded', 'partly-uploaded', 'void'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export const BATCH_KINDS = ['hand-out', 'removal'] as const;
export type BatchKind = (typeof BATCH_KINDS)[number];

export const batches = sqliteTable('batches', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Human-facing id, unique across desks: <desk>-<yyyymmdd>-<n>. */
  name: text('name').notNull(),
  deskId: text('desk_id').notNull(),
  format: text('format').notNull(),
  fileName: text('file_name').notNull(),
  rowCount: integer('row_count').notNull(),
  sha256: text('sha256').notNull(),
  status: text('status', { enum: BATCH_STATUSES }).notNull().default('exported'),
  /** 'hand-out': tokens for the identity provider to add; 'removal': tokens it must forget. */
  kind: text('kind', { enum: BATCH_KINDS }).notNull().default('hand-out'),
  /** What the format read besides the rows (JSON: privacyIDEA realm, resolver...): a rewrite needs the same. */
  exportOptions: text('export_options'),
  createdAt: text('created_at').notNull(),
  createdBy: text('created_by').notNull(),
  uploadedAt: text('uploaded_at'),
  voidedAt: text('voided_at'),
  voidReason: text('void_reason'),
}, (t) => [uniqueIndex('batches_name_unique').on(t.name)]);

export const ASSIGNMENT_END_REASONS = ['returned', 'lost', 'broken', 'replaced', 'retired'] as const;
export type AssignmentEndReason = (typeof ASSIGNMENT_END_REASONS)[number];

export const assignments = sqliteTable('assignments', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  tokenId: integer('token_id').notNull().references(() => tokens.id),
  upn: text('upn').notNull(),
  displayName: text('display_name').notNull(),
  verifiedAt: text('verified_at').notNull(),
  offsetSteps: integer('offset_steps').notNull(),
  assignedBy: text('assigned_by').notNull(),
  deskId: text('desk_id').notNull(),
  batchId: integer('batch_id').references(() => batches.id),
  undoneAt: text('undone_at'),
  undoneBy: text('undone_by'),
  undoReason: text('undo_reason'),
  /** The holder gave the token back or lost it (after export; before export, an undo): when, who recorded it, why. */
  endedAt: text('ended_at'),
  endedBy: text('ended_by'),
  endReason: text('end_reason', { enum: ASSIGNMENT_END_REASONS }),
  endNote: text('end_note'),
  /** A replacement hand-out names the hand-out it replaced. */
  replacesAssignmentId: integer('replaces_assignment_id'),
}, (t) => [
  // A token has at most one live assignment; undone and ended ones stay for the record.
  uniqueIndex('assignments_live_token').on(t.tokenId).where(sql`undone_at IS NULL AND ended_at IS NULL`),
  index('assignments_upn').on(t.upn),
  index('assignments_batch').on(t.batchId),
  index('assignments_token').on(t.tokenId),
  // The kiosk header's "today at this desk": an index range over one day, not a scan (migration 0005);
  // undone_at is in it so the count never reads the table (SQLite does not cover from the WHERE alone).
  index('assignments_desk_verified').on(t.deskId, t.verifiedAt, t.undoneAt).where(sql`undone_at IS NULL`),
]);

/**
 * What the identity provider must forget: a token that reached it (uploaded, or exported and perhaps
 * uploaded) and then came back, was lost, broke or was retired. Leaves in a removal batch like
 * hand-outs do; done when that batch is marked uploaded (or Graph confirms).
 */
export const removals = sqliteTable('removals', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  tokenId: integer('token_id').notNull().references(() => tokens.id),
  assignmentId: integer('assignment_id').notNull().references(() => assignments.id),
  upn: text('upn').notNull(),
  /** returned | lost | broken | replaced | retired */
  reason: text('reason', { enum: ASSIGNMENT_END_REASONS }).notNull(),
  /** unassign (the device may be used again) or delete (never again). */
  action: text('action', { enum: ['unassign', 'delete'] }).notNull(),
  requestedAt: text('requested_at').notNull(),
  requestedBy: text('requested_by').notNull(),
  deskId: text('desk_id').notNull(),
  batchId: integer('batch_id').references(() => batches.id),
  doneAt: text('done_at'),
}, (t) => [
  index('removals_batch').on(t.batchId),
  index('removals_token').on(t.tokenId),
  uniqueIndex('removals_assignment_unique').on(t.assignmentId),
]);

/**
 * Every file a batch wrote, in the home or elsewhere (`--out DIR`): purge and void shred the ones
 * they can and name the ones they cannot, so no copy of a seed is forgotten.
 */
export const batchFiles = sqliteTable('batch_files', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  batchId: integer('batch_id').notNull().references(() => batches.id),
  /** Absolute path as written. */
  path: text('path').notNull(),
  /** body | manifest | assignments | checklist | encrypted */
  role: text('role').notNull(),
  /** True when the file holds seeds in plain text. */
  holdsSeeds: integer('holds_seeds', { mode: 'boolean' }).notNull(),
  writtenAt: text('written_at').notNull(),
  /** Set when tokendesk overwrote and deleted it (or found it already gone). */
  removedAt: text('removed_at'),
}, (t) => [index('batch_files_batch').on(t.batchId), uniqueIndex('batch_files_path').on(t.batchId, t.path)]);

/**
 * Recent code checks with the offset they matched at: evidence for drift quarantine and for the
 * "is the kiosk's own clock off?" check (many tokens from different imports at one offset). Pruned.
 */
export const codeChecks = sqliteTable('code_checks', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  tokenId: integer('token_id').notNull().references(() => tokens.id),
  importId: integer('import_id').notNull(),
  atMs: integer('at_ms').notNull(),
  /** hand-out | out-of-window | self-check | return */
  kind: text('kind').notNull(),
  offsetSteps: integer('offset_steps').notNull(),
}, (t) => [index('code_checks_at').on(t.atMs)]);

/**
 * Upload to Entra through Microsoft Graph: each token's progress in one tenant, written before and
 * after every call (services/upload/ledger.ts), so a run killed at any point resumes exactly once.
 */
export const graphUploads = sqliteTable('graph_uploads', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  tenant: text('tenant').notNull(),
  serial: text('serial').notNull(),
  assignmentId: integer('assignment_id').references(() => assignments.id),
  batchId: integer('batch_id').references(() => batches.id),
  /** pending | creating | created | activating | activated | staged | failed */
  stage: text('stage').notNull(),
  userId: text('user_id'),
  deviceId: text('device_id'),
  failureCode: text('failure_code'),
  failureReason: text('failure_reason'),
  calls: integer('calls').notNull().default(0),
  updatedAt: text('updated_at').notNull(),
}, (t) => [uniqueIndex('graph_uploads_tenant_serial').on(t.tenant, t.serial), index('graph_uploads_batch').on(t.batchId)]);

/**
 * Append-only, hash-chained: hash = sha256(prevHash + canonical row). Triggers (a custom
 * migration) refuse UPDATE and DELETE; `audit verify` finds edits made behind SQLite's back.
 */
export const auditLog = sqliteTable('audit_log', {
  seq: integer('seq').primaryKey(),
  at: text('at').notNull(),
  actor: text('actor').notNull(),
  deskId: text('desk_id').notNull(),
  action: text('action').notNull(),
  /** JSON object: serial, upn, batch, counts, reasons. Never a secret or a code. */
  subject: text('subject').notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});

// ---- staff, roster, self-check (issue 3) ----------------------------------------------------

export const STAFF_ROLES = ['staff', 'admin'] as const;

/** Desk staff who sign in at the kiosk with a name and a PIN. Never deleted: disabled instead. */
export const staff = sqliteTable('staff', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** As typed when added: shown on screens, in the audit log and on hand-outs. */
  name: text('name').notNull(),
  /** Lower case: names compare case-insensitively at sign-in and for duplicates. */
  nameKey: text('name_key').notNull(),
  role: text('role', { enum: STAFF_ROLES }).notNull(),
  /** scrypt$N$r$p$salt$hash (base64): the parameters travel with the hash. Never the PIN. */
  pinHash: text('pin_hash').notNull(),
  createdAt: text('created_at').notNull(),
  createdBy: text('created_by').notNull(),
  disabledAt: text('disabled_at'),
  disabledBy: text('disabled_by'),
}, (t) => [uniqueIndex('staff_name_key_unique').on(t.nameKey)]);

/**
 * Wrong-PIN counts and lockouts, by the name typed at sign-in. Kept apart from `staff` so that a
 * name nobody has locks exactly like a real one: the screen never tells which names exist.
 */
export const pinAttempts = sqliteTable('pin_attempts', {
  nameKey: text('name_key').primaryKey(),
  failedPins: integer('failed_pins').notNull().default(0),
  /** Lockouts so far; each one doubles the next (1, 2, 4 ... 60 minutes). Reset by a good sign-in. */
  lockouts: integer('lockouts').notNull().default(0),
  lockedUntilMs: integer('locked_until_ms'),
});

/** The people tokens are handed out to, from `tokendesk roster import`. Updated by UPN. */
export const rosterPeople = sqliteTable('roster_people', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Lower case, like assignments.upn. */
  upn: text('upn').notNull(),
  displayName: text('display_name').notNull(),
  employeeId: text('employee_id'),
  badge: text('badge'),
  /** The directory login (e.g. sAMAccountName): privacyIDEA and LinOTP look users up by it. */
  login: text('login'),
  updatedAt: text('updated_at').notNull(),
}, (t) => [
  uniqueIndex('roster_people_upn_unique').on(t.upn),
  uniqueIndex('roster_people_employee_id_unique').on(t.employeeId).where(sql`employee_id IS NOT NULL`),
  uniqueIndex('roster_people_badge_unique').on(t.badge).where(sql`badge IS NOT NULL`),
]);

/** Each word of each display name, folded (lower case, no accents): type-ahead by word prefix. */
export const rosterWords = sqliteTable('roster_words', {
  word: text('word').notNull(),
  personId: integer('person_id').notNull().references(() => rosterPeople.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.word, t.personId] }), index('roster_words_person').on(t.personId)]);

/**
 * Employee self-checks, one row per counted attempt, per token ("token:SERIAL") and per desk
 * ("desk:ID"): the rate limits survive a restart of the kiosk. Rows older than the window are pruned.
 */
export const selfCheckAttempts = sqliteTable('self_check_attempts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  scope: text('scope').notNull(),
  atMs: integer('at_ms').notNull(),
}, (t) => [index('self_check_attempts_scope_at').on(t.scope, t.atMs)]);

/**
 * The kiosk header's counts at a million tokens, kept by triggers (db/migrations/0005_kiosk_counts.sql)
 * so every writer keeps them right, set-based UPDATEs and INSERT ... SELECT included: one row per token
 * status with how many tokens have it.
 */
export const tokenCounts = sqliteTable('token_counts', {
  status: text('status').primaryKey(),
  n: integer('n').notNull(),
});

/**
 * Hand-outs waiting for export, kept by the same triggers: live (not undone, not ended) assignments in
 * no batch whose token is 'assigned' (the rule exportBatch picks rows by). One row, id 1.
 */
export const exportBacklog = sqliteTable('export_backlog', {
  id: integer('id').primaryKey(),
  n: integer('n').notNull(),
});
