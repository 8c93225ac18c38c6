/**
 * What every command shares: --home and --json, opening the inventory (unlocking a passphrase-mode
 * home first), saying who acts (CLI authentication), printing a result as text or one JSON
 * document, and turning refusals into exit code 1 and usage errors into 2.
 *
 * Who acts, for commands that change state (asAdmin / asStaff):
 *   --as NAME (or $TOKENDESK_AS) and that person's PIN: from $TOKENDESK_PIN (scripts and CI only),
 *     else one line of standard input with --pin-stdin, else asked on the terminal with echo off;
 *   else, in passphrase mode, whoever gave the passphrase acts as an admin ("cli:USER (passphrase)");
 *   else, while the home has no enabled admin at all, "cli:USER" acts as an admin (bootstrap),
 *     with a note on stderr to create one;
 *   else the command is refused (exit 2) saying what to pass.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { Refusal, UsageError } from '../core/errors.js';
import { homePaths, keyMode, openInventory, resolveHomeDir, secureHome, unlockHome, type Inventory } from '../services/home.js';
import type { Actor, Role } from '../services/actor.js';
import { hasEnabledAdmin, signIn } from '../services/staff.js';
import { askHidden, closeStdinLines, readSecretFile, readStdinLine, stdinIsTerminal } from './prompts.js';

export interface CommonOptions {
  home?: string;
  json?: boolean;
  passphraseFile?: string;
}

export interface SignInOptions extends CommonOptions {
  as?: string;
  pinStdin?: boolean;
}

export function withHome(command: Command): Command {
  return command
    .option('--home <dir>', 'the tokendesk home folder (default: $TOKENDESK_HOME or the platform data folder)')
    .option('--passphrase-file <file>', "a passphrase-protected home's passphrase, on the first line of this file (default: asked on the terminal)");
}

export function withJson(command: Command): Command {
  return command.option('--json', 'print one JSON document on stdout');
}

/** The flags of a command that acts as a named person (see asAdmin / asStaff). */
export function withSignIn(command: Command): Command {
  return command
    .option('--as <name>', 'act as this admin or staff member (default: $TOKENDESK_AS); their PIN is asked on the terminal')
    .option('--pin-stdin', 'answer the PIN questions from standard input, one line each (with --as: your PIN first)');
}

/** "cli:USER": the operating-system account running the command. */
export function cliUserName(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (containers): keep "unknown".
  }
  return `cli:${user}`;
}

export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

type Body<A extends unknown[]> = (...args: A) => Promise<number | void> | number | void;

/**
 * Runs a command body that only reads, with the inventory open; closes it whatever happens. Errors
 * become a message on stderr (or a JSON error document with --json) and an exit code.
 */
export async function withInventory<T extends CommonOptions>(options: T, body: Body<[Inventory]>): Promise<void> {
  await run(options, async () => {
    const { inventory } = await openHome(options);
    try {
      return await body(inventory);
    } finally {
      inventory.close();
    }
  });
}

/** Runs a body that changes state as an admin: who acts is settled (see the top of this file) before it runs. */
export async function asAdmin<T extends SignInOptions>(
  options: T,
  body: Body<[Inventory, Actor]>,
  settings: { bootstrapNote?: boolean } = {},
): Promise<void> {
  await actingAs('admin', options, body, settings.bootstrapNote ?? true);
}

/** Runs a body that a staff member or an admin may run (the hand-out). */
export async function asStaff<T extends SignInOptions>(options: T, body: Body<[Inventory, Actor]>): Promise<void> {
  await actingAs('staff', options, body, true);
}

async function actingAs(role: Role, options: SignInOptions, body: Body<[Inventory, Actor]>, bootstrapNote: boolean): Promise<void> {
  await run(options, async () => {
    const { inventory, unlockedByPassphrase } = await openHome(options);
    try {
      const actor = await whoActs(inventory, options, role, unlockedByPassphrase, bootstrapNote);
      return await body(inventory, actor);
    } finally {
      inventory.close();
    }
  });
}

/** True when the home exists and its key is wrapped by a passphrase. */
export function homeNeedsPassphrase(dir: string): boolean {
  return existsSync(homePaths(dir).database) && keyMode(dir) === 'passphrase';
}

