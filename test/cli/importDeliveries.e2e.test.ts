/**
 * Issue 15 item 8 through the built CLI: seed files delivered PGP-encrypted (to the customer's key,
 * or with a password) or in a password-protected AES ZIP import with `--pgp-key`/`--pgp-passphrase-file`
 * and `--password-file`, every seed file inside, all or nothing; each seed is proved by a code the
 * desk accepts. A wrong or missing key or password is a refusal (exit 1) that says what to give.
 * Afterwards neither the process's temp folder nor the home holds a plaintext seed.
 * Deliveries are made here with openpgp and @zip.js/zip.js, and taken from the GnuPG/7-Zip fixtures.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zip from '@zip.js/zip.js';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase32, encodeBase32 } from '../../src/core/secretCodec.js';
import { codeAt } from '../../src/core/totp.js';
import { json, tokendesk, type CliResult } from '../support/cli.js';
import { tempDir } from '../support/home.js';
import { SecretWatch } from '../support/secretLeaks.js';
import { FIXTURES } from '../formats/helpers.js';

const fixture = (name: string) => join(FIXTURES, 'containers', name);
const KEY_PASSPHRASE = 'desk key passphrase';
const PASSWORD = 'zip and gpg password';
/** The two tokens inside every fixture delivery (test/fixtures/formats/containers/make.sh). */
const FIXTURE_SEEDS = [
  { serial: '0009000001', secret: decodeBase32('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')! },
  { serial: '0009000002', secret: decodeBase32('KRUGKIDROVUWG2ZAMJZG653OEBTG66BA')! },
];
/** Seeds of the files made here. */
const MADE = Array.from({ length: 4 }, (_, i) => ({ serial: `00770000${i}`, secret: new Uint8Array(Buffer.from(`made-here-seed-${i}-20b`.slice(0, 20))) }));
const entra = (tokens: typeof MADE) =>
  ['upn,serial number,secret key,time interval,manufacturer,model', ...tokens.map((t) => `,${t.serial},${encodeBase32(t.secret)},30,Token2,C202`)].join('\n') + '\n';
const oathCsv = (tokens: typeof MADE) => tokens.map((t) => `${t.serial}, ${Buffer.from(t.secret).toString('hex')}, totp, 6, 30`).join('\n') + '\n';

const watch = new SecretWatch([...FIXTURE_SEEDS, ...MADE].map((s) => s.secret), [KEY_PASSPHRASE, PASSWORD]);

let templateDir = '';
beforeAll(() => {
  templateDir = mkdtempSync(join(tmpdir(), 'tokendesk-template-'));
  const init = tokendesk(['init'], { home: join(templateDir, 'home') });
  expect(init.status, init.stderr).toBe(0);
});
afterAll(() => rmSync(templateDir, { recursive: true, force: true }));

/** A fresh home and a private temp folder the CLI is told to use (TMPDIR), both scanned afterwards. */
function desk(): { home: string; tmp: string; run: (args: string[]) => CliResult } {
  const dir = tempDir();
  const home = join(dir, 'home');
  const tmp = join(dir, 'tmp');
  cpSync(join(templateDir, 'home'), home, { recursive: true });
  mkdirSync(tmp);
  return { home, tmp, run: (args) => tokendesk(args, { home, env: { TMPDIR: tmp, TMP: tmp, TEMP: tmp } }) };
}

function secretFile(name: string, text: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, `${text}\n`, { mode: 0o600 });
  return path;
}

/** Files under `dir` holding a seed: its bytes as they are, or in hex/Base32/Base64 anywhere in them. */
function plaintextSeedsUnder(dir: string): string[] {
  const found: string[] = [];
  const seeds = [...FIXTURE_SEEDS, ...MADE].map((s) => Buffer.from(s.secret));
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const bytes = readFileSync(full);
        if (seeds.some((seed) => bytes.includes(seed)) || watch.leakIn(bytes.toString('latin1')) !== null) found.push(full);
      }
    }
  };
  walk(dir);
  return found;
}

