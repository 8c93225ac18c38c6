/**
 * The home folder: the database, the key file, the settings and the exports of one desk.
 *
 *   HOME/tokendesk.db       the inventory (SQLite, WAL)
 *   HOME/tokendesk.key      the data key, or the data key wrapped by a passphrase (0600; see keyFile.ts)
 *   HOME/unlock-failures.json  wrong passphrases in a row, for the growing delay (0600; see unlock.ts)
 *   HOME/audit-head.json    the newest audit entry's seq and MAC (0600; see auditHead.ts)
 *   HOME/config.json        desk settings (lockout, window...)
 *   HOME/exports/           batch files and manifests (0600)
 *
 * The home is 0700 and everything in it 0600: the database holds UPNs, PIN hashes and the audit
 * trail, and SQLite creates its -wal and -shm files with the database's mode. A home found looser
 * (created by an older version, copied, or `init` into an existing folder) is tightened when it is
 * opened, and the caller is told (secureHome).
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Refusal } from '../core/errors.js';
import { TEMP_PREFIX } from './atomicFile.js';

export interface HomePaths {
  dir: string;
  database: string;
  keyFile: string;
  unlockFailures: string;
  config: string;
  exports: string;
  auditHead: string;
}

export function homePaths(dir: string): HomePaths {
  const abs = resolve(dir);
  return {
    dir: abs,
    database: join(abs, 'tokendesk.db'),
    keyFile: join(abs, 'tokendesk.key'),
    unlockFailures: join(abs, 'unlock-failures.json'),
    config: join(abs, 'config.json'),
    exports: join(abs, 'exports'),
    auditHead: join(abs, 'audit-head.json'),
  };
}

/** --home, else TOKENDESK_HOME, else the platform's data folder. */
export function resolveHomeDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.TOKENDESK_HOME) return resolve(env.TOKENDESK_HOME);
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'tokendesk');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'tokendesk');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'tokendesk');
}

export interface DeskSettings {
  /** Wrong codes before a token locks. */
  maxFailedAttempts: number;
  /** How long a locked token stays locked. */
  lockoutMinutes: number;
  /** Accepted offsets either side of now, in steps. */
  acceptWindowSteps: number;
  /** Kiosk: minutes without a key before it returns to sign-in. */
  idleMinutes: number;
  /** Scanner choice: auto|off|keyboard|VID:PID|PATH|replay:FILE. */
  scanner: string;
}

export const DEFAULT_SETTINGS: DeskSettings = {
  maxFailedAttempts: 5,
  lockoutMinutes: 5,
  acceptWindowSteps: 1,
  idleMinutes: 5,
  scanner: 'auto',
};

export function readSettings(paths: HomePaths): DeskSettings {
  if (!existsSync(paths.config)) return { ...DEFAULT_SETTINGS };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(paths.config, 'utf8'));
  } catch (error) {
    throw new Refusal('config-unreadable', `${paths.config} is not valid JSON (${(error as Error).message}); fix or delete it`);
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new Refusal('config-unreadable', `${paths.config} must hold a JSON object`);
  }
  const settings = { ...DEFAULT_SETTINGS, ...(parsed as Partial<DeskSettings>) };
  for (const key of ['maxFailedAttempts', 'lockoutMinutes', 'acceptWindowSteps', 'idleMinutes'] as const) {
    const value = settings[key];
    if (!Number.isInteger(value) || value < 0 || value > 1000) {
      throw new Refusal('config-invalid', `${paths.config}: "${key}" must be a whole number from 0 to 1000`);
    }
  }
  return settings;
}

export function ensureHomeDir(paths: HomePaths): void {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  mkdirSync(paths.exports, { recursive: true, mode: 0o700 });
}

/**
 * Makes the home 0700 and every file of tokendesk's in it (and everything in exports/) 0600, as
 * `init` creates them. Only the files tokendesk keeps there are touched: a home made in a folder
 * that holds other things (`init --home ~/desk` where ~/desk had files) leaves those alone. Returns
 * one note listing what it had to tighten (empty when all was well), for the caller to show. A file
 * it may not change (another user's) is refused: the home stays readable by others until its owner
 * fixes it.
 */
export function secureHome(paths: HomePaths): string[] {
  if (process.platform === 'win32' || !existsSync(paths.dir)) return [];
  const loose: string[] = [];
  const tighten = (path: string, wanted: number): void => {
    let mode: number;
    try {
      mode = statSync(path).mode & 0o777;
    } catch {
      return; // not there (yet), or removed meanwhile (a temp file)
    }
    if ((mode & ~wanted) === 0) return;
    try {
      chmodSync(path, mode & wanted);
    } catch {
      throw new Refusal(
        'home-permissions',
        `${path} can be read by other users (mode ${mode.toString(8)}) and tokendesk may not change it: run \`chmod ${wanted.toString(8)} ${path}\` as its owner`,
      );
    }
    loose.push(`${path} (was ${mode.toString(8)})`);
  };
  tighten(paths.dir, 0o700);
  const ours = new Set(
    [paths.database, `${paths.database}-wal`, `${paths.database}-shm`, `${paths.database}-journal`, paths.keyFile, paths.auditHead, paths.unlockFailures, paths.config].map(
      (path) => path.slice(paths.dir.length + 1),
    ),
  );
  for (const name of readdirSync(paths.dir)) {
    if (ours.has(name) || name.startsWith(TEMP_PREFIX)) tighten(join(paths.dir, name), 0o600);
  }
  if (existsSync(paths.exports)) {
    tighten(paths.exports, 0o700);
    for (const name of readdirSync(paths.exports)) {
      const path = join(paths.exports, name);
      try {
        tighten(path, statSync(path).isDirectory() ? 0o700 : 0o600);
      } catch (error) {
        if (existsSync(path)) throw error;
      }
    }
  }
  if (loose.length === 0) return [];
  const notes = [`the home ${paths.dir} was readable by other users; tightened to 0700/0600: ${loose.join(', ')}`];
  if (loose.some((entry) => entry.startsWith(`${paths.keyFile} `))) {
    notes.push('the key file was readable by other users: if anyone else may have copied it, run `tokendesk key rotate`');
  }
  return notes;
}
