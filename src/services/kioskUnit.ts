/**
 * The kiosk as a system service: a systemd unit that runs `tokendesk kiosk --locked` on a virtual
 * terminal as a dedicated user, takes the terminal from the login prompt, starts at boot and is
 * restarted whatever way it ends. Rendered here (pure text), written by `tokendesk kiosk
 * --install-service`, checked in tests with `systemd-analyze verify` where systemd is present.
 */
import { join } from 'node:path';
import { Refusal } from '../core/errors.js';
import { writeFileAtomic } from '../store/atomicFile.js';

export interface KioskUnitOptions {
  /** The account the kiosk runs as: owns the home, nothing else (e.g. "tokendesk"). */
  user: string;
  /** The tokendesk home, 0700, owned by `user`. */
  home: string;
  /** The virtual terminal, e.g. "tty1". */
  tty: string;
  /** Absolute path of node. */
  node: string;
  /** Absolute path of tokendesk's dist/src/cli.js. */
  cli: string;
  /** --scanner for the kiosk, when the home's setting should not be used. */
  scanner?: string;
}

export const KIOSK_UNIT_NAME = 'tokendesk-kiosk.service';

const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const TTY_NAME = /^tty[0-9]{1,2}$/;

/** Why these options cannot make a unit, or null. Values land in a unit file: nothing that could break its syntax. */
export function kioskUnitProblem(options: KioskUnitOptions): string | null {
  if (!USER_NAME.test(options.user)) return `"${options.user.slice(0, 40)}" is not a user name (lower case letters, digits, - and _)`;
  if (options.user === 'root') return 'the kiosk must not run as root: create a dedicated user (see the README)';
  if (!TTY_NAME.test(options.tty)) return `"${options.tty.slice(0, 40)}" is not a virtual terminal name such as tty1`;
  for (const [what, path] of [
    ['home', options.home],
    ['node', options.node],
    ['cli', options.cli],
  ] as const) {
    if (!path.startsWith('/') || /[\s"'\\%$;`]/.test(path)) return `the ${what} path must be absolute, without spaces, quotes, % or $ (got ${path.slice(0, 80)})`;
  }
  if (options.scanner !== undefined && !/^[A-Za-z0-9:._/-]+$/.test(options.scanner)) return 'the scanner setting has characters a unit file cannot carry';
  return null;
}

export function renderKioskUnit(options: KioskUnitOptions): string {
  const problem = kioskUnitProblem(options);
  if (problem) throw new Refusal('bad-service-option', `${problem}; nothing was written`);
  const { user, home, tty, node, cli } = options;
  const scanner = options.scanner ? ` --scanner ${options.scanner}` : '';
  return `# ${KIOSK_UNIT_NAME}: the tokendesk kiosk on /dev/${tty}, written by \`tokendesk kiosk --install-service\`.
# It replaces the login prompt on ${tty}: nobody at the desk gets a shell. Quitting the kiosk needs an
# admin's name and PIN (--locked); if it ever stops or crashes, systemd starts it again.
[Unit]
Description=tokendesk kiosk on ${tty}
After=systemd-user-sessions.service getty@${tty}.service
Conflicts=getty@${tty}.service
StartLimitIntervalSec=0

[Service]
Type=simple
User=${user}
Group=${user}
Environment=TOKENDESK_HOME=${home}
Environment=NODE_ENV=production
Environment=TERM=linux
ExecStart=${node} ${cli} kiosk --locked --home ${home}${scanner}
# The terminal is the kiosk's own: input from the desk's keyboard and scanner, output to the screen.
StandardInput=tty-force
StandardOutput=tty
StandardError=journal
TTYPath=/dev/${tty}
TTYReset=yes
TTYVHangup=yes
TTYVTDisallocate=yes
UtmpIdentifier=${tty}
UtmpMode=user
Restart=always
RestartSec=1
# What the kiosk may touch: its home, the scanner (hidraw/usb via the udev rule's group), nothing else.
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
ReadWritePaths=${home}
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes

[Install]
WantedBy=multi-user.target
`;
}

/** Writes the unit file (0644: it holds no secret) atomically into `unitDir`; returns its path. */
export function installKioskUnit(unitDir: string, options: KioskUnitOptions): string {
  const text = renderKioskUnit(options);
  const path = join(unitDir, KIOSK_UNIT_NAME);
  try {
    writeFileAtomic(path, text, { mode: 0o644 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new Refusal('not-permitted', `cannot write ${path} (${code}): run this as root, or write it elsewhere with --unit-dir DIR`);
    }
    if (code === 'ENOENT') throw new Refusal('no-unit-dir', `${unitDir} does not exist: is this a systemd machine? Use --unit-dir DIR, or --print-service`);
    throw error;
  }
  return path;
}
