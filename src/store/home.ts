/**
 * The home folder: the database, the key file, the settings and the exports of one desk.
 *
 *   HOME/tokendesk.db       the inventory (SQLite, WAL)
 *   HOME/tokendesk.key      the data key (0600)
 *   HOME/config.json        desk settings (lockout, window...)
 *   HOME/exports/           batch files and manifests (0600)
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Refusal } from '../core/errors.js';
import { writeFileAtomic } from './atomicFile.js';

export interface HomePaths {
  dir: string;
  database: string;
  keyFile: string;
  config: string;
  exports: string;
}

export function homePaths(dir: string): HomePaths {
  const abs = resolve(dir);
  return {
    dir: abs,
    database: join(abs, 'tokendesk.db'),
    keyFile: join(abs, 'tokendesk.key'),
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

// ---- the key file -------------------------------------------------------------------------

interface KeyFileV1 {
  format: 'tokendesk-key';
  version: 1;
  mode: 'file';
  dataKey: string;
}

export function createKeyFile(paths: HomePaths): Uint8Array {
  const dataKey = randomBytes(32);
  const body: KeyFileV1 = { format: 'tokendesk-key', version: 1, mode: 'file', dataKey: dataKey.toString('base64') };
  writeFileAtomic(paths.keyFile, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  return new Uint8Array(dataKey);
}

export function readKeyFile(paths: HomePaths): Uint8Array {
  if (!existsSync(paths.keyFile)) {
    throw new Refusal(
      'key-missing',
      `the key file ${paths.keyFile} is missing: the seeds in this home cannot be read without it. ` +
        'Restore it from your backup (it was created by `tokendesk init`); nothing was changed',
    );
  }
  const mode = statSync(paths.keyFile).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new Refusal(
      'key-permissions',
      `the key file ${paths.keyFile} can be read by other users (mode ${mode.toString(8)}); run \`chmod 600 ${paths.keyFile}\``,
    );
  }
  let parsed: Partial<KeyFileV1>;
  try {
    parsed = JSON.parse(readFileSync(paths.keyFile, 'utf8')) as Partial<KeyFileV1>;
  } catch {
    throw keyFileDamaged(paths);
  }
  if (parsed.format !== 'tokendesk-key' || parsed.version !== 1 || typeof parsed.dataKey !== 'string') throw keyFileDamaged(paths);
  const key = Buffer.from(parsed.dataKey, 'base64');
  if (key.length !== 32) throw keyFileDamaged(paths);
  return new Uint8Array(key);
}

function keyFileDamaged(paths: HomePaths): Refusal {
  return new Refusal('key-unreadable', `the key file ${paths.keyFile} is damaged or not a tokendesk key file; restore it from your backup`);
}

export function ensureHomeDir(paths: HomePaths): void {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  mkdirSync(paths.exports, { recursive: true, mode: 0o700 });
}