/** The home's passphrase: --passphrase-file, else asked on the terminal; refused without either. */
export async function passphraseFromCommandLine(dir: string, options: CommonOptions): Promise<string> {
  if (options.passphraseFile !== undefined) return readSecretFile(options.passphraseFile, '--passphrase-file');
  if (stdinIsTerminal()) return askHidden(`Passphrase for the tokendesk home ${homePaths(dir).dir}: `);
  throw new UsageError(
    `the home ${homePaths(dir).dir} is protected by a passphrase and standard input is not a terminal to ask for it: add --passphrase-file FILE`,
  );
}

/** Says on stderr what had to be fixed (permissions); stdout stays one document with --json. */
export function note(message: string): void {
  process.stderr.write(`tokendesk: note: ${message}\n`);
}

/** Opens the home of --home, unlocking it first in passphrase mode. */
export async function openHome(options: CommonOptions): Promise<{ inventory: Inventory; unlockedByPassphrase: boolean }> {
  const dir = resolveHomeDir(options.home);
  // Before anything reads the key file (it refuses to be read by others) or SQLite opens -wal/-shm.
  for (const message of secureHome(dir)) note(message);
  if (!homeNeedsPassphrase(dir)) {
    if (options.passphraseFile !== undefined && existsSync(homePaths(dir).database)) {
      note('this home has no passphrase (its key is in the key file); --passphrase-file was not needed');
    }
    return { inventory: opened(openInventory(dir)), unlockedByPassphrase: false };
  }
  const passphrase = await passphraseFromCommandLine(dir, options);
  const key = await unlockHome(dir, passphrase, {
    actor: cliUserName(),
    onWait: (ms) => process.stderr.write(`tokendesk: waiting ${Math.ceil(ms / 1000)} s after earlier wrong passphrases...\n`),
  });
  return { inventory: opened(openInventory(dir, { key })), unlockedByPassphrase: true };
}

/** Whatever opening still had to fix (secureHome above usually did it already). */
function opened(inventory: Inventory): Inventory {
  for (const message of inventory.notes) note(message);
  return inventory;
}

async function whoActs(inventory: Inventory, options: SignInOptions, role: Role, unlockedByPassphrase: boolean, bootstrapNote: boolean): Promise<Actor> {
  const name = (options.as ?? process.env.TOKENDESK_AS ?? '').trim();
  if (name !== '') {
    const actor = signIn(inventory, { name, pin: await pinOf(name, options) });
    if (role === 'admin' && actor.role !== 'admin') {
      throw new Refusal('not-allowed', `${actor.name} is ${actor.role}: this command needs an admin; nothing was changed`);
    }
    return actor;
  }
  if (unlockedByPassphrase) return { name: `${cliUserName()} (passphrase)`, role: 'admin' };
  if (!hasEnabledAdmin(inventory)) {
    if (bootstrapNote) {
      note(`this home has no admin yet, so the command line acts as admin ${cliUserName()}; create one with \`tokendesk staff add NAME --role admin\``);
    }
    return { name: cliUserName(), role: 'admin' };
  }
  throw new UsageError(
    `this home has admins, so say who you are: --as NAME (or TOKENDESK_AS=NAME) naming ${role === 'admin' ? 'an admin' : 'a staff member or an admin'}, ` +
      'with the PIN typed when asked, piped with --pin-stdin, or (scripts and CI only) in TOKENDESK_PIN',
  );
}

/** The acting person's PIN: $TOKENDESK_PIN, else a line of stdin with --pin-stdin, else the terminal. */
async function pinOf(name: string, options: SignInOptions): Promise<string> {
  const fromEnv = process.env.TOKENDESK_PIN;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (options.pinStdin) return readStdinLine(`the PIN of ${name}`);
  if (stdinIsTerminal()) return askHidden(`Signing in as ${name}. PIN: `);
  throw new UsageError(`give the PIN of ${name}: type it on a terminal, pipe it with --pin-stdin, or (scripts and CI only) set TOKENDESK_PIN`);
}

export async function run(options: CommonOptions, body: () => Promise<number | void> | number | void): Promise<void> {
  try {
    const code = await body();
    if (typeof code === 'number') process.exitCode = code;
  } catch (error) {
    process.exitCode = reportError(error, options.json ?? false);
  } finally {
    closeStdinLines();
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
