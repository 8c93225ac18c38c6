/**
 * Opening the inventory: pragmas on every connection, the key checked before anything is written,
 * migrations applied at start-up with foreign keys off (as SQLite requires for table rebuilds) and
 * checked after.
 */
import { closeSync, existsSync, openSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { Refusal } from '../core/errors.js';
import * as schema from './schema.js';
import type { Db } from './connection.js';
import { Store } from './store.js';
import { MetaRepo } from './metaRepo.js';
import { SeedVault } from './seedVault.js';
import { KeyWatch, keyMatching } from './keyWatch.js';
import { keyAuditTrail, startKeyedTrail, writeFirstHead } from './auditKeying.js';
import { ensureHomeDir, homePaths, readSettings, secureHome, type DeskSettings, type HomePaths } from './home.js';
import { removeStaleTempFiles, TEMP_PREFIX } from './atomicFile.js';
import {
  calibrateScrypt,
  deriveKekSync,
  fileModeKeyFile,
  fileModeKeys,
  finalisedKeyFile,
  hasPending,
  keysOf,
  newDataKey,
  newKdf,
  passphraseKeyFile,
  passphraseProblem,
  readKeyFile,
  withoutPending,
  writeKeyFile,
  type KdfParams,
  type KeyFile,
  type KeyMode,
  type ScryptParams,
  type UnlockedKey,
} from './keyFile.js';
import { flushUnauditedFailures, unlockHomeSync } from './unlock.js';

export type { Db } from './connection.js';
export { keyMatching } from './keyWatch.js';

export interface Inventory {
  paths: HomePaths;
  /** Every query, by repository; services go through this and nothing else. */
  store: Store;
  /** For the store and for tests that look at the file itself; services never use it. */
  sqlite: Database.Database;
  db: Db;
  /** The data key: `tokendesk key rotate` rekeys it in place; the key watch follows a rotation by another process. */
  vault: SeedVault;
  /** Notices a key rotated by another process since this one opened the home (see keyWatch.ts). */
  keyWatch: KeyWatch;
  deskId: string;
  settings: DeskSettings;
  keyMode: KeyMode;
  /** Passphrase mode: what wraps the data key, kept in memory so a rotation need not ask again. */
  wrapping?: { kek: Buffer; kdf: KdfParams };
  /** What opening had to fix (permissions), for the caller to tell someone. */
  notes: string[];
  close(): void;
}

/** db/migrations, found from this file whether it runs from src/ (tests) or dist/src/ (built). */
export function migrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'db', 'migrations');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('db/migrations is missing from the installation');
}

function connect(file: string, options: { readonly?: boolean; mustExist?: boolean } = {}): Database.Database {
  // SQLite would create the file with the umask's mode (often 0644), and its -wal and -shm copy it.
  if (!options.mustExist && !existsSync(file)) closeSync(openSync(file, 'wx', 0o600));
  const sqlite = new Database(file, { fileMustExist: options.mustExist ?? false, readonly: options.readonly ?? false });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('foreign_keys = ON');
  return sqlite;
}

function applyMigrations(sqlite: Database.Database, db: Db): void {
  sqlite.pragma('foreign_keys = OFF');
  try {
    migrate(db, { migrationsFolder: migrationsFolder() });
  } finally {
    sqlite.pragma('foreign_keys = ON');
  }
  const broken = sqlite.pragma('foreign_key_check') as unknown[];
  if (broken.length > 0) throw new Error(`a migration left ${broken.length} broken foreign keys; restore the database from backup`);
}

export interface InitOptions {
  deskId?: string;
  /** Passphrase mode: the data key is wrapped under a key derived from this passphrase. */
  passphrase?: string;
  /** scrypt cost for the passphrase (default: calibrated to about 0.5 s on this machine). */
  scrypt?: ScryptParams;
}

export interface InitResult {
  paths: HomePaths;
  /** What had to be tightened in an existing folder (permissions). */
  notes: string[];
  deskId: string;
  keyMode: KeyMode;
  /** Passphrase mode: the scrypt cost stored in the key file. */
  scrypt?: ScryptParams;
}

