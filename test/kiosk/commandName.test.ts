import { describe, expect, it } from 'vitest';
import { commandName } from '../../src/kiosk/commandName.js';

describe('the command the welcome screen tells people to type', () => {
  const onPath = (dirs: string[]) => (file: string) => dirs.some((dir) => file === `${dir}/tokendesk`);

  it('is npx tokendesk when tokendesk is only in the checkout (after npm ci && npm start)', () => {
    const env = { PATH: '/work/app/node_modules/.bin:/usr/local/bin:/usr/bin' };
    expect(commandName(env, onPath(['/work/app/node_modules/.bin']))).toBe('npx tokendesk');
  });

  it('is tokendesk once it is on the PATH (npm link, npm i -g .)', () => {
    const env = { PATH: '/work/app/node_modules/.bin:/usr/local/bin:/usr/bin' };
    expect(commandName(env, onPath(['/usr/local/bin']))).toBe('tokendesk');
  });

  it('is npx tokendesk without a PATH at all', () => {
    expect(commandName({}, () => true)).toBe('npx tokendesk');
  });
});
