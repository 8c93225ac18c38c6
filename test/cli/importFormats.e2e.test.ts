/**
 * Each seed format through the built CLI, proved by what the desk does with the seed: a code
 * computed here from the secret the fixture is known to hold is accepted by `tokendesk assign`.
 * The RFC 6030 figures hold HOTP keys only: the import lists them as skipped, with the reason.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeAt, type TotpToken } from '../../src/core/totp.js';
import type { HashAlgorithm } from '../../src/formats/types.js';
import { json, tokendesk } from '../support/cli.js';
import { tempDir } from '../support/home.js';
import { FIXTURES } from '../formats/helpers.js';

const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));
const hexBytes = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const RFC_SECRET = ascii('12345678901234567890');
const SHA1_SEED = ascii('12345678901234567890');
const SHA256_SEED = ascii('12345678901234567890123456789012');
const SHA512_SEED = ascii('1234567890123456789012345678901234567890123456789012345678901234');
const OTHER_SEED = hexBytes('00112233445566778899aabbccddeeff01234567');
const HOTP_SKIP = 'HOTP (counter-based) key: tokendesk hands out TOTP tokens only';

interface Expected {
  serial: string;
  secret: Uint8Array;
  algorithm: HashAlgorithm;
  digits: number;
  period: number;
  /** The UPN the file pre-assigns the token to, if any. */
  upn?: string;
}

interface ImportReportJson {
  committed: boolean;
  format: string;
  added: number;
  refusal?: string;
  skipped: Array<{ where: { line?: number; keyId?: string }; serial?: string; reason: string }>;
  rejects: unknown[];
}

const fixturePath = (...parts: string[]) => join(FIXTURES, ...parts);

/**
 * Each import gets a fresh home: `tokendesk init` once, then copies (a spawn of the CLI costs half
 * a second on a busy two-core machine, and this file makes many).
 */
let templateDir = '';
beforeAll(() => {
  templateDir = mkdtempSync(join(tmpdir(), 'tokendesk-template-'));
  const init = tokendesk(['init'], { home: join(templateDir, 'home') });
  expect(init.status, init.stderr).toBe(0);
});
afterAll(() => rmSync(templateDir, { recursive: true, force: true }));

function newHome(): string {
  const home = join(tempDir(), 'home');
  cpSync(join(templateDir, 'home'), home, { recursive: true });
  return home;
}

function importFile(home: string, file: string, extra: string[] = []): { status: number | null; report: ImportReportJson } {
  const result = tokendesk(['import', file, '--json', ...extra], { home });
  return { status: result.status, report: json<ImportReportJson>(result) };
}

/** Hands each token out with the code its expected secret shows now: accepted only if the import stored that secret. */
function assignEach(home: string, tokens: Expected[]): void {
  tokens.forEach((token, i) => {
    const totp: TotpToken = { secret: token.secret, algorithm: token.algorithm, digits: token.digits, period: token.period };
    const code = codeAt(totp, Date.now());
    const upn = token.upn ?? `employee${i}@example.com`;
    const assigned = tokendesk(['assign', '--serial', token.serial, '--upn', upn, '--code', code, '--json'], { home });
    expect(assigned.status, `${token.serial}: ${assigned.stdout}${assigned.stderr}`).toBe(0);
    expect(json(assigned)).toMatchObject({ ok: true, serial: token.serial });
  });
}

