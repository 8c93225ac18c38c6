/**
 * How to type tokendesk from where the kiosk was started: `tokendesk` when it is on the PATH
 * (`npm link`, `npm i -g .`, a package), otherwise `npx tokendesk`, which works in the checkout
 * after `npm ci && npm start`. The welcome screen's commands must work when typed as shown.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function commandName(env: NodeJS.ProcessEnv = process.env, isExecutable: (file: string) => boolean = executable): string {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  // npm puts the checkout's node_modules/.bin on the PATH of `npm start`; a name found only there
  // does not work once the kiosk is quit.
  const outside = dirs.filter((dir) => !dir.includes(`node_modules${'/'}.bin`) && !dir.includes('node-gyp-bin'));
  return outside.some((dir) => isExecutable(join(dir, 'tokendesk'))) ? 'tokendesk' : 'npx tokendesk';
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
