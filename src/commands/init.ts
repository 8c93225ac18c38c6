import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { assertNoHome, homePaths, initHome, passphraseProblem, resolveHomeDir } from '../services/home.js';
import { askNewSecret, readSecretFile, stdinIsTerminal } from './prompts.js';
import { note, out, printJson, run, withHome, withJson } from './shared.js';

export function registerInit(program: Command): void {
  withJson(withHome(program.command('init')))
    .description('create a home: the database, a 0600 key file and a desk id (an existing folder is made 0700)')
    .option('--desk <id>', 'this desk\'s id, shown in the kiosk and on every batch (default: the host name)')
    .option('--passphrase', 'wrap the data key with a passphrase (asked twice on a terminal, or read from --passphrase-file)')
    .action(async (options: { home?: string; json?: boolean; desk?: string; passphrase?: boolean; passphraseFile?: string }) => {
      await run(options, async () => {
        const dir = resolveHomeDir(options.home);
        let passphrase: string | undefined;
        if (options.passphrase || options.passphraseFile !== undefined) {
          assertNoHome(homePaths(dir));
          passphrase = await newPassphraseFromCommandLine(options.passphraseFile, '--passphrase-file');
        }
        const result = initHome(dir, { deskId: options.desk, passphrase });
        for (const message of result.notes) note(message);
        if (options.json) {
          printJson({
            ok: true,
            home: result.paths.dir,
            database: result.paths.database,
            keyFile: result.paths.keyFile,
            keyMode: result.keyMode,
            ...(result.scrypt ? { scrypt: result.scrypt } : {}),
            deskId: result.deskId,
          });
          return;
        }
        out(`Created a tokendesk home for desk "${result.deskId}" in ${result.paths.dir}`);
        out(`  database  ${result.paths.database}`);
        if (result.scrypt) {
          out(`  key file  ${result.paths.keyFile} (mode 0600; the data key wrapped by your passphrase, scrypt N=2^${Math.log2(result.scrypt.N)} r=${result.scrypt.r} p=${result.scrypt.p})`);
          out('');
          out('Every command that opens this home asks for the passphrase (or takes --passphrase-file); the kiosk asks at start.');
          out('Back up the key file and keep the passphrase safe: without both, the seeds in this home cannot be read.');
        } else {
          out(`  key file  ${result.paths.keyFile} (mode 0600)`);
          out('');
          out('Back up the key file somewhere safe: without it the seeds in this home cannot be read.');
        }
        out(`Next: tokendesk staff add NAME --role admin${options.home ? ` --home ${options.home}` : ''}, then tokendesk import SEEDFILE`);
      });
    });
}

/** A new passphrase: the first line of `file`, else typed twice on the terminal. */
export async function newPassphraseFromCommandLine(file: string | undefined, flag: string): Promise<string> {
  if (file !== undefined) return readSecretFile(file, flag);
  if (!stdinIsTerminal()) throw new UsageError(`standard input is not a terminal, so the new passphrase cannot be asked for: add ${flag} FILE`);
  return askNewSecret('New passphrase', passphraseProblem);
}