/** `tokendesk init`: a new home with a database, a 0600 key file and a desk id. Refuses to overwrite. */
export function initHome(dir: string, options: InitOptions = {}): InitResult {
  const paths = homePaths(dir);
  assertNoHome(paths);
  const deskId = (options.deskId ?? defaultDeskId()).trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/.test(deskId)) {
    throw new Refusal('bad-desk-id', 'a desk id is 1 to 32 letters, digits, dots, dashes or underscores (e.g. "hq-desk-1")');
  }
  const problem = options.passphrase === undefined ? null : passphraseProblem(options.passphrase);
  if (problem) throw new Refusal('weak-passphrase', `${problem}; nothing was created`);
  const dataKey = newDataKey();
  let keyFile: KeyFile = fileModeKeyFile(dataKey);
  let kdf: KdfParams | undefined;
  let wrapping: { kek: Buffer; kdf: KdfParams } | undefined;
  if (options.passphrase !== undefined) {
    kdf = newKdf(options.scrypt ?? calibrateScrypt());
    wrapping = { kek: deriveKekSync(options.passphrase, kdf), kdf };
    keyFile = passphraseKeyFile(wrapping, dataKey);
  }
  ensureHomeDir(paths);
  const notes = secureHome(paths);
  writeKeyFile(paths, keyFile);
  const vault = new SeedVault(dataKey);
  const sqlite = connect(paths.database);
  try {
    const db = drizzle(sqlite, { schema });
    applyMigrations(sqlite, db);
    const meta = new MetaRepo(db);
    const store = new Store(db, sqlite, { vault, watch: new KeyWatch(meta, paths, vault, () => wrapping), auditHeadFile: paths.auditHead });
    // The head of the empty trail first: a home whose database committed always has one.
    writeFirstHead(paths, vault);
    store.write(() => {
      meta.put('key_check', vault.keyCheck());
      meta.put('desk_id', deskId);
      meta.put('created_at', new Date().toISOString());
      startKeyedTrail(store, vault);
    });
  } finally {
    sqlite.close();
  }
  return { paths, notes, deskId, keyMode: keyFile.mode, ...(kdf ? { scrypt: { N: kdf.N, r: kdf.r, p: kdf.p } } : {}) };
}

/** Refuses a folder that already holds a home (before anyone is asked to type a passphrase twice). */
export function assertNoHome(paths: HomePaths): void {
  if (existsSync(paths.database) || existsSync(paths.keyFile)) {
    throw new Refusal('home-exists', `${paths.dir} already holds a tokendesk home; nothing was changed`);
  }
}

function defaultDeskId(): string {
  const name = hostname().split('.')[0]?.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 32) ?? '';
  return /^[A-Za-z0-9]/.test(name) ? name : 'desk-1';
}

export interface OpenOptions {
  /** Passphrase mode: unlocks the key file (blocking, about half a second; see unlock.ts). */
  passphrase?: string;
  /** A key already unlocked with `unlockHome` (the kiosk's unlock screen). */
  key?: UnlockedKey;
  /** Who is opening, for the audit entry of a wrong passphrase. */
  actor?: string;
}

/**
 * Opens an existing home. A missing or wrong key file, or a passphrase-mode home opened without
 * its passphrase ('passphrase-needed'), is refused before anything is written (no migration, no
 * temp-file clean-up; only loose file modes are tightened first), so a mistake leaves the home as
 * it was. A key rotation cut short is settled here: the key file keeps whichever data key the
 * database's key check matches. An older home's audit trail is keyed here, once, with an audit
 * entry (auditKeying.ts).
 */
