/**
 * Staff accounts: who may sign in at the kiosk, with which role. PINs are kept only as scrypt
 * hashes (random salt, parameters stored beside the hash) and compared in constant time.
 *
 * Sign-in never says whether a name exists: an unknown name costs the same scrypt work, gets the
 * same message, and locks after the same number of tries as a real one. Only the right PIN of a
 * disabled account learns that it is disabled.
 *
 * Wrong PINs are counted before they are checked (reserve, then check): under the write lock a try
 * is refused if the name is locked, else counted, and the try that reaches MAX_FAILED_PINS sets
 * the lock there and then. Only then is the PIN hashed (tens of ms, outside the lock). However many
 * processes guess at once, at most MAX_FAILED_PINS PINs are checked per lock period, and a failure
 * never clears a lock; a right PIN clears the count (and a lock its own try set). A process killed
 * while checking leaves its try counted: a kill buys no free guess.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { Refusal } from '../core/errors.js';
import type { Inventory } from '../store/db.js';
import type { StaffRow } from '../store/staffRepo.js';
import { authorise, type Actor, type Role } from './actor.js';

export interface StaffView {
  name: string;
  role: Role;
  disabled: boolean;
  /** Set while sign-in for this name is locked after wrong PINs. */
  lockedUntilMs: number | null;
  createdAt: string;
}

export const STAFF_NAME_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;
export const PIN_PATTERN = /^[0-9]{4,12}$/;
/** Wrong PINs in a row before sign-in for that name locks. */
export const MAX_FAILED_PINS = 5;
export const MAX_LOCKOUT_MINUTES = 60;

/** The audit actor for events with no signed-in person (sign-in attempts). */
const KIOSK_ACTOR = 'kiosk';
/** What the audit log says for a name that is not a staff member (it may be a mistyped PIN). */
const UNKNOWN_NAME = '(unknown)';

// ---- PIN hashing --------------------------------------------------------------------------

