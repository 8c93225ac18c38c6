/**
 * Files readable by others, through the command line (issue 11, item 8): `init` into an existing
 * 0755 folder makes it 0700, and a command that opens a looser home fixes it and says so in a note
 * on stderr (stdout stays one JSON document with --json).
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { homePaths } from '../../src/store/home.js';
import { tempDir } from '../support/home.js';
import { json, tokendesk } from '../support/cli.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe.skipIf(process.platform === 'win32')('tokendesk and file modes', () => {
  it('init tightens an existing 0755 folder; a command tightens a looser home and says so on stderr', () => {
    const home = join(tempDir(), 'home');
    mkdirSync(home, { mode: 0o755 });
    chmodSync(home, 0o755);
    const init = tokendesk(['init', '--desk', 'hq'], { home });
    expect(init.status, init.stderr).toBe(0);
    expect(modeOf(home)).toBe(0o700);
    expect(init.stderr).toMatch(/^tokendesk: note: the home .* was readable by other users; tightened to 0700\/0600: .*home \(was 755\)$/m);

    const paths = homePaths(home);
    chmodSync(home, 0o755);
    chmodSync(paths.database, 0o644);
    chmodSync(paths.keyFile, 0o640);
    const list = tokendesk(['staff', 'list', '--json'], { home });
    expect(list.status, list.stderr).toBe(0);
    expect(json(list)).toEqual({ ok: true, staff: [] });
    expect(list.stderr).toMatch(/tokendesk: note: .*tokendesk\.db \(was 644\).*tokendesk\.key \(was 640\)/);
    expect(list.stderr).toMatch(/tokendesk: note: the key file was readable by other users: .*tokendesk key rotate/);
    expect([modeOf(home), modeOf(paths.database), modeOf(paths.keyFile)]).toEqual([0o700, 0o600, 0o600]);

    const again = tokendesk(['staff', 'list'], { home });
    expect(again.stderr).toBe('');
  });
});
