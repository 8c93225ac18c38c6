/**
 * How to type the tokendesk command from where the kiosk was started, for the welcome screen's
 * setup lines: `tokendesk` when that is on the PATH (installed with `npm i -g .` or `npm link`),
 * else `npx tokendesk` inside the project folder (after `npm ci && npm start`), else the full
 * `node .../cli.js` path.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join, relative } from 'node:path';

export function cliName(options: { path?: string; cwd?: string; cliFile: string; packageDir: string }): string {
  for (const dir of (options.path ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, 'tokendesk'), constants.X_OK);
      return 'tokendesk';
    } catch {
      // not in this folder
    }
  }
  const cwd = options.cwd ?? '';
  const inside = cwd !== '' && !relative(options.packageDir, cwd).startsWith('..');
  return inside ? 'npx tokendesk' : `node ${options.cliFile}`;
}

/** What start.tsx worked out for this process; the welcome screen reads it. */
let current = 'tokendesk';
export const setCliName = (name: string): void => {
  current = name;
};
export const currentCliName = (): string => current;
