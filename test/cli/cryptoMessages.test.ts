/**
 * Crypto failures never echo their input. Each case gives the command line some secret material
 * that does not work (a wrong PSKC pre-shared key or password, a wrong passphrase, a wrong age
 * identity, a damaged key file) and checks the whole output, text and --json, for any spelling of
 * it: the refusal must say what failed and what to do, without quoting the secret.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeBase32 } from '../../src/core/secretCodec.js';
import { codeAt } from '../../src/core/totp.js';
import { tempDir } from '../support/home.js';
import { json, tokendesk, type CliResult } from '../support/cli.js';
import { SeedScanner } from '../support/secretForms.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';
import { PSK_128, SEEDS, FIXTURE_PASSWORD } from '../formats/pskcFixtures.js';

const pskc = (name: string) => new URL(`../fixtures/formats/pskc/generated/${name}`, import.meta.url).pathname;

/** Every way `secret` (text or bytes) could show up in the output. */
function spellings(secret: string | Uint8Array): string[] {
  if (typeof secret === 'string') return [secret, secret.toUpperCase(), secret.toLowerCase(), Buffer.from(secret).toString('base64')];
  const bytes = Buffer.from(secret);
  return [bytes.toString('hex'), bytes.toString('hex').toUpperCase(), bytes.toString('base64'), encodeBase32(bytes), bytes.toString('latin1')];
}

function expectNoEcho(result: CliResult, secrets: Array<string | Uint8Array>): void {
  const output = result.stdout + result.stderr;
  for (const secret of secrets) {
    for (const spelling of spellings(secret)) {
      if (spelling.length >= 6) expect(output, `output quotes ${JSON.stringify(spelling)}`).not.toContain(spelling);
    }
  }
}

function newHome(dir: string, extra: string[] = []): string {
  const home = join(dir, 'home');
  const init = tokendesk(['init', '--desk', 'hq', ...extra], { home });
  expect(init.status, init.stderr).toBe(0);
  return home;
}

const fileSeeds = Object.values(SEEDS);

