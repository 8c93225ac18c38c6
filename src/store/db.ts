/**
 * Opening the inventory: pragmas on every connection, the key checked before anything is written,
 * migrations applied at start-up with foreign keys off (as SQLite requires for table rebuilds) and
 * checked after.
 */
import { existsSync, readdirSync, statSync, unlinkSync } from 'node:fs';
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
import { SeedVault } from './seedVault.js';
import { ensureHomeDir, homePaths, readSettings, type DeskSettings, type HomePaths } from './home.js';
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

export interface Inventory {
  paths: HomePaths;
  /** Every query, by repository; services go through this and nothing else. */
  store: Store;
  /** For the store and for tests that look at the file itself; services never use it. */
  sqlite: Database.Database;
  db: Db;
  /** Replaced by `tokendesk key rotate` (services/keys.ts). */
  vault: SeedVault;
  deskId: string;
  settings: DeskSettings;
  keyMode: KeyMode;
  /** Passphrase mode: what wraps the data key, kept in memory so a rotation need not ask again. */
  wrapping?: { kek: Buffer; kdf: KdfParams };
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

export function readMeta(sqlite: Database.Database, key: string): string | undefined {
  const hasMeta = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return undefined;
  const row = sqlite.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
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
  if (options.passphrase !== undefined) {
    kdf = newKdf(options.scrypt ?? calibrateScrypt());
    keyFile = passphraseKeyFile({ kek: deriveKekSync(options.passphrase, kdf), kdf }, dataKey);
  }
  ensureHomeDir(paths);
  writeKeyFile(paths, keyFile);
  const vault = new SeedVault(dataKey);
  const sqlite = connect(paths.database);
  try {
    const db = drizzle(sqlite, { schema });
    applyMigrations(sqlite, db);
    const put = sqlite.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    sqlite.transaction(() => {
      put.run('key_check', vault.keyCheck());
      put.run('desk_id', deskId);
      put.run('created_at', new Date().toISOString());
    })();
  } finally {
    sqlite.close();
  }
  return { paths, deskId, keyMode: keyFile.mode, ...(kdf ? { scrypt: { N: kdf.N, r: kdf.r, p: kdf.p } } : {}) };
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
 * temp-file clean-up), so a mistake leaves the home exactly as it was. A key rotation cut short is
 * settled here: the key file keeps whichever data key the database's key check matches.
 */
export function openInventory(dir: string, options: OpenOptions = {}): Inventory {
  const paths = homePaths(dir);
  if (!existsSync(paths.database)) {
    throw new Refusal('not-initialised', `no tokendesk home at ${paths.dir}: run \`tokendesk init --home ${paths.dir}\` first`);
  }
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
    const check = readMeta(sqlite, 'key_check');
    if (check === undefined) {
      throw new Refusal('not-initialised', `${paths.database} is not a tokendesk database (no key check); was \`tokendesk init\` interrupted?`);
    }
    const dataKey = hasPending(keyFile) ? settleKeyFile(sqlite, paths, keys) : keyMatching(check, keys);
    if (!dataKey) {
      throw new Refusal(
        'key-mismatch',
        `the key file ${paths.keyFile} does not belong to this database (copied from another home?); ` +
          'restore this home\'s own key file. Nothing was changed',
      );
    }
    const vault = new SeedVault(dataKey);
    const db = drizzle(sqlite, { schema });
    applyMigrations(sqlite, db);
    removeStaleTempFiles(paths.exports);
    removeStaleKeyTemps(paths);
    const deskId = readMeta(sqlite, 'desk_id') ?? 'desk-1';
    const store = new Store(db, sqlite);
    flushUnauditedFailures(paths, store, deskId);
    return {
      paths,
      store,
      sqlite,
      db,
      vault,
      deskId,
      settings,
      keyMode: keys.mode,
      ...(keys.wrapping ? { wrapping: keys.wrapping } : {}),
      close: () => sqlite.close(),
    };
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/** The data key of `keys` (current or pending) that the database's key check matches, or null. */
export function keyMatching(check: string, keys: Pick<UnlockedKey, 'dataKey' | 'pendingKey'>): Uint8Array | null {
  if (new SeedVault(keys.dataKey).matchesKeyCheck(check)) return keys.dataKey;
  if (keys.pendingKey && new SeedVault(keys.pendingKey).matchesKeyCheck(check)) return keys.pendingKey;
  return null;
}

/**
 * Ends a rotation that stopped between its steps, under the database's write lock (every writer of
 * the key file holds it, so no rotation is half-way while this runs): if the database already uses
 * the pending key, it becomes the data key; if not, the pending key was never used and is dropped.
 * Returns the data key in use, or null when neither matches.
 */
export function settleKeyFile(sqlite: Database.Database, paths: HomePaths, unlocked: Pick<UnlockedKey, 'wrapping'>): Uint8Array | null {
  return sqlite
    .transaction((): Uint8Array | null => {
      const keyFile = readKeyFile(paths);
      const keys = keysOf(keyFile, unlocked.wrapping);
      if (!keys) throw keyChanged();
      const check = readMeta(sqlite, 'key_check') ?? '';
      const inUse = keyMatching(check, keys);
      if (inUse && hasPending(keyFile)) writeKeyFile(paths, inUse === keys.dataKey ? withoutPending(keyFile) : finalisedKeyFile(keyFile));
      return inUse;
    })
    .immediate();
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
 * key since this inventory was opened (the seeds would otherwise be sealed under the old key).
 */
export function assertKeyCurrent(inventory: Pick<Inventory, 'sqlite' | 'vault'>): void {
  const check = readMeta(inventory.sqlite, 'key_check');
  if (check === undefined || !inventory.vault.matchesKeyCheck(check)) throw keyChanged();
}

/**
 * Runs `write` with synchronous=FULL, so the commit inside it is on disk when it returns (exports,
 * key rotation), then puts the connection back to NORMAL whatever happens.
 */
export function durably<T>(sqlite: Database.Database, write: () => T): T {
  sqlite.pragma('synchronous = FULL');
  try {
    return write();
  } finally {
    sqlite.pragma('synchronous = NORMAL');
  }
}
