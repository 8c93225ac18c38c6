/**
 * A home made through the built CLI as an admin would: init, one Entra CSV imported, every token
 * handed out with a live code to e0@contoso.com, e1@... in turn. For CLI tests of what follows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { codeAt } from '../../src/core/totp.js';
import { tokendesk } from './cli.js';
import { tempDir } from './home.js';
import { entraCsv, makeTokens, type TestToken } from './seedFiles.js';

export function handedOutHome(count: number): { dir: string; home: string; tokens: TestToken[] } {
  const dir = tempDir();
  const tokens = makeTokens(count);
  const seedFile = join(dir, 'box.csv');
  writeFileSync(seedFile, entraCsv(tokens));
  const home = join(dir, 'home');
  expect(tokendesk(['init', '--desk', 'hq'], { home }).status).toBe(0);
  expect(tokendesk(['import', seedFile], { home }).status).toBe(0);
  tokens.forEach((t, i) => {
    const code = codeAt({ secret: t.secret, algorithm: 'SHA1', digits: 6, period: 30 }, Date.now());
    expect(tokendesk(['assign', '--serial', t.serial, '--upn', `e${i}@contoso.com`, '--code', code], { home }).status).toBe(0);
  });
  return { dir, home, tokens };
}
