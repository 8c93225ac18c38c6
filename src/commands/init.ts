import type { Command } from 'commander';
import { initHome } from '../store/db.js';
import { resolveHomeDir } from '../store/home.js';
import { out, printJson, run, withHome, withJson } from './shared.js';

export function registerInit(program: Command): void {
  withJson(withHome(program.command('init')))
    .description('create a home: the database, a 0600 key file and a desk id')
    .option('--desk <id>', 'this desk\'s id, shown in the kiosk and on every batch (default: the host name)')
    .action(async (options: { home?: string; json?: boolean; desk?: string }) => {
      await run(options, () => {
        const result = initHome(resolveHomeDir(options.home), { deskId: options.desk });
        if (options.json) {
          printJson({ ok: true, home: result.paths.dir, database: result.paths.database, keyFile: result.paths.keyFile, deskId: result.deskId });
          return;
        }
        out(`Created a tokendesk home for desk "${result.deskId}" in ${result.paths.dir}`);
        out(`  database  ${result.paths.database}`);
        out(`  key file  ${result.paths.keyFile} (mode 0600)`);
        out('');
        out('Back up the key file somewhere safe: without it the seeds in this home cannot be read.');
        out(`Next: tokendesk import SEEDFILE${options.home ? ` --home ${options.home}` : ''}`);
      });
    });
}
