/**
 * The home folder: the database, the key file, the settings and the exports of one desk.
 *
 *   HOME/tokendesk.db       the inventory (SQLite, WAL)
 *   HOME/tokendesk.key      the data key, or the data key wrapped by a passphrase (0600; see keyFile.ts)
 *   HOME/unlock-failures.json  wrong passphrases in a row, for the growing delay (0600; see unlock.ts)
 *   HOME/config.json        desk settings (lockout, window...)
 *   HOME/exports/           batch files and manifests (0600)
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Refusal } from '../core/errors.js';

export interface HomePaths {
  dir: string;
  database: string;
  keyFile: string;
  unlockFailures: string;
  config: string;
  exports: string;
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
