import type { Command } from 'commander';
import { run, withHome } from './shared.js';
import { UsageError } from '../core/errors.js';

export function registerKiosk(program: Command): void {
  withHome(program.command('kiosk', { isDefault: true }))
    .description('the full-screen kiosk for the hand-out desk (the default command)')
    .option('--demo', 'practice mode: a throw-away home with 20 practice tokens and a panel showing their codes')
    .option('--scanner <spec>', 'auto, off, keyboard, VID:PID, a HID path, or replay:FILE (default: the home\'s setting, else auto)')
    .action(async (options: { home?: string; demo?: boolean; scanner?: string }) => {
      await run({}, async () => {
        if (!process.stdin.isTTY || !process.stdout.isTTY) {
          throw new UsageError(
            'the kiosk needs a terminal (stdin and stdout must be a TTY). For scripts use the commands: ' +
              '`tokendesk import`, `tokendesk assign`, `tokendesk export` (see `tokendesk --help`)',
          );
        }
        if (options.scanner !== undefined) {
          const { parseScannerSpec } = await import('../scanner/index.js');
          try {
            parseScannerSpec(options.scanner);
          } catch (error) {
            throw new UsageError((error as Error).message);
          }
        }
        // A person at a terminal: Ink must draw every frame even when the environment says CI
        // (is-in-ci reads CI once, when Ink loads, and then draws only the last frame at exit).
        process.env.CI = 'false';
        // React's production build: a third of the work per frame. Set before React loads.
        process.env.NODE_ENV ??= 'production';
        const { startKiosk } = await import('../kiosk/start.js');
        return startKiosk({ home: options.home, demo: options.demo ?? false, scanner: options.scanner });
      });
    });
}