/** Each token handed out with the code its seed shows now: accepted only if the import stored that seed. */
function provedBy(run: (args: string[]) => CliResult, tokens: Array<{ serial: string; secret: Uint8Array }>): void {
  tokens.forEach((token, i) => {
    const code = codeAt({ secret: token.secret, algorithm: 'SHA1', digits: 6, period: 30 }, Date.now());
    const assigned = run(['assign', '--serial', token.serial, '--upn', `person${i}@example.com`, '--code', code, '--json']);
    expect(assigned.status, `${token.serial}: ${assigned.stdout}${assigned.stderr}`).toBe(0);
  });
}

function refusedWith(result: CliResult, pattern: RegExp): void {
  expect(result.status, result.stdout + result.stderr).toBe(1);
  expect(result.stderr).toMatch(pattern);
  expect(watch.leakIn(result.stdout + result.stderr)).toBeNull();
}

async function aesZip(password: string, entries: Array<[string, string]>): Promise<string> {
  const writer = new zip.ZipWriter(new zip.Uint8ArrayWriter(), { password, encryptionStrength: 3 });
  for (const [name, text] of entries) await writer.add(name, new zip.TextReader(text));
  const path = join(tempDir(), 'delivery.zip');
  writeFileSync(path, await writer.close());
  return path;
}

