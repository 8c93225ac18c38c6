/**
 * The welcome screen's setup lines name the command as it can be typed from where the kiosk was
 * started (issue 12, item 11): `tokendesk` on the PATH, `npx tokendesk` in the project folder after
 * `npm ci && npm start`, else `node .../cli.js`.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliName, setCliName } from '../../src/kiosk/cliName.js';
import { tempDir } from '../support/home.js';
import { driveKiosk, type Driver } from './harness.js';

let d: Driver | undefined;
afterEach(() => {
  d?.unmount();
  setCliName('tokendesk');
});

describe('cliName', () => {
  it('is tokendesk when it is on the PATH, npx tokendesk inside the project, else node with the path', () => {
    const bin = join(tempDir(), 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'tokendesk'), '#!/bin/sh\n');
    chmodSync(join(bin, 'tokendesk'), 0o755);
    const project = '/srv/tokendesk';
    const cliFile = '/srv/tokendesk/dist/src/cli.js';
    expect(cliName({ path: `/nowhere:${bin}`, cwd: '/home/ann', cliFile, packageDir: project })).toBe('tokendesk');
    expect(cliName({ path: '/nowhere', cwd: '/srv/tokendesk', cliFile, packageDir: project })).toBe('npx tokendesk');
    expect(cliName({ path: '/nowhere', cwd: '/srv/tokendesk/docs', cliFile, packageDir: project })).toBe('npx tokendesk');
    expect(cliName({ path: '', cwd: '/home/ann', cliFile, packageDir: project })).toBe('node /srv/tokendesk/dist/src/cli.js');
  });

  it('the welcome screen says the command that works from here', async () => {
    setCliName('npx tokendesk');
    const home = join(tempDir(), 'nohome');
    d = driveKiosk({ session: null, homeDir: home, wedge: false, size: { columns: 100, rows: 30 } });
    const frame = await d.waitFor('Welcome to tokendesk');
    expect(frame).toContain(`npx tokendesk init --home ${home}`);
    expect(frame).toContain('npx tokendesk staff add YOURNAME --role admin');
  });
});
