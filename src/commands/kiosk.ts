import type { Command } from 'commander';
import { run, withHome } from './shared.js';
import { UsageError } from '../core/errors.js';

export function registerKiosk(program: Command): void {
  withHome(program.command('kiosk', { isDefault: true }))
    .description('the full-screen kiosk for the hand-out desk (the default command)')
    .option('--demo', 'a throw-away home with practice tokens')
    .action(async (options: { home?: string; demo?: boolean }) => {
      await run({}, async () => {
        if (!process.stdin.isTTY || !process.stdout.isTTY) {
          throw new UsageError(
            'the kiosk needs a terminal (stdin and stdout must be a TTY). For scripts use the commands: ' +
              '`tokendesk import`, `tokendesk assign`, `tokendesk export` (see `tokendesk --help`)',
          );
        }
        const { startKiosk } = await import('../kiosk/start.js');
        return startKiosk({ home: options.home, demo: options.demo ?? false });
      });
    });
}