describe('crypto failures never echo their input', { timeout: 120_000 }, () => {
  it('a wrong PSKC pre-shared key, one of the wrong length, and a wrong PSKC password', () => {
    const dir = tempDir();
    const home = newHome(dir);
    const wrongPsk = randomBytes(16);
    const scanner = new SeedScanner(fileSeeds.map((secret, i) => ({ label: `pskc seed ${i}`, secret })));
    for (const flags of [[], ['--json']]) {
      const refused = tokendesk(['import', pskc('totp-aes128-cbc.pskcxml'), '--psk', wrongPsk.toString('hex'), ...flags], { home });
      expect(refused.status).toBe(1);
      expect(refused.stdout + refused.stderr).toMatch(/the pre-shared key is wrong, or the file is damaged/);
      expectNoEcho(refused, [wrongPsk, PSK_128]);
      expect(scanner.scan('wrong psk', refused.stdout + refused.stderr)).toEqual([]);
    }
    const tooLong = randomBytes(17);
    const wrongLength = tokendesk(['import', pskc('totp-aes128-cbc.pskcxml'), '--psk', tooLong.toString('hex')], { home });
    expect(wrongLength.status).toBe(1);
    expect(wrongLength.stderr).toMatch(/needs a 16-byte key; the pre-shared key is 17 bytes/);
    expectNoEcho(wrongLength, [tooLong]);

    const password = 'Tr0ub4dor&3 is not it';
    const passwordFile = join(dir, 'password.txt');
    writeFileSync(passwordFile, `${password}\n`);
    for (const flags of [[], ['--json']]) {
      const refused = tokendesk(['import', pskc('totp-pbkdf2.pskcxml'), '--password-file', passwordFile, ...flags], { home });
      expect(refused.status).toBe(1);
      expect(refused.stdout + refused.stderr).toMatch(/the password is wrong, or the file is damaged/);
      expectNoEcho(refused, [password, FIXTURE_PASSWORD]);
      expect(scanner.scan('wrong password', refused.stdout + refused.stderr)).toEqual([]);
    }
    // Nothing was imported by any of them.
    expect(json<{ tokens: unknown[] }>(tokendesk(['tokens', 'list', '--json'], { home })).tokens).toEqual([]);
  });

  it('a wrong passphrase for a passphrase-protected home', () => {
    const dir = tempDir();
    const right = join(dir, 'right.txt');
    writeFileSync(right, 'correct horse battery staple\n');
    const home = newHome(dir, ['--passphrase', '--passphrase-file', right]);
    const guess = 'my wrong guess 4711';
    const guessFile = join(dir, 'guess.txt');
    writeFileSync(guessFile, `${guess}\n`);
    for (const flags of [[], ['--json']]) {
      const refused = tokendesk(['tokens', 'list', '--passphrase-file', guessFile, ...flags], { home });
      expect(refused.status).toBe(1);
      expect(refused.stdout + refused.stderr).toMatch(/that passphrase does not unlock the home/);
      expectNoEcho(refused, [guess, 'correct horse battery staple']);
    }
  });

  it('a wrong age identity, a file that is not age, and a damaged identity file', () => {
    const dir = tempDir();
    expect(tokendesk(['batch', 'keygen', '--out', join(dir, 'right.txt')]).status).toBe(0);
    expect(tokendesk(['batch', 'keygen', '--out', join(dir, 'wrong.txt')]).status).toBe(0);
    const [, publicLine, rightIdentity] = readFileSync(join(dir, 'right.txt'), 'utf8').trim().split('\n') as [string, string, string];
    const recipient = publicLine.replace('# public key: ', '');
    const wrongIdentity = readFileSync(join(dir, 'wrong.txt'), 'utf8').trim().split('\n')[2]!;

    // An encrypted batch to try them on.
    const home = newHome(dir);
    const seedFile = join(dir, 'box.csv');
    const [token] = makeTokens(1);
    writeFileSync(seedFile, entraCsv([token!]));
    expect(tokendesk(['import', seedFile], { home }).status).toBe(0);
    const code = codeAt({ secret: token!.secret, algorithm: 'SHA1', digits: 6, period: 30 }, Date.now());
    expect(tokendesk(['assign', '--serial', token!.serial, '--upn', 'ann@example.com', '--code', code], { home }).status).toBe(0);
    const exported = tokendesk(['export', '--encrypt-to', recipient, '--json'], { home });
    expect(exported.status, exported.stderr).toBe(0);
    const sealed = json<{ filePath: string }>(exported).filePath;

    for (const flags of [[], ['--json']]) {
      const refused = tokendesk(['batch', 'decrypt', sealed, '--identity', join(dir, 'wrong.txt'), '--out', join(dir, 'out'), ...flags]);
      expect(refused.status).toBe(1);
      expect(refused.stdout + refused.stderr).toMatch(/was not encrypted to the identity in/);
      expectNoEcho(refused, [wrongIdentity, wrongIdentity.slice(16), rightIdentity.slice(16)]);
    }

    // Not an age file (the identity file itself, given by mistake): the age library would quote
    // its first line; we do not.
    const notAge = tokendesk(['batch', 'decrypt', join(dir, 'right.txt'), '--identity', join(dir, 'right.txt'), '--out', join(dir, 'out')]);
    expect(notAge.status).toBe(1);
    expect(notAge.stderr).toMatch(/is not an age-encrypted file/);
    expectNoEcho(notAge, [rightIdentity.slice(16), publicLine]);

    const damaged = join(dir, 'damaged.txt');
    const cut = `${wrongIdentity.slice(0, -5)}X`;
    writeFileSync(damaged, `${cut}\n`);
    const bad = tokendesk(['batch', 'decrypt', sealed, '--identity', damaged, '--json']);
    expect(bad.status).toBe(2);
    expect(json(bad)).toMatchObject({ ok: false, error: { code: 'usage', message: expect.stringMatching(/line 1: it is not a valid age identity/) } });
    expectNoEcho(bad, [cut.slice(16)]);
  });

  it('a damaged or wrong key file', () => {
    const dir = tempDir();
    const home = newHome(dir);
    const keyFile = join(home, 'tokendesk.key');
    const original = JSON.parse(readFileSync(keyFile, 'utf8')) as { dataKey: string };
    const cases: Array<[string, string, RegExp, string[]]> = [];
    const otherKey = randomBytes(32).toString('base64');
    cases.push(['another valid data key', JSON.stringify({ ...original, dataKey: otherKey }), /does not belong to this database/, [otherKey, original.dataKey]]);
    const shortKey = randomBytes(20).toString('base64');
    cases.push(['a data key of the wrong length', JSON.stringify({ ...original, dataKey: shortKey }), /damaged or not a tokendesk key file/, [shortKey, original.dataKey]]);
    const pasted = `AGE-SECRET-KEY-1${encodeBase32(randomBytes(32)).slice(0, 58)}`;
    cases.push(['not JSON at all (something else pasted in)', `${pasted}\n`, /damaged or not a tokendesk key file/, [pasted, pasted.slice(16)]]);
    cases.push(['JSON cut short', JSON.stringify(original).slice(0, 40), /damaged or not a tokendesk key file/, [original.dataKey.slice(0, 10)]]);
    for (const [what, content, message, secrets] of cases) {
      writeFileSync(keyFile, content);
      chmodSync(keyFile, 0o600);
      for (const flags of [[], ['--json']]) {
        const refused = tokendesk(['tokens', 'list', ...flags], { home });
        expect(refused.status, what).toBe(1);
        expect(refused.stdout + refused.stderr, what).toMatch(message);
        expectNoEcho(refused, secrets);
      }
    }
  });
});
