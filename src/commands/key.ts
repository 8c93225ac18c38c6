import type { Command } from 'commander';
import { assertFileMode, assertPassphraseMode, changePassphrase, keyStatus, protectWithPassphrase, rotateDataKey } from '../services/keys.js';
import { resolveHomeDir, secureHome, type ScryptParams } from '../services/home.js';
import { newPassphraseFromCommandLine } from './init.js';
import { asAdmin, note, out, printJson, run, withHome, withJson, withSignIn, type SignInOptions } from './shared.js';

type KeyOptions = SignInOptions & { newPassphraseFile?: string };

const cost = (s: ScryptParams) => `scrypt N=2^${Math.log2(s.N)} r=${s.r} p=${s.p}`;

export function registerKey(program: Command): void {
  const key = program.command('key').description("the home's data key: passphrase protection and rotation (admin)");

  withJson(withHome(key.command('status')))
    .description('how the data key is kept: key file or passphrase, scrypt cost, an unfinished rotation (unlocks nothing)')
    .action(async (options: KeyOptions) => {
      await run(options, () => {
        const dir = resolveHomeDir(options.home);
        for (const message of secureHome(dir)) note(message);
        const status = keyStatus(dir);
        if (options.json) return printJson({ ok: true, ...status });
        out(`Key file  ${status.keyFile}`);
        out(`  mode              ${status.mode === 'file' ? 'key file (the data key is in the file, mode 0600)' : `passphrase (${cost(status.scrypt!)})`}`);
        if (status.rotationPending) out('  rotation          unfinished: the next command that opens the home completes or drops it');
        if (status.failedUnlocks > 0) out(`  wrong passphrases ${status.failedUnlocks} in a row since the last unlock`);
      });
    });

  withSignIn(withJson(withHome(key.command('protect'))))
    .description('wrap the data key with a passphrase (asked twice on a terminal, or --new-passphrase-file)')
    .option('--new-passphrase-file <file>', 'the new passphrase, on the first line of this file')
    .action(async (options: KeyOptions) => {
      await asAdmin(options, async (inventory, actor) => {
        assertFileMode(inventory);
        const passphrase = await newPassphraseFromCommandLine(options.newPassphraseFile, '--new-passphrase-file');
        const result = await protectWithPassphrase(inventory, { actor, passphrase });
        if (options.json) return printJson({ ok: true, keyMode: 'passphrase', scrypt: result.scrypt });
        out(`The data key of ${inventory.paths.dir} is now wrapped by your passphrase (${cost(result.scrypt)}, about half a second per unlock here).`);
        out('Every command that opens this home asks for it (or takes --passphrase-file); the kiosk asks at start.');
        out('Copies and backups of the old key file still hold the key in the clear: destroy them, or run');
        out('`tokendesk key rotate` so that they open nothing.');
      });
    });

  withSignIn(withJson(withHome(key.command('change-passphrase'))))
    .description('a new passphrase for a passphrase-protected home (the current one via --passphrase-file or the terminal)')
    .option('--new-passphrase-file <file>', 'the new passphrase, on the first line of this file')
    .action(async (options: KeyOptions) => {
      await asAdmin(options, async (inventory, actor) => {
        assertPassphraseMode(inventory);
        const passphrase = await newPassphraseFromCommandLine(options.newPassphraseFile, '--new-passphrase-file');
        const result = await changePassphrase(inventory, { actor, passphrase });
        if (options.json) return printJson({ ok: true, keyMode: 'passphrase', scrypt: result.scrypt });
        out(`The passphrase of ${inventory.paths.dir} is changed (${cost(result.scrypt)}).`);
        out('Backups of the key file made before today still open with the old passphrase: replace them, or run `tokendesk key rotate`.');
      });
    });

  withSignIn(withJson(withHome(key.command('rotate'))))
    .description('a new data key: every stored seed re-encrypted under it in one transaction (crash-safe)')
    .action(async (options: KeyOptions) => {
      await asAdmin(options, (inventory, actor) => {
        const result = rotateDataKey(inventory, { actor });
        if (options.json) return printJson({ ok: true, ...result });
        out(`Rotated the data key of ${inventory.paths.dir}: ${result.seeds.toLocaleString('en-US')} seed(s) re-encrypted under the new key.`);
        if (result.keyMode === 'passphrase') out('The passphrase is unchanged. Older copies of the key file no longer open this database.');
        else out(`Older copies of the key file no longer open this database: back up the new ${inventory.paths.keyFile} now.`);
        out('Restart any kiosk running on this home: it still holds the old key.');
      });
    });
}