/** About 50-100 ms per hash on a desk PC: cheap for one sign-in, slow for a copied database. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

/** "scrypt$N$r$p$salt$hash", salt and hash in base64. */
export function hashPin(pin: string): string {
  const salt = randomBytes(SCRYPT.saltLength);
  const hash = derive(pin, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLength);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export function pinMatches(pin: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (![N, r, p].every(Number.isSafeInteger) || expected.length === 0) return false;
  return timingSafeEqual(derive(pin, salt, N, r, p, expected.length), expected);
}

function derive(pin: string, salt: Buffer, N: number, r: number, p: number, keyLength: number): Buffer {
  return scryptSync(pin.normalize('NFKC'), salt, keyLength, { N, r, p, maxmem: 256 * N * r * p + 1024 * 1024 });
}

let decoyHash: string | undefined;
/** A hash to check unknown names against, so they take as long as real ones. */
function decoy(): string {
  decoyHash ??= hashPin(randomBytes(8).toString('hex'));
  return decoyHash;
}

// ---- reading ------------------------------------------------------------------------------

const nameKeyOf = (name: string): string => name.trim().toLowerCase();

export function hasStaff(inventory: Inventory): boolean {
  return inventory.store.staff.hasAny();
}

/** While a home has no enabled admin, the command line may act as one (someone has to be first). */
export function hasEnabledAdmin(inventory: Inventory): boolean {
  return inventory.store.staff.enabledAdmins() > 0;
}

export function listStaff(inventory: Inventory, options: { now?: number } = {}): StaffView[] {
  const now = options.now ?? Date.now();
  return inventory.store.staff.list().map((r) => ({
    name: r.name,
    role: r.role,
    disabled: r.disabledAt !== null,
    lockedUntilMs: r.lockedUntilMs !== null && r.lockedUntilMs > now ? r.lockedUntilMs : null,
    createdAt: r.createdAt,
  }));
}

function viewOf(inventory: Inventory, name: string): StaffView {
  const view = listStaff(inventory).find((s) => s.name.toLowerCase() === nameKeyOf(name));
  if (!view) throw new Error(`staff member ${name} vanished`);
  return view;
}

// ---- managing -----------------------------------------------------------------------------

/** Why a staff name cannot be used, or null. */
export function staffNameProblem(name: string): string | null {
  if (STAFF_NAME_PATTERN.test(name)) return null;
  return 'a staff name is 1 to 32 letters, digits, dots, dashes or underscores (e.g. "anna.k")';
}

/** Why a PIN cannot be used, or null. Never echoes the PIN. */
export function pinProblem(pin: string): string | null {
  return PIN_PATTERN.test(pin) ? null : 'a PIN is 4 to 12 digits';
}

/**
 * Adds a staff member. Admins only, except the very first account of a home, which must be an
 * admin and needs no actor check (someone has to be first).
 */
export function addStaff(inventory: Inventory, request: { name: string; role: Role; pin: string; actor: Actor; now?: number }): StaffView {
  const name = request.name.trim();
  const nameProblem = staffNameProblem(name);
  if (nameProblem) throw new Refusal('bad-staff-name', nameProblem);
  if (request.role !== 'staff' && request.role !== 'admin') throw new Refusal('bad-role', 'the role is staff or admin');
  const problem = pinProblem(request.pin);
  if (problem) throw new Refusal('bad-pin-format', `${problem}; nothing was changed`);
  const { store, deskId } = inventory;
  // Checked again under the write lock below; this early check only saves a useless scrypt run.
  if (store.staff.hasAny() || request.role !== 'admin') authorise(request.actor, 'manage-staff');
  const pinHash = hashPin(request.pin);
  const at = new Date(request.now ?? Date.now()).toISOString();
  const nameKey = nameKeyOf(name);
  store.write(() => {
    const bootstrap = !store.staff.hasAny() && request.role === 'admin';
    if (!bootstrap) authorise(request.actor, 'manage-staff');
    const existing = store.staff.byNameKey(nameKey);
    if (existing) {
      throw new Refusal(
        'staff-exists',
        `there is already a staff member called ${existing.name}${existing.disabledAt ? ' (disabled: `tokendesk staff enable` brings them back)' : ''}; choose another name`,
      );
    }
    store.staff.insert({ name, nameKey, role: request.role, pinHash, createdAt: at, createdBy: request.actor.name });
    // A fresh account starts with a clean slate, whatever was typed under its name before.
    store.staff.clearGuard(nameKey);
    store.audit.append({ actor: request.actor.name, deskId, action: 'staff-add', at, subject: { staff: name, role: request.role, firstAdmin: bootstrap } });
  });
  return viewOf(inventory, name);
}

/**
 * One admin change to one account: authorised, in a write transaction, with its audit entry.
 * `change` checks and writes; it runs under the lock so two admins cannot race.
 */
function changeStaff(
  inventory: Inventory,
  request: { name: string; actor: Actor; now?: number },
  action: 'staff-disable' | 'staff-enable' | 'staff-unlock',
  change: (row: StaffRow, at: string) => void,
): void {
  authorise(request.actor, 'manage-staff');
  const { store, deskId } = inventory;
  const at = new Date(request.now ?? Date.now()).toISOString();
  store.write(() => {
    const row = requireStaff(inventory, request.name);
    change(row, at);
    store.audit.append({ actor: request.actor.name, deskId, action, at, subject: { staff: row.name } });
  });
}

/** Disables an account (kept for the record). Refuses to disable the last enabled admin. */
export function disableStaff(inventory: Inventory, request: { name: string; actor: Actor; now?: number }): void {
  const { staff } = inventory.store;
  changeStaff(inventory, request, 'staff-disable', (row, at) => {
    if (row.disabledAt) throw new Refusal('already-disabled', `${row.name} is already disabled`);
    if (row.role === 'admin' && staff.enabledAdmins() <= 1) {
      throw new Refusal('last-admin', `${row.name} is the last enabled admin: add another admin first (\`tokendesk staff add NAME --role admin\`)`);
    }
    staff.disable(row.id, at, request.actor.name);
  });
}

/** Brings a disabled account back, with its old PIN; clears any sign-in lock. */
export function enableStaff(inventory: Inventory, request: { name: string; actor: Actor; now?: number }): void {
  const { staff } = inventory.store;
  changeStaff(inventory, request, 'staff-enable', (row) => {
    if (!row.disabledAt) throw new Refusal('not-disabled', `${row.name} is not disabled`);
    staff.enable(row.id);
    staff.clearGuard(row.nameKey);
  });
}

/** Lifts a sign-in lock (the person is at the desk and an admin vouches for them). */
export function unlockStaff(inventory: Inventory, request: { name: string; actor: Actor; now?: number }): void {
  changeStaff(inventory, request, 'staff-unlock', (row) => inventory.store.staff.clearGuard(row.nameKey));
}

function requireStaff(inventory: Inventory, name: string): StaffRow {
  const row = inventory.store.staff.byNameKey(nameKeyOf(name));
  if (!row) throw new Refusal('unknown-staff', `there is no staff member called ${name.trim()}; \`tokendesk staff list\` shows who there is`);
  return row;
}

// ---- signing in ---------------------------------------------------------------------------

/** 1, 2, 4, 8 ... minutes, at most an hour: the nth lockout (0-based) in a row. */
export function lockoutMinutes(previousLockouts: number): number {
  return Math.min(MAX_LOCKOUT_MINUTES, 2 ** Math.min(previousLockouts, 10));
}

/** A counted try: which one it is, and the lock it set if it was the last one allowed. */
type Ticket = { locked: number } | { attempt: number; lock: { untilMs: number; minutes: number } | null };

export function signIn(inventory: Inventory, request: { name: string; pin: string; now?: number }): Actor {
  const now = request.now ?? Date.now();
  const at = new Date(now).toISOString();
  const nameKey = nameKeyOf(request.name).slice(0, 64);
  if (nameKey.length === 0) throw new Refusal('bad-name', 'type your staff name, then your PIN');
  const { store, deskId } = inventory;
  const person = store.staff.byNameKey(nameKey);
  const auditName = person?.name ?? UNKNOWN_NAME;

  // 1. Reserve: refused if locked, else counted (and locked, if it is the last try) before any check.
  const ticket = store.write((): Ticket => {
    const guard = store.staff.guardOf(nameKey);
    if (guard?.lockedUntilMs != null && guard.lockedUntilMs > now) {
      // Locked: the PIN is not even checked, so guessing on does nothing.
      store.audit.append({ actor: KIOSK_ACTOR, deskId, action: 'sign-in-failed', at, subject: { staff: auditName, reason: 'locked' } });
      return { locked: guard.lockedUntilMs };
    }
    // A lock that ran out starts a fresh count; the number of lockouts stays, so the next is longer.
    const attempt = (guard?.lockedUntilMs != null ? 0 : (guard?.failedPins ?? 0)) + 1;
    const lockouts = guard?.lockouts ?? 0;
    const minutes = lockoutMinutes(lockouts);
    const lock = attempt >= MAX_FAILED_PINS ? { untilMs: now + minutes * 60_000, minutes } : null;
    store.staff.putGuard({ nameKey, failedPins: attempt, lockouts: lock ? lockouts + 1 : lockouts, lockedUntilMs: lock?.untilMs ?? null });
    return { attempt, lock };
  });
  if ('locked' in ticket) throw lockedRefusal(ticket.locked, now);

  // 2. Check: always one scrypt run, known name or not, outside the write lock.
  const matches = pinMatches(request.pin, person?.pinHash ?? decoy()) && person !== undefined;

  // 3. Settle. A right PIN clears the count; a wrong one was counted already.
  if (matches && person) {
    if (person.disabledAt) {
      store.write(() => {
        store.staff.clearGuard(nameKey);
        store.audit.append({ actor: KIOSK_ACTOR, deskId, action: 'sign-in-failed', at, subject: { staff: person.name, reason: 'disabled' } });
      });
      throw new Refusal('staff-disabled', `the account ${person.name} is disabled; ask an admin`);
    }
    store.write(() => {
      store.staff.clearGuard(nameKey);
      store.audit.append({ actor: person.name, deskId, action: 'sign-in', at, subject: { staff: person.name, role: person.role } });
    });
    return { name: person.name, role: person.role };
  }

  const guard = store.write(() => {
    store.audit.append({ actor: KIOSK_ACTOR, deskId, action: 'sign-in-failed', at, subject: { staff: auditName, attempt: ticket.attempt } });
    if (ticket.lock) store.audit.append({ actor: KIOSK_ACTOR, deskId, action: 'staff-locked', at, subject: { staff: auditName, minutes: ticket.lock.minutes } });
    return store.staff.guardOf(nameKey);
  });
  if (ticket.lock) throw lockedRefusal(ticket.lock.untilMs, now);
  // Other tries may have landed meanwhile (another kiosk, a script): answer with the count as it is now.
  if (guard?.lockedUntilMs != null && guard.lockedUntilMs > now) throw lockedRefusal(guard.lockedUntilMs, now);
  const attemptsLeft = Math.max(1, MAX_FAILED_PINS - (guard?.failedPins ?? ticket.attempt));
  throw new Refusal(
    'bad-pin',
    `that name and PIN do not match; ${attemptsLeft} ${attemptsLeft === 1 ? 'try' : 'tries'} left before sign-in for this name locks`,
    { attemptsLeft },
  );
}

export function signOut(inventory: Inventory, actor: Actor, options: { now?: number } = {}): void {
  const { store, deskId } = inventory;
  const at = new Date(options.now ?? Date.now()).toISOString();
  store.write(() => {
    store.audit.append({ actor: actor.name, deskId, action: 'sign-out', at, subject: { staff: actor.name } });
  });
}

function lockedRefusal(lockedUntilMs: number, now: number): Refusal {
  const minutes = Math.max(1, Math.ceil((lockedUntilMs - now) / 60_000));
  const until = new Date(lockedUntilMs);
  const clock = `${String(until.getHours()).padStart(2, '0')}:${String(until.getMinutes()).padStart(2, '0')}`;
  return new Refusal(
    'staff-locked',
    `too many wrong PINs: sign-in for this name is locked until ${clock} (${minutes} minute${minutes === 1 ? '' : 's'}); an admin can unlock it sooner`,
    { lockedUntilMs },
  );
}
