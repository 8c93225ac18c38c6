/** The systemd unit that runs the kiosk unattended: what it says, what it refuses, and systemd's own check. */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installKioskUnit, renderKioskUnit, type KioskUnitOptions } from '../../src/services/kioskUnit.js';
import { CLI, tokendesk } from '../support/cli.js';
import { tempDir } from '../support/home.js';

const options: KioskUnitOptions = { user: 'tokendesk', home: '/var/lib/tokendesk', tty: 'tty1', node: process.execPath, cli: CLI };
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;

describe('the kiosk service unit', () => {
  it('runs the locked kiosk on the terminal as the dedicated user, takes the tty from getty, restarts always', () => {
    const unit = renderKioskUnit(options);
    expect(unit).toContain(`ExecStart=${process.execPath} ${CLI} kiosk --locked --home /var/lib/tokendesk\n`);
    expect(unit).toMatch(/^User=tokendesk$/m);
    expect(unit).toMatch(/^TTYPath=\/dev\/tty1$/m);
    expect(unit).toMatch(/^StandardInput=tty-force$/m);
    expect(unit).toMatch(/^Conflicts=getty@tty1\.service$/m);
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^WantedBy=multi-user\.target$/m);
    expect(unit).toMatch(/^ReadWritePaths=\/var\/lib\/tokendesk$/m);
  });

  it('refuses values that are not safe in a unit file, and root', () => {
    expect(() => renderKioskUnit({ ...options, user: 'root' })).toThrow(/must not run as root/);
    expect(() => renderKioskUnit({ ...options, tty: 'tty1\nExecStartPre=/bin/sh' })).toThrow(/not a virtual terminal/);
    expect(() => renderKioskUnit({ ...options, home: '/var/lib/x y' })).toThrow(/absolute, without spaces/);
    expect(() => renderKioskUnit({ ...options, home: 'relative/home' })).toThrow(/absolute/);
    expect(() => renderKioskUnit({ ...options, scanner: 'replay:/x;rm' })).toThrow(/scanner/);
  });

  it.skipIf(!hasSystemdAnalyze)('passes systemd-analyze verify without a warning', () => {
    const path = installKioskUnit(tempDir(), options);
    const result = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
  if (!hasSystemdAnalyze) it('systemd-analyze verify (skipped: systemd-analyze is not installed here)', () => {});

  it('`tokendesk kiosk --install-service` writes the unit 0644 and says what to run next', () => {
    const dir = tempDir();
    const result = tokendesk(['kiosk', '--install-service', '--unit-dir', dir, '--user', 'kiosk', '--tty', 'tty2', '--home', '/srv/desk']);
    expect(result.status, result.stderr).toBe(0);
    const path = join(dir, 'tokendesk-kiosk.service');
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readFileSync(path, 'utf8')).toMatch(/^TTYPath=\/dev\/tty2$/m);
    expect(result.stdout).toMatch(/systemctl daemon-reload && systemctl enable --now tokendesk-kiosk.service/);
    const refused = tokendesk(['kiosk', '--install-service', '--unit-dir', join(dir, 'missing'), '--user', 'kiosk']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/does not exist: is this a systemd machine\?/);
  });
});
