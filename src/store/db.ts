/**
 * Opening the inventory: pragmas on every connection, the key checked before anything is written,
 * migrations applied at start-up with foreign keys off (as SQLite requires for table rebuilds) and
 * checked after.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { Refusal } from '../core/errors.js';
import * as schema from './schema.js';
import { SeedVault } from './seedVault.js';
import {
  createKeyFile,
  ensureHomeDir,
  homePaths,
  readKeyFile,
  readSettings,
  type DeskSettings,
  type HomePaths,
} from './home.js';
import { removeStaleTempFiles } from './atomicFile.js';

export type Db = BetterSQLite3Database<typeof schema>;

export interface Inventory {
  paths: HomePaths;
  sqlite: Database.Database;
  db: Db;
  vault: SeedVault;
  deskId: string;
  settings: DeskSettings;
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

function readMeta(sqlite: Database.Database, key: string): string | undefined {
  const hasMeta = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return undefined;
  const row = sqlite.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export interface InitOptions {
  deskId?: string;
}

export interface InitResult {
  paths: HomePaths;
  deskId: string;
}

/** `tokendesk init`: a new home with a database, a 0600 key file and a desk id. Refuses to overwrite. */
export function initHome(dir: string, options: InitOptions = {}): InitResult {
  const paths = homePaths(dir);
  if (existsSync(paths.database) || existsSync(paths.keyFile)) {
    throw new Refusal('home-exists', `${paths.dir} already holds a tokendesk home; nothing was changed`);
  }
  const deskId = (options.deskId ?? defaultDeskId()).trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/.test(deskId)) {
    throw new Refusal('bad-desk-id', 'a desk id is 1 to 32 letters, digits, dots, dashes or underscores (e.g. "hq-desk-1")');
  }
  ensureHomeDir(paths);
  const vault = new SeedVault(createKeyFile(paths));
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
  return { paths, deskId };
}

function defaultDeskId(): string {
  const name = hostname().split('.')[0]?.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 32) ?? '';
  return /^[A-Za-z0-9]/.test(name) ? name : 'desk-1';
}

/**
 * Opens an existing home. A missing or wrong key file is refused before anything is written
 * (no migration, no temp-file clean-up), so a mistake leaves the home exactly as it was.
 */
export function openInventory(dir: string): Inventory {
  const paths = homePaths(dir);
  if (!existsSync(paths.database)) {
    throw new Refusal('not-initialised', `no tokendesk home at ${paths.dir}: run \`tokendesk init --home ${paths.dir}\` first`);
  }
  const settings = readSettings(paths);
  const vault = new SeedVault(readKeyFile(paths));
  const sqlite = connect(paths.database, { mustExist: true });
  try {
    const check = readMeta(sqlite, 'key_check');
    if (check === undefined) {
      throw new Refusal('not-initialised', `${paths.database} is not a tokendesk database (no key check); was \`tokendesk init\` interrupted?`);
    }
    if (!vault.matchesKeyCheck(check)) {
      throw new Refusal(
        'key-mismatch',
        `the key file ${paths.keyFile} does not belong to this database (copied from another home?); ` +
          'restore this home\'s own key file. Nothing was changed',
      );
    }
    const db = drizzle(sqlite, { schema });
    applyMigrations(sqlite, db);
    removeStaleTempFiles(paths.exports);
    const deskId = readMeta(sqlite, 'desk_id') ?? 'desk-1';
    return { paths, sqlite, db, vault, deskId, settings, close: () => sqlite.close() };
  } catch (error) {
    sqlite.close();
    throw error;
  }
}