describe('encrypted deliveries through the CLI', () => {
  it('(the scan finds a plaintext seed file, raw or encoded)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'box.csv'), entra(MADE.slice(0, 1)));
    mkdirSync(join(dir, 'deeper'));
    writeFileSync(join(dir, 'deeper', 'raw.bin'), Buffer.concat([Buffer.from('x'), Buffer.from(MADE[1]!.secret)]));
    expect(plaintextSeedsUnder(dir).map((f) => f.slice(dir.length))).toEqual(['/box.csv', '/deeper/raw.bin']);
  });

  it('a PGP message to the customer key (GnuPG fixture) imports with --pgp-key and --pgp-passphrase-file', () => {
    const { home, tmp, run } = desk();
    const result = run(['import', fixture('box-0009.csv.gpg'), '--pgp-key', fixture('customer-private-key.asc'), '--pgp-passphrase-file', secretFile('pass', KEY_PASSPHRASE), '--json']);
    expect(result.status, result.stderr).toBe(0);
    expect(json(result)).toMatchObject({ ok: true, committed: true, added: 2, format: 'entra-csv', fileName: 'box-0009.csv.gpg > box-0009.csv' });
    expect(watch.leakIn(result.stdout + result.stderr)).toBeNull();
    provedBy(run, FIXTURE_SEEDS);
    expect(plaintextSeedsUnder(tmp)).toEqual([]);
    expect(plaintextSeedsUnder(home)).toEqual([]);
  });

  it('a PGP message made with openpgp to a key without a passphrase', async () => {
    const { privateKey, publicKey } = await openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'desk', email: 'desk@example.com' }], format: 'armored' });
    const message = await openpgp.createMessage({ binary: new TextEncoder().encode(oathCsv(MADE.slice(0, 2))), filename: 'box-77.csv' });
    const encrypted = await openpgp.encrypt({ message, encryptionKeys: await openpgp.readKey({ armoredKey: publicKey }), format: 'binary' });
    const delivery = join(tempDir(), 'box-77.csv.gpg');
    writeFileSync(delivery, encrypted as Uint8Array);
    const { home, tmp, run } = desk();
    const result = run(['import', delivery, '--pgp-key', secretFile('key.asc', privateKey), '--manufacturer', 'Token2', '--model', 'C202', '--json']);
    expect(result.status, result.stderr).toBe(0);
    expect(json(result)).toMatchObject({ committed: true, added: 2, format: 'oath-csv', groups: [{ manufacturer: 'Token2', model: 'C202', count: 2 }] });
    provedBy(run, MADE.slice(0, 2));
    expect(plaintextSeedsUnder(tmp)).toEqual([]);
    expect(plaintextSeedsUnder(home)).toEqual([]);
  });

  it('an AES-256 ZIP holding two seed files (and a README) imports both with --password-file, in one go', async () => {
    const delivery = await aesZip(PASSWORD, [
      ['box-a.csv', entra(MADE.slice(0, 2))],
      ['README.txt', 'Seed files for order 77. Keep them safe.\n'],
      ['box-b.csv', oathCsv(MADE.slice(2))],
    ]);
    const { home, tmp, run } = desk();
    const result = run(['import', delivery, '--password-file', secretFile('zip', PASSWORD), '--json']);
    expect(result.status, result.stderr).toBe(0);
    const report = json<{ ok: boolean; files: Array<{ fileName: string; added: number; committed: boolean }> }>(result);
    expect(report.ok).toBe(true);
    expect(report.files.map((f) => [f.fileName, f.added, f.committed])).toEqual([
      ['delivery.zip > box-a.csv', 2, true],
      ['delivery.zip > box-b.csv', 2, true],
    ]);
    provedBy(run, MADE);
    expect(plaintextSeedsUnder(tmp)).toEqual([]);
    expect(plaintextSeedsUnder(home)).toEqual([]);
  });

  it('a ZIP with one bad seed file imports none of its files', async () => {
    const delivery = await aesZip(PASSWORD, [
      ['box-a.csv', entra(MADE.slice(0, 2))],
      ['box-b.csv', `${entra(MADE.slice(2))}not,a,row\n`],
    ]);
    const { run } = desk();
    const result = run(['import', delivery, '--password-file', secretFile('zip', PASSWORD), '--json']);
    expect(result.status).toBe(1);
    const report = json<{ ok: boolean; files: Array<{ committed: boolean; refusal?: string }> }>(result);
    expect(report.ok).toBe(false);
    expect(report.files.map((f) => f.committed)).toEqual([false, false]);
    expect(report.files[0]!.refusal).toMatch(/not imported, because delivery\.zip > box-b\.csv in the same delivery was refused/);
    expect(json<{ tokens: unknown[] }>(run(['tokens', 'list', '--json'])).tokens).toEqual([]);
  });

  it('wrong or missing keys and passwords are refusals that say what to give, and change nothing', () => {
    const { home, tmp, run } = desk();
    refusedWith(run(['import', fixture('box-0009.csv.gpg')]), /encrypted to the PGP key 0x[0-9A-F]+: give that private key with --pgp-key KEYFILE/);
    refusedWith(run(['import', fixture('box-0009.csv.gpg'), '--pgp-key', fixture('other-private-key.asc')]), /the key file given holds 0x[0-9A-F]+: give the private key the vendor encrypted to/);
    refusedWith(
      run(['import', fixture('box-0009.csv.gpg'), '--pgp-key', fixture('customer-private-key.asc'), '--pgp-passphrase-file', secretFile('p', 'not it')]),
      /The passphrase for the private key 0x[0-9A-F]+ is wrong/,
    );
    refusedWith(run(['import', fixture('box-aes.zip')]), /password-protected ZIP: give the password with --password-file FILE/);
    refusedWith(run(['import', fixture('box-aes.zip'), '--password-file', secretFile('z', 'wrong password')]), /The password for box-aes\.zip is wrong/);
    refusedWith(run(['import', fixture('box-0009.csv.symmetric.gpg'), '--password-file', secretFile('g', 'wrong password')]), /The password for box-0009\.csv\.symmetric\.gpg is wrong/);
    const missingKey = run(['import', fixture('box-aes.zip'), '--pgp-key', join(tmp, 'nope.asc')]);
    expect(missingKey.status).toBe(2);
    expect(missingKey.stderr).toMatch(/--pgp-key: cannot read .*nope\.asc \(ENOENT\)/);
    expect(json<{ tokens: unknown[] }>(run(['tokens', 'list', '--json'])).tokens).toEqual([]);
    expect(plaintextSeedsUnder(tmp)).toEqual([]);
    expect(plaintextSeedsUnder(home)).toEqual([]);
  });

  it('two layers (a PGP message holding an AES ZIP, GnuPG and 7-Zip fixture) with key, passphrase and password', () => {
    const { run } = desk();
    const result = run([
      'import', fixture('box-aes.zip.gpg'),
      '--pgp-key', fixture('customer-private-key.asc'), '--pgp-passphrase-file', secretFile('pass', KEY_PASSPHRASE),
      '--password-file', secretFile('zip', PASSWORD), '--json',
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect(json(result)).toMatchObject({ committed: true, added: 2 });
    provedBy(run, FIXTURE_SEEDS);
  });
});
