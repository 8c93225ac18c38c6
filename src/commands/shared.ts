/**
 * What every command shares: --home and --json, opening the inventory, printing a result as text or
 * one JSON document, and turning refusals into exit code 1 and usage errors into 2.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { Refusal, UsageError } from '../core/errors.js';
import { openInventory, type Inventory } from '../store/db.js';
import { resolveHomeDir } from '../store/home.js';
import type { Actor } from '../services/actor.js';

export interface CommonOptions {
  home?: string;
  json?: boolean;
}

export function withHome(command: Command): Command {
  return command.option('--home <dir>', 'the tokendesk home folder (default: $TOKENDESK_HOME or the platform data folder)');
}

export function withJson(command: Command): Command {
  return command.option('--json', 'print one JSON document on stdout');
}

/** The command line acts as an admin of the machine it runs on (PIN/passphrase checks come with the security work). */
export function cliActor(): Actor {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (containers): keep "unknown".
  }
  return { name: `cli:${user}`, role: 'admin' };
}

export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Runs a command body with the inventory open; closes it whatever happens. Errors become a message
 * on stderr (or a JSON error document with --json) and an exit code.
 */
export async function withInventory<T extends CommonOptions>(
  options: T,
  body: (inventory: Inventory) => Promise<number | void> | number | void,
): Promise<void> {
  await run(options, async () => {
    const inventory = openInventory(resolveHomeDir(options.home));
    try {
      return await body(inventory);
    } finally {
      inventory.close();
    }
  });
}

export async function run(options: CommonOptions, body: () => Promise<number | void> | number | void): Promise<void> {
  try {
    const code = await body();
    if (typeof code === 'number') process.exitCode = code;
  } catch (error) {
    process.exitCode = reportError(error, options.json ?? false);
  }
}

export function reportError(error: unknown, json: boolean): number {
  if (error instanceof Refusal) {
    if (json) printJson({ ok: false, error: { code: error.code, message: error.message, ...(error.details ?? {}) } });
    else process.stderr.write(`tokendesk: ${error.message}\n`);
    return 1;
  }
  if (error instanceof UsageError) {
    if (json) printJson({ ok: false, error: { code: 'usage', message: error.message } });
    else process.stderr.write(`tokendesk: ${error.message}\n`);
    return 2;
  }
  // A bug: say so plainly. Stack traces carry no secrets, but keep them out of --json output.
  const message = error instanceof Error ? error.message : String(error);
  if (json) printJson({ ok: false, error: { code: 'internal', message } });
  process.stderr.write(`tokendesk: unexpected error: ${message}\n`);
  if (process.env.TOKENDESK_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 1;
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T;
}
