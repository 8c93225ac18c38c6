import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

if (!existsSync(CLI)) throw new Error('dist/src/cli.js is missing: run `npm run build` (npm test does it first)');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  home?: string;
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Act as this staff member or admin: TOKENDESK_AS and TOKENDESK_PIN, as a CI script would. */
  as?: { name: string; pin: string };
}

/** Runs the built `tokendesk` as a user would, without a TTY. */
export function tokendesk(args: string[], options: CliOptions = {}): CliResult {
  const signIn = options.as ? { TOKENDESK_AS: options.as.name, TOKENDESK_PIN: options.as.pin } : { TOKENDESK_AS: undefined, TOKENDESK_PIN: undefined };
  const result = spawnSync(process.execPath, [CLI, ...args, ...(options.home ? ['--home', options.home] : [])], {
    encoding: 'utf8',
    input: options.input ?? '',
    env: { ...process.env, NO_COLOR: '1', ...signIn, ...options.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function json<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}
