/**
 * The command tree. Each command lives in its own file; this only wires them together, plus what
 * every command shares: the global options (--home, --passphrase-file, --json work before or after
 * the command name, as in git), one-line usage errors, and "did you mean" for a mistyped command.
 */
import { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { registerAssign } from './assign.js';
import { registerAudit } from './audit.js';
import { registerBatch } from './batch.js';
import { registerDoctor } from './doctor.js';
import { registerExport } from './export.js';
import { registerHolders } from './holders.js';
import { registerImport } from './import.js';
import { registerInit } from './init.js';
import { registerKey } from './key.js';
import { registerKiosk } from './kiosk.js';
import { registerRoster } from './roster.js';
import { registerScannerCommands } from './scanner.js';
import { registerReconcile } from './reconcile.js';
import { registerStaff } from './staff.js';
import { registerTokens } from './tokens.js';
import { registerUpload } from './upload.js';

/** Options that belong to every command and may come before its name. */
const GLOBAL_OPTIONS = ['home', 'passphraseFile', 'json'] as const;
/** Global options that take a value (so the word after them is not a command name). */
const GLOBAL_WITH_VALUE = new Set(['--home', '--passphrase-file']);

export function buildProgram(version: string): Command {
  const program = new Command('tokendesk')
    .description('A terminal kiosk for handing out hardware TOTP tokens in person')
    .version(version)
    .option('--home <dir>', 'the tokendesk home folder (default: $TOKENDESK_HOME or the platform data folder)')
    .option('--passphrase-file <file>', "a passphrase-protected home's passphrase, on its first line")
    .option('--json', 'print one JSON document on stdout')
    .configureOutput({
      // Usage errors: one line, the way every other refusal reads.
      outputError: (text, write) =>
        write(`tokendesk: ${text.replace(/^error: /, '').replace(/\s*\(Did you mean (.+)\?\)/, '; did you mean $1?').trim()} (see tokendesk --help)\n`),
    })
    .exitOverride();
  // A global option given before the command name reaches the command like its own.
  program.hook('preAction', (root, action) => {
    for (const name of GLOBAL_OPTIONS) {
      const value = root.getOptionValue(name);
      if (value !== undefined && action.getOptionValue(name) === undefined) action.setOptionValue(name, value);
    }
  });
  registerKiosk(program);
  registerInit(program);
  registerImport(program);
  registerTokens(program);
  registerAssign(program);
  registerHolders(program);
  registerExport(program);
  registerBatch(program);
  registerUpload(program);
  registerReconcile(program);
  registerAudit(program);
  registerStaff(program);
  registerRoster(program);
  registerKey(program);
  registerScannerCommands(program);
  registerDoctor(program);
  return program;
}

/**
 * The kiosk is the default command, so commander would hand a mistyped command name to it as an
 * argument ("too many arguments for 'kiosk'"). Checked first: the first word that is not an option
 * must name a command.
 */
export function assertKnownCommand(program: Command, args: readonly string[]): void {
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]).concat('help');
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return;
    if (arg.startsWith('-')) {
      if (GLOBAL_WITH_VALUE.has(arg)) i++;
      continue;
    }
    if (names.includes(arg)) return;
    const shown = arg.length > 40 ? `${arg.slice(0, 40)}...` : arg;
    const near = names.map((name) => ({ name, distance: editDistance(arg.toLowerCase(), name) })).sort((a, b) => a.distance - b.distance)[0];
    const hint = near && near.distance <= Math.max(2, Math.floor(near.name.length / 3)) ? `; did you mean ${near.name}?` : '';
    throw new UsageError(`unknown command '${shown}'${hint} (see tokendesk --help)`);
  }
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