describe('RFC 6030 figures through the CLI: HOTP keys are listed as skipped, with the reason', () => {
  const rfc = (figure: number) => fixturePath('pskc', 'rfc6030', `figure${figure}.pskcxml`);

  it('figure 2 and figure 5 (plain)', () => {
    const home = newHome();
    const figure2 = importFile(home, rfc(2));
    expect(figure2.status).toBe(1);
    expect(figure2.report).toMatchObject({ committed: false, format: 'pskc', added: 0 });
    expect(figure2.report.skipped).toEqual([{ where: { line: 5, keyId: '12345678' }, serial: '12345678', reason: HOTP_SKIP }]);
    expect(figure2.report.refusal).toMatch(/figure2\.pskcxml: the file holds no TOTP tokens \(see the skipped keys and why\)/);

    const figure5 = tokendesk(['import', rfc(5)], { home });
    expect(figure5.status).toBe(1);
    expect(figure5.stdout).toContain('Skipped keys:');
    expect(figure5.stdout).toContain(`key 12345678 (line 5), serial 987654321: ${HOTP_SKIP}`);
    expect(figure5.stdout).toContain('key 123456781 (line 36), serial 987654321: PIN key (the device PIN, not a one-time password key)');
    expect(figure5.stdout).toMatch(/Refused: figure5\.pskcxml: the file holds no TOTP tokens/);
  });

  it('figure 6 (AES-128-CBC with a pre-shared key and its MAC key) with --psk', () => {
    const home = newHome();
    const figure6 = importFile(home, rfc(6), ['--psk', '12345678901234567890123456789012']);
    expect(figure6.report.skipped).toEqual([{ where: { line: 20, keyId: '12345678' }, serial: '987654321', reason: HOTP_SKIP }]);
    expect(figure6.report.committed).toBe(false);
  });

  it('figure 7 (PBKDF2, password "qwerty") with --password-file', () => {
    const home = newHome();
    const passwordFile = join(tempDir(), 'password.txt');
    writeFileSync(passwordFile, 'qwerty\n', { mode: 0o600 });
    const figure7 = importFile(home, rfc(7), ['--password-file', passwordFile]);
    expect(figure7.report.skipped).toEqual([{ where: { line: 38, keyId: '123456' }, serial: '987654321', reason: HOTP_SKIP }]);
    expect(figure7.report.committed).toBe(false);
  });

  it('figures 6 and 7 with the keys relabelled TOTP: the RFC ciphertext decrypts to the RFC secret', () => {
    const dir = tempDir();
    const passwordFile = join(dir, 'password.txt');
    writeFileSync(passwordFile, 'qwerty\n');
    const expected: Expected = { serial: '987654321', secret: RFC_SECRET, algorithm: 'SHA1', digits: 8, period: 30 };
    for (const [figure, key] of [
      [6, ['--psk', '12345678901234567890123456789012']],
      [7, ['--password-file', passwordFile]],
    ] as const) {
      const file = join(dir, `figure${figure}-totp.pskcxml`);
      writeFileSync(file, readFileSync(rfc(figure), 'utf8').replace(/keyprov:pskc:hotp/g, 'keyprov:pskc:totp'));
      const home = newHome();
      const imported = importFile(home, file, [...key]);
      expect(imported.report, `figure ${figure}`).toMatchObject({ committed: true, added: 1 });
      assignEach(home, [expected]);
    }
  });
});

