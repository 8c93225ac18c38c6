import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { out, run, withHome } from './shared.js';
import { UsageError } from '../core/errors.js';
import { installKioskUnit, KIOSK_UNIT_NAME, renderKioskUnit, type KioskUnitOptions } from '../services/kioskUnit.js';

interface KioskCommandOptions {
  home?: string;
  demo?: boolean;
  scanner?: string;
  locked?: boolean;
  installService?: boolean;
  printService?: boolean;
  user: string;
  tty: string;
  unitDir: string;
}

export function registerKiosk(program: Command): void {
  withHome(program.command('kiosk', { isDefault: true }))
    .description('the full-screen kiosk for the hand-out desk (the default command)')
    .option('--demo', 'practice mode: a throw-away home with 20 practice tokens and a panel showing their codes')
    .option('--scanner <spec>', 'auto, off, keyboard, VID:PID, a HID path, or replay:FILE (default: the home\'s setting, else auto)')
    .option('--locked', 'quitting needs an admin name and PIN (the default under the service)')
    .option('--install-service', `write the systemd unit ${KIOSK_UNIT_NAME} that runs the kiosk on a terminal at boot (as root)`)
    .option('--print-service', 'print that unit instead of writing it')
    .option('--user <name>', 'with --install-service: the dedicated account the kiosk runs as', 'tokendesk')
    .option('--tty <tty>', 'with --install-service: the virtual terminal it takes over', 'tty1')
    .option('--unit-dir <dir>', 'with --install-service: where the unit goes', '/etc/systemd/system')
    .action(async (options: KioskCommandOptions) => {
      await run({}, async () => {
        if (options.installService || options.printService) return serviceUnit(options);
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
        return startKiosk({ home: options.home, demo: options.demo ?? false, scanner: options.scanner, locked: options.locked ?? false });
      });
    });
}

/** `kiosk --install-service` / `--print-service`: the unit for this installation of tokendesk. */
function serviceUnit(options: KioskCommandOptions): number {
  const home = options.home ?? process.env.TOKENDESK_HOME ?? '/var/lib/tokendesk';
  const unit: KioskUnitOptions = {
    user: options.user,
    home,
    tty: options.tty,
    node: realpathSync(process.execPath),
    cli: realpathSync(fileURLToPath(new URL('../cli.js', import.meta.url))),
    ...(options.scanner !== undefined ? { scanner: options.scanner } : {}),
  };
  if (options.printService) {
    process.stdout.write(renderKioskUnit(unit));
    return 0;
  }
  const path = installKioskUnit(options.unitDir, unit);
  out(`Wrote ${path}: the kiosk on /dev/${unit.tty} as ${unit.user}, home ${home}, locked, restarted on exit.`);
  out('Next, as root (the README has the whole recipe):');
  out(`  id ${unit.user} || useradd --system --home-dir ${home} --shell /usr/sbin/nologin ${unit.user}`);
  out(`  install -d -m 0700 -o ${unit.user} -g ${unit.user} ${home}`);
  out(`  sudo -u ${unit.user} tokendesk init --home ${home}      # if the home is new`);
  out(`  systemctl daemon-reload && systemctl enable --now ${KIOSK_UNIT_NAME}`);
  return 0;
}
