/**
 * The command tree. Each command lives in its own file; this only wires them together, plus what
 * every command shares: the global options (--home, --passphrase-file, --json work before or after
 * the command name, as in git), one-line usage errors, and "did you mean" for a mistyped command.
 *
 * Commands start like git's: only the module of the command being run is loaded (a dynamic
 * import), so `tokens list` never loads Ink, React, age, node-hid, openpgp or MSAL. The others
 * stand in the tree as stubs with their name and description, which is all the top-level help
 * and "did you mean" need; test/cli/commandTable.test.ts checks the stubs against the real ones.
 */
import { Command, Help } from 'commander';
import { UsageError } from '../core/errors.js';

type Register = (program: Command) => void;

/** A top-level command: how it reads in the top-level help, and where its module is. */
export interface CommandEntry {
  name: string;
  /** As commander lists it: name, "[options]" when it has any, its arguments. */
  term: string;
  description: string;
  load: () => Promise<Register>;
}

/** Every top-level command, in the order the help lists them. A new command gets a line here. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'kiosk', term: 'kiosk [options]', description: 'the full-screen kiosk for the hand-out desk (the default command)', load: async () => (await import('./kiosk.js')).registerKiosk },
  { name: 'init', term: 'init [options]', description: 'create a home: the database, a 0600 key file and a desk id (an existing folder is made 0700)', load: async () => (await import('./init.js')).registerInit },
  { name: 'import', term: 'import [options] <file>', description: 'import a seed file into the inventory (all or nothing)', load: async () => (await import('./import.js')).registerImport },
  { name: 'tokens', term: 'tokens', description: 'the token inventory (never shows a secret)', load: async () => (await import('./tokens.js')).registerTokens },
  { name: 'assign', term: 'assign [options]', description: 'hand out a token without the screen: same verification, same rules as the kiosk', load: async () => (await import('./assign.js')).registerAssign },
  { name: 'holders', term: 'holders [options]', description: "who holds which token: a token's holders, a person's tokens, or every live hand-out (admins)", load: async () => (await import('./holders.js')).registerHolders },
  { name: 'export', term: 'export [options]', description: 'write a new batch of verified hand-outs not yet exported, for upload to the identity provider', load: async () => (await import('./export.js')).registerExport },
  { name: 'batch', term: 'batch', description: 'exported batches: list, show, void, mark uploaded, merge; decrypt and keygen for encrypted ones', load: async () => (await import('./batch.js')).registerBatch },
  { name: 'upload', term: 'upload [options] [batch]', description: 'put verified hand-outs into Entra through Microsoft Graph: create each token, assign it to its employee and activate it (admin)', load: async () => (await import('./upload.js')).registerUpload },
  { name: 'reconcile', term: 'reconcile [options]', description: "compare the tenant's hardware tokens with the desk's ledger and print a plan; --fix runs its safe part (admin)", load: async () => (await import('./reconcile.js')).registerReconcile },
  { name: 'audit', term: 'audit', description: 'the authenticated, hash-chained audit trail', load: async () => (await import('./audit.js')).registerAudit },
  { name: 'staff', term: 'staff', description: 'desk staff accounts: who may sign in at the kiosk, with which role', load: async () => (await import('./staff.js')).registerStaff },
  { name: 'roster', term: 'roster', description: 'the people tokens are handed out to (type-ahead and badge scans at the kiosk)', load: async () => (await import('./roster.js')).registerRoster },
  { name: 'key', term: 'key', description: "the home's data key: passphrase protection and rotation (admin)", load: async () => (await import('./key.js')).registerKey },
  { name: 'scanner', term: 'scanner', description: 'barcode scanner: list devices, test scanning', load: async () => (await import('./scanner.js')).registerScannerCommands },
  { name: 'doctor', term: 'doctor [options]', description: 'check the database, the key, the audit trail (head file, triggers, batches), the scanner and the clock', load: async () => (await import('./doctor.js')).registerDoctor },
];

/** Options that belong to every command and may come before its name. */
const GLOBAL_OPTIONS = ['home', 'passphraseFile', 'json'] as const;
/** Global options that take a value (so the word after them is not a command name). */
const GLOBAL_WITH_VALUE = new Set(['--home', '--passphrase-file']);

/**
 * The program for this command line: the module of the command `args` runs is loaded (the kiosk
 * when it names none and asks for no help); every other command is a stub. `all` loads them all.
 */
export async function buildProgram(version: string, args: readonly string[] = [], options: { all?: boolean } = {}): Promise<Command> {
  const program = rootCommand(version);
  const wanted = options.all ? null : commandRun(args);
  for (const entry of COMMANDS) {
    if (wanted === null || wanted === entry.name) (await entry.load())(program);
    else program.command(entry.name, entry.name === 'kiosk' ? { isDefault: true } : {}).description(entry.description);
  }
  const terms = new Map(COMMANDS.map((entry) => [entry.name, entry.term]));
  const help = new Help();
  program.configureHelp({ subcommandTerm: (command) => terms.get(command.name()) ?? help.subcommandTerm(command) });
  return program;
}

/** The top-level command `args` runs: its name, the kiosk when none is named, or '' for help and version alone. */
export function commandRun(args: readonly string[]): string {
  let helpAsked = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      if (GLOBAL_WITH_VALUE.has(arg)) i++;
      if (arg === '-h' || arg === '--help' || arg === '-V' || arg === '--version') helpAsked = true;
      continue;
    }
    if (arg === 'help') return commandRun(args.slice(i + 1).concat('--help'));
    return arg;
  }
  return helpAsked ? '' : 'kiosk';
}

function rootCommand(version: string): Command {
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