describe('generated TOTP PSKC files through the CLI: each secret proved by an accepted code', () => {
  const DESK: Expected[] = [
    { serial: '0001234567', secret: SHA1_SEED, algorithm: 'SHA1', digits: 6, period: 30 },
    { serial: '0001234568', secret: SHA256_SEED, algorithm: 'SHA256', digits: 8, period: 60 },
    { serial: 'KID-3', secret: SHA512_SEED, algorithm: 'SHA512', digits: 6, period: 30 },
  ];
  const keys: Record<string, string[]> = {
    'totp-plain': ['--skip-rejected'],
    'totp-aes128-cbc': ['--psk', '000102030405060708090a0b0c0d0e0f'],
    'totp-aes192-cbc': ['--psk', '000102030405060708090a0b0c0d0e0f1011121314151617'],
    'totp-aes256-cbc': ['--psk', '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'],
    'totp-kw-aes128': ['--psk', '000102030405060708090a0b0c0d0e0f'],
    'totp-kw-aes192': ['--psk', '000102030405060708090a0b0c0d0e0f1011121314151617'],
    'totp-kw-aes256': ['--psk', '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'],
    'totp-pbkdf2': ['--password-file', 'PASSWORD_FILE'],
  };

  for (const [name, options] of Object.entries(keys)) {
    it(`${name}.pskcxml`, () => {
      const passwordFile = join(tempDir(), 'password.txt');
      writeFileSync(passwordFile, 'correct horse battery staple\n');
      const args = options.map((option) => (option === 'PASSWORD_FILE' ? passwordFile : option));
      const home = newHome();
      const file = fixturePath('pskc', 'generated', `${name}.pskcxml`);
      if (name === 'totp-pbkdf2') {
        // A dry run shows the same report and writes nothing.
        const dry = importFile(home, file, [...args, '--dry-run']);
        expect(dry.report).toMatchObject({ committed: false, added: 3 });
        expect(json<{ tokens: unknown[] }>(tokendesk(['tokens', 'list', '--json'], { home })).tokens).toEqual([]);
      }
      const imported = importFile(home, file, args);
      expect(imported.status, JSON.stringify(imported.report)).toBe(0);
      expect(imported.report).toMatchObject({ committed: true, format: 'pskc', added: 3 });
      expect(imported.report.skipped.map((s) => s.reason)).toContain(HOTP_SKIP);
      if (name === 'totp-aes128-cbc') {
        // The proof is not vacuous: a code from another secret is refused.
        const wrong = codeAt({ secret: OTHER_SEED, algorithm: 'SHA1', digits: 6, period: 30 }, Date.now());
        const refused = tokendesk(['assign', '--serial', '0001234567', '--upn', 'a@example.com', '--code', wrong], { home });
        expect(refused.status).toBe(1);
        expect(refused.stderr).toMatch(/not this token's/);
      }
      assignEach(home, DESK);
    });
  }
});

describe('Graph JSON, OATH CSV and Entra CSV through the CLI', () => {
  const cases: Array<{ name: string; file: string[]; format: string; args?: string[]; tokens: Expected[] }> = [
    {
      name: 'Token2 JSON array',
      file: ['graph', 'token2-array.json'],
      format: 'graph-json',
      tokens: [
        { serial: '60234567', secret: SHA1_SEED, algorithm: 'SHA1', digits: 6, period: 30 },
        { serial: '0060234568', secret: SHA256_SEED, algorithm: 'SHA256', digits: 6, period: 60 },
        { serial: '60234569', secret: OTHER_SEED, algorithm: 'SHA1', digits: 6, period: 30 },
      ],
    },
    {
      name: 'Graph $delta JSON',
      file: ['graph', 'delta.json'],
      format: 'graph-json',
      tokens: [
        { serial: 'TOTP123456', secret: SHA1_SEED, algorithm: 'SHA1', digits: 6, period: 30 },
        { serial: 'TOTP123457', secret: OTHER_SEED, algorithm: 'SHA1', digits: 6, period: 60 },
      ],
    },
    {
      name: 'OATH CSV version 1 (with its bad rows skipped)',
      file: ['oath', 'v1.csv'],
      format: 'oath-csv',
      args: ['--skip-rejected'],
      tokens: [
        { serial: '0001234567', secret: SHA1_SEED, algorithm: 'SHA1', digits: 6, period: 30 },
        { serial: '0001234568', secret: SHA256_SEED, algorithm: 'SHA256', digits: 8, period: 60 },
        { serial: '0001234569', secret: OTHER_SEED, algorithm: 'SHA256', digits: 6, period: 30 },
      ],
    },
    {
      name: 'OATH CSV version 2 (user columns)',
      file: ['oath', 'v2.csv'],
      format: 'oath-csv',
      tokens: [
        { serial: '0001234567', secret: SHA1_SEED, algorithm: 'SHA1', digits: 6, period: 30, upn: 'alice@example.com' },
        { serial: '0001234568', secret: OTHER_SEED, algorithm: 'SHA1', digits: 6, period: 60 },
        { serial: '0001234569', secret: SHA1_SEED, algorithm: 'SHA1', digits: 6, period: 30 },
      ],
    },
    {
      name: 'Entra CSV as a vendor ships it (BOM, spaced and lower-case Base32, hex, quoted cells)',
      file: ['entra', 'vendor-azure-mfa.csv'],
      format: 'entra-csv',
      tokens: [
        { serial: '0001234567', secret: SHA1_SEED, algorithm: 'SHA1', digits: 6, period: 30 },
        { serial: '0001234568', secret: OTHER_SEED, algorithm: 'SHA1', digits: 6, period: 60 },
        { serial: '0001234569', secret: SHA256_SEED, algorithm: 'SHA1', digits: 6, period: 30, upn: 'alice@example.com' },
        { serial: '0001234570', secret: SHA1_SEED, algorithm: 'SHA1', digits: 6, period: 30 },
        { serial: '0001234571', secret: ascii('12345678901234567890123456789012'.repeat(2)), algorithm: 'SHA1', digits: 6, period: 30 },
      ],
    },
  ];

  for (const { name, file, format, args = [], tokens } of cases) {
    it(name, () => {
      const home = newHome();
      const imported = importFile(home, fixturePath(...file), args);
      expect(imported.status, JSON.stringify(imported.report)).toBe(0);
      expect(imported.report).toMatchObject({ committed: true, format, added: tokens.length });
      assignEach(home, tokens);
    });
  }
});
