/**
 * Encrypted transport from the command line: `batch keygen`, `export --encrypt-to` (and
 * --encrypt-to-file), `batch decrypt`, `batch merge --identity`; exit codes 0/1/2 and the --json
 * documents; no plaintext batch anywhere on disk; and Debian's `age -d -i` as an independent oracle.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeAt } from '../../src/core/totp.js';
import { json, tokendesk } from '../support/cli.js';
import { SeedScanner } from '../support/secretForms.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';

const ageAvailable = spawnSync('age', ['--version'], { stdio: 'ignore' }).status === 0;
if (!ageAvailable) process.stderr.write('skipping the age -d oracle: the age tool is not installed (apt-get install age); .ci/run installs it\n');

const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
const SLOW = 180_000;

function assign(home: string, token: TestToken, upn: string): void {
  const code = codeAt({ secret: token.secret, algorithm: 'SHA1', digits: 6, period: 30 }, Date.now());
  const result = tokendesk(['assign', '--serial', token.serial, '--upn', upn, '--code', code, '--json'], { home });
  expect(result.status, result.stdout + result.stderr).toBe(0);
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

interface KeygenJson {
  ok: true;
  identityFile: string;
  recipient: string;
}

interface ExportJson {
  ok: true;
  manifest: {
    batch: string;
    format: string;
    file: string;
    count: number;
    sha256: string;
    encrypted: { format: 'age'; file: string; sha256: string; recipients: string[] };
  };
  filePath: string;
  manifestPath: string;
  leftWaiting: unknown[];
  rewritten: boolean;
}

describe('tokendesk export --encrypt-to / batch decrypt / batch keygen', { timeout: SLOW }, () => {
  const tokens = makeTokens(6);
  const scanner = new SeedScanner(tokens.map((t) => ({ label: t.serial, secret: t.secret })));
  let dir: string;
  let home: string;
  let key: KeygenJson;
  let other: KeygenJson;
  let exported: ExportJson;
  const name = `hq-${today}-1`;

  // One home for the whole story (tempDir() would be removed after each test).
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tokendesk-transport-'));
    home = join(dir, 'home');
    const seedFile = join(dir, 'box.csv');
    writeFileSync(seedFile, entraCsv(tokens));
    expect(tokendesk(['init', '--desk', 'hq'], { home }).status).toBe(0);
    expect(tokendesk(['import', seedFile], { home }).status).toBe(0);
    tokens.slice(0, 3).forEach((t, i) => assign(home, t, `employee${i}@contoso.com`));
  }, SLOW);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('batch keygen writes a 0600 identity file in age-keygen layout and prints only the public key', () => {
    const made = tokendesk(['batch', 'keygen', '--out', join(dir, 'admin', 'key.txt'), '--json']);
    expect(made.status, made.stderr).toBe(0);
    key = json<KeygenJson>(made);
    expect(key).toEqual({ ok: true, identityFile: join(dir, 'admin', 'key.txt'), recipient: expect.stringMatching(/^age1[02-9ac-hj-np-z]{58}$/) });
    expect(statSync(key.identityFile).mode & 0o777).toBe(0o600);
    const lines = readFileSync(key.identityFile, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(lines[1]).toBe(`# public key: ${key.recipient}`);
    expect(lines[2]).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    expect(made.stdout + made.stderr).not.toContain(lines[2]);

    const text = tokendesk(['batch', 'keygen', '--out', join(dir, 'other.txt')]);
    expect(text.status).toBe(0);
    const otherLines = readFileSync(join(dir, 'other.txt'), 'utf8').trim().split('\n');
    other = { ok: true, identityFile: join(dir, 'other.txt'), recipient: otherLines[1]!.replace('# public key: ', '') };
    expect(text.stdout.trim().split('\n').at(-1)).toBe(other.recipient);
    expect(text.stdout).not.toContain(otherLines[2]!);

    // Never overwritten: that would lose the key to batches already encrypted to it.
    const again = tokendesk(['batch', 'keygen', '--out', key.identityFile, '--json']);
    expect(again.status).toBe(1);
    expect(json(again)).toMatchObject({ ok: false, error: { code: 'file-exists' } });
    expect(readFileSync(key.identityFile, 'utf8').split('\n')[2]).toBe(lines[2]);
  });

  it('a bad recipient is a usage error (2) naming the flag, never echoing the value; nothing is exported', () => {
    const identityLine = readFileSync(key.identityFile, 'utf8').trim().split('\n')[2]!;
    const cases: Array<[string[], RegExp, string]> = [
      [['--encrypt-to', 'age1notarealkey'], /--encrypt-to: it is not a valid age X25519 recipient/, 'age1notarealkey'],
      [['--encrypt-to', key.recipient, '--encrypt-to', identityLine], /--encrypt-to \(the 2nd one\): it is a secret identity/, identityLine.slice(16)],
      [['--encrypt-to', 'ann@contoso.com'], /--encrypt-to: it does not start with age1/, 'ann@contoso.com'],
    ];
    const recipientsFile = join(dir, 'bad-recipients.txt');
    writeFileSync(recipientsFile, `# upload admins\n${key.recipient}\n${identityLine}\n`);
    cases.push([['--encrypt-to-file', recipientsFile], /--encrypt-to-file .*bad-recipients\.txt, line 3: it is a secret identity/, identityLine.slice(16)]);
    cases.push([['--encrypt-to-file', join(dir, 'missing.txt')], /--encrypt-to-file: cannot read .*missing\.txt \(ENOENT\)/, '\u0000']);
    for (const [flags, message, secret] of cases) {
      const refused = tokendesk(['export', ...flags], { home });
      expect(refused.status, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(message);
      expect(refused.stdout + refused.stderr).not.toContain(secret);
    }
    const asJson = tokendesk(['export', '--encrypt-to', 'age1notarealkey', '--json'], { home });
    expect(asJson.status).toBe(2);
    expect(json(asJson)).toMatchObject({ ok: false, error: { code: 'usage', message: expect.stringMatching(/^--encrypt-to: /) } });
    expect(json<{ batches: unknown[] }>(tokendesk(['batch', 'list', '--json'], { home })).batches).toEqual([]);
  });

  it('export --encrypt-to writes only the .age file and a manifest recording both sha256s; no seed anywhere on disk', () => {
    const recipientsFile = join(dir, 'recipients.txt');
    writeFileSync(recipientsFile, `# the second upload admin\n\n${other.recipient}\n`);
    const result = tokendesk(['export', '--format', 'graph-json', '--encrypt-to', key.recipient, '--encrypt-to-file', recipientsFile, '--json'], { home });
    expect(result.status, result.stderr).toBe(0);
    exported = json<ExportJson>(result);
    expect(exported).toMatchObject({
      ok: true,
      manifest: {
        batch: name,
        format: 'graph-json',
        file: `tokendesk-${name}.json`,
        count: 3,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        encrypted: { format: 'age', file: `tokendesk-${name}.json.age`, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), recipients: [key.recipient, other.recipient] },
      },
      filePath: join(home, 'exports', `tokendesk-${name}.json.age`),
      manifestPath: join(home, 'exports', `tokendesk-${name}.manifest.json`),
      leftWaiting: [],
      rewritten: false,
      orphaned: { moved: [], removedTemps: [] },
    });
    expect(readdirSync(join(home, 'exports')).sort()).toEqual([`tokendesk-${name}.json.age`, `tokendesk-${name}.manifest.json`]);
    expect(statSync(exported.filePath).mode & 0o777).toBe(0o600);
    expect(readFileSync(exported.filePath).subarray(0, 22).toString('latin1')).toBe('age-encryption.org/v1\n');

    // Plaintext never touched the disk: no seed in any form in any file of the home (database,
    // key file and exports included), nor in what the command printed.
    for (const file of filesUnder(home)) expect(scanner.scan(relative(home, file), readFileSync(file))).toEqual([]);
    expect(scanner.scan('stdout', result.stdout + result.stderr)).toEqual([]);

    const text = tokendesk(['batch', 'show', name], { home });
    expect(text.status).toBe(0);
    const audit = json<{ entries: Array<{ action: string; subject: Record<string, unknown> }> }>(tokendesk(['audit', 'list', '--json', '--oldest'], { home }));
    expect(audit.entries.find((e) => e.action === 'export')!.subject).toMatchObject({ batch: name, encrypted: true, recipients: 2, sha256: exported.manifest.sha256 });
  });

  it('batch decrypt restores exactly the bytes of the plain rewrite (--batch), 0600, checked against the manifest', () => {
    const upload = join(dir, 'upload');
    const decrypted = tokendesk(['batch', 'decrypt', exported.filePath, '--identity', key.identityFile, '--out', upload, '--json']);
    expect(decrypted.status, decrypted.stderr).toBe(0);
    expect(json(decrypted)).toEqual({
      ok: true,
      filePath: join(upload, `tokendesk-${name}.json`),
      sha256: exported.manifest.sha256,
      manifestPath: exported.manifestPath,
      checked: true,
      batch: name,
      format: 'graph-json',
      count: 3,
      manifestCopiedTo: join(upload, `tokendesk-${name}.manifest.json`),
    });
    expect(statSync(join(upload, `tokendesk-${name}.json`)).mode & 0o777).toBe(0o600);
    expect(scanner.scan('decrypt stdout', decrypted.stdout + decrypted.stderr)).toEqual([]);

    const plain = tokendesk(['export', '--batch', name, '--out', join(dir, 'plain'), '--json'], { home });
    expect(plain.status, plain.stderr).toBe(0);
    const plainPath = json<{ filePath: string }>(plain).filePath;
    expect(readFileSync(join(upload, `tokendesk-${name}.json`)).equals(readFileSync(plainPath))).toBe(true);
    // The plaintext does hold the seeds (the scan would have found them): the search is real.
    expect(scanner.scan('plain batch', readFileSync(plainPath)).length).toBeGreaterThan(0);

    // The other recipient's identity opens it too; text output names the check.
    const second = tokendesk(['batch', 'decrypt', exported.filePath, '--identity', other.identityFile, '--out', join(dir, 'upload2')]);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`checked   matches the manifest of batch ${name}: 3 token\\(s\\) in graph-json`));

    // Re-encrypted on the way (--batch --encrypt-to): a new .age, the same plaintext.
    const again = tokendesk(['export', '--batch', name, '--encrypt-to', other.recipient, '--out', join(dir, 'again'), '--json'], { home });
    expect(again.status, again.stderr).toBe(0);
    const againDoc = json<ExportJson>(again);
    expect(againDoc).toMatchObject({ rewritten: true, manifest: { sha256: exported.manifest.sha256, encrypted: { recipients: [other.recipient] } } });
    expect(readdirSync(join(dir, 'again')).sort()).toEqual([`tokendesk-${name}.json.age`, `tokendesk-${name}.manifest.json`]);
  });

  it.skipIf(!ageAvailable)('the standard age tool decrypts our file (age -d -i) to the same bytes', () => {
    const plain = readFileSync(join(dir, 'plain', `tokendesk-${name}.json`));
    const opened = spawnSync('age', ['-d', '-i', key.identityFile, exported.filePath], { maxBuffer: 64 * 1024 * 1024 });
    expect(opened.status, opened.stderr?.toString()).toBe(0);
    expect(Buffer.from(opened.stdout).equals(plain)).toBe(true);
    // And the other way: a file age encrypted to our keygen's recipient opens with batch decrypt.
    const byAge = join(dir, 'by-age', 'note.csv.age');
    spawnSync('mkdir', ['-p', join(dir, 'by-age')]);
    const sealed = spawnSync('age', ['-r', key.recipient, '-o', byAge], { input: 'upn,serial number\n' });
    expect(sealed.status, sealed.stderr?.toString()).toBe(0);
    const back = tokendesk(['batch', 'decrypt', byAge, '--identity', key.identityFile, '--json']);
    expect(back.status, back.stderr).toBe(0);
    expect(json(back)).toMatchObject({ checked: false, manifestPath: null });
    expect(readFileSync(join(dir, 'by-age', 'note.csv'), 'utf8')).toBe('upn,serial number\n');
  });

  it('refuses a wrong identity (1) and a damaged identity file (2), never echoing the key; nothing is written', () => {
    const stranger = join(dir, 'stranger.txt');
    expect(tokendesk(['batch', 'keygen', '--out', stranger]).status).toBe(0);
    const strangerLine = readFileSync(stranger, 'utf8').trim().split('\n')[2]!;
    const out = join(dir, 'wrong');
    const refused = tokendesk(['batch', 'decrypt', exported.filePath, '--identity', stranger, '--out', out]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/was not encrypted to the identity in .*stranger\.txt \(its public key is age1.*\).*Nothing was written/);
    expect(refused.stdout + refused.stderr).not.toContain(strangerLine);
    expect(refused.stdout + refused.stderr).not.toContain(strangerLine.slice(20, 40));
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    const refusedJson = tokendesk(['batch', 'decrypt', exported.filePath, '--identity', stranger, '--out', out, '--json']);
    expect(json(refusedJson)).toMatchObject({ ok: false, error: { code: 'wrong-identity' } });

    const damaged = join(dir, 'damaged.txt');
    const cut = strangerLine.slice(0, -4);
    writeFileSync(damaged, `# my key\n\n${cut}\n`);
    const bad = tokendesk(['batch', 'decrypt', exported.filePath, '--identity', damaged, '--out', out]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--identity .*damaged\.txt, line 3: it is not a valid age identity/);
    expect(bad.stdout + bad.stderr).not.toContain(cut.slice(16));
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);

    // A public key given where the identity belongs.
    const pub = join(dir, 'pub.txt');
    writeFileSync(pub, `${key.recipient}\n`);
    expect(tokendesk(['batch', 'decrypt', exported.filePath, '--identity', pub]).stderr).toMatch(/line 1: it is a recipient \(public key\), not an identity/);
  });

  it('batch merge refuses .age files without --identity (decrypt first) and merges them with it', () => {
    const refused = tokendesk(['batch', 'merge', exported.filePath, '--out', join(dir, 'merged-refused'), '--json']);
    expect(refused.status).toBe(1);
    expect(json(refused)).toMatchObject({ ok: false, error: { code: 'merge-conflicts', conflicts: [{ kind: 'encrypted', files: [exported.filePath] }] } });
    const merged = tokendesk(['batch', 'merge', exported.filePath, '--identity', key.identityFile, '--out', join(dir, 'merged'), '--json']);
    expect(merged.status, merged.stdout + merged.stderr).toBe(0);
    expect(json(merged)).toMatchObject({ ok: true, manifest: { count: 3, format: 'graph-json', sources: [{ batch: name, file: `tokendesk-${name}.json.age`, count: 3 }] } });
  });
});