export function openInventory(dir: string, options: OpenOptions = {}): Inventory {
  const paths = homePaths(dir);
  if (!existsSync(paths.database)) {
    throw new Refusal('not-initialised', `no tokendesk home at ${paths.dir}: run \`tokendesk init --home ${paths.dir}\` first`);
  }
  // Before the key file is read (it refuses to be read by others) and before SQLite opens -wal/-shm.
  const notes = secureHome(paths);
  const settings = readSettings(paths);
  const keyFile = readKeyFile(paths);
  let keys: UnlockedKey;
  if (options.key) keys = options.key;
  else if (keyFile.mode === 'file') keys = fileModeKeys(keyFile);
  else if (options.passphrase !== undefined) keys = unlockHomeSync(dir, options.passphrase, { actor: options.actor });
  else {
    throw new Refusal(
      'passphrase-needed',
      `the home ${paths.dir} is protected by a passphrase: unlock it first (the command line: --passphrase-file FILE, ` +
        'or type it when asked on a terminal; the kiosk asks at start)',
    );
  }
  const sqlite = connect(paths.database, { mustExist: true });
  try {
    const db = drizzle(sqlite, { schema });
    const check = MetaRepo.hasMetaTable(db) ? new MetaRepo(db).keyCheck() : undefined;
    if (check === undefined) {
      throw new Refusal('not-initialised', `${paths.database} is not a tokendesk database (no key check); was \`tokendesk init\` interrupted?`);
    }
    const dataKey = hasPending(keyFile) ? settleKeyFile(db, paths, keys) : keyMatching(check, keys);
    if (!dataKey) {
      throw new Refusal(
        'key-mismatch',
        `the key file ${paths.keyFile} does not belong to this database (copied from another home?); ` +
          'restore this home\'s own key file. Nothing was changed',
      );
    }
    const vault = new SeedVault(dataKey);
    applyMigrations(sqlite, db);
    removeStaleTempFiles(paths.exports);
    removeStaleKeyTemps(paths);
    const meta = new MetaRepo(db);
    const deskId = meta.deskId() ?? 'desk-1';
    // The watch reads the wrapping through the inventory: `key protect` / `change-passphrase` replace it.
    const keyWatch = new KeyWatch(meta, paths, vault, () => inventory.wrapping);
    vault.watchKey(keyWatch.onUnreadableSeed);
    const store = new Store(db, sqlite, { vault, watch: keyWatch, auditHeadFile: paths.auditHead });
    const inventory: Inventory = {
      paths,
      store,
      sqlite,
      db,
      vault,
      keyWatch,
      deskId,
      settings,
      keyMode: keys.mode,
      ...(keys.wrapping ? { wrapping: keys.wrapping } : {}),
      notes,
      close: () => store.close(),
    };
    keyAuditTrail(inventory.store, vault, paths, deskId);
    flushUnauditedFailures(paths, inventory.store, deskId);
    return inventory;
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/**
 * Ends a rotation that stopped between its steps, under the database's write lock (every writer of
 * the key file holds it, so no rotation is half-way while this runs): if the database already uses
 * the pending key, it becomes the data key; if not, the pending key was never used and is dropped.
 * Returns the data key in use, or null when neither matches.
 */
export function settleKeyFile(db: Db, paths: HomePaths, unlocked: Pick<UnlockedKey, 'wrapping'>): Uint8Array | null {
  const meta = new MetaRepo(db);
  return db.transaction(
    (): Uint8Array | null => {
      const keyFile = readKeyFile(paths);
      const keys = keysOf(keyFile, unlocked.wrapping);
      if (!keys) throw keyChanged();
      const inUse = keyMatching(meta.keyCheck() ?? '', keys);
      if (inUse && hasPending(keyFile)) writeKeyFile(paths, inUse === keys.dataKey ? withoutPending(keyFile) : finalisedKeyFile(keyFile));
      return inUse;
    },
    { behavior: 'immediate' },
  );
}

export function keyChanged(): Refusal {
  return new Refusal('key-changed', "this home's key was changed by another command while this one ran; run it again. Nothing was changed");
}

/** Key-file temp files a crash left in the home (older than a minute, so never one being written now). */
function removeStaleKeyTemps(paths: HomePaths): void {
  const cutoff = Date.now() - 60_000;
  for (const name of readdirSync(paths.dir)) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const file = join(paths.dir, name);
    try {
      if (statSync(file).mtimeMs < cutoff) unlinkSync(file);
    } catch {
      // Gone already (another process cleaned it).
    }
  }
}

/**
 * Inside a write transaction that stores sealed seeds: refuses if another process rotated the data
 * key since `generation` (the vault's, read before the seeds were sealed): they would otherwise be
 * stored under the old key. The watch takes the new key if it can, so running the command again
 * works; what was sealed under the old key is refused all the same. Callers that seal outside the
 * transaction should pass the generation they read before sealing.
 */
export function assertKeyCurrent(inventory: Pick<Inventory, 'keyWatch' | 'vault'>, generation?: number): void {
  const before = generation ?? inventory.vault.generation;
  // Refuses by itself ('key-rotated': restart) when the new key cannot be taken.
  if (inventory.keyWatch.ensureCurrent() === 'current' && inventory.vault.generation === before) return;
  throw keyChanged();
}

/**
 * Runs `write` with synchronous=FULL, so the commit inside it is on disk when it returns (exports,
 * key rotation). Kept for callers that hold the connection; new code calls `store.durably`.
 */
export function durably<T>(sqlite: Database.Database, write: () => T): T {
  sqlite.pragma('synchronous = FULL');
  try {
    return write();
  } finally {
    sqlite.pragma('synchronous = NORMAL');
  }
}
