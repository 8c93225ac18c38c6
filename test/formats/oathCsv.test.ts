import { describe, expect, it } from 'vitest';
import { oathCsvExporter, oathCsvPieces, parseOathCsv, privacyIdeaHashForSeedLength } from '../../src/formats/oathCsv.js';
import {
  GOLDEN_ROWS,
  GOLDEN_SHA256_ROW,
  SEED_OTHER,
  SEED_SHA1,
  SEED_SHA256,
  TARGET_OPTIONS,
  TARGET_ROWS,
  allText,
  chunked,
  fixture,
  refusal,
  toHex,
} from './helpers.js';

const S1 = toHex(SEED_SHA1);

describe('OATH CSV import, version 1 layout', () => {
  it('reads TOTP rows, skips HOTP/OCRA with a reason, rejects bad rows with line and reason', async () => {
    const result = await parseOathCsv(chunked(fixture('oath', 'v1.csv'), 7));
    expect(result.records.map((r) => ({ ...r, secret: toHex(r.secret) }))).toEqual([
      { serial: '0001234567', secret: S1, algorithm: 'SHA1', digits: 6, period: 30, manufacturer: '', model: '', where: { line: 4 } },
      { serial: '0001234568', secret: toHex(SEED_SHA256), algorithm: 'SHA256', digits: 8, period: 60, manufacturer: '', model: '', where: { line: 5 } },
      { serial: '0001234569', secret: toHex(SEED_OTHER), algorithm: 'SHA256', digits: 6, period: 30, manufacturer: '', model: '', where: { line: 6 } },
    ]);
    expect(result.skipped).toEqual([
      { where: { line: 7 }, serial: 'HOTP0001', reason: 'HOTP (counter-based) token: tokendesk hands out TOTP tokens only' },
      { where: { line: 8 }, serial: 'HOTP0002', reason: 'HOTP (counter-based) token: tokendesk hands out TOTP tokens only' },
      { where: { line: 9 }, serial: 'OCRA0001', reason: 'OCRA token: tokendesk hands out TOTP tokens only' },
    ]);
    expect(result.rejects).toEqual([
      { where: { line: 10 }, serial: '0001234570', reason: 'the hex secret has an odd number of digits' },
      { where: { line: 11 }, serial: '0001234571', reason: 'the OTP length is 7; tokendesk takes 6 or 8' },
      { where: { line: 12 }, serial: '0001234572', reason: 'the time step is 45 s; tokendesk takes 30 or 60' },
      { where: { line: 13 }, serial: '0001234573', reason: 'the secret key is not valid hex (0-9, a-f)' },
      { where: { line: 14 }, serial: '0001234567', reason: 'serial 0001234567 already appears on line 4' },
      { where: { line: 15 }, serial: '0001234574', reason: 'the hash column must be sha1, sha256 or sha512' },
    ]);
    expect(allText(result)).not.toContain('3132333435');
  });

  it('says once that a hash was inferred from the seed length, as privacyIDEA does', async () => {
    const { warnings } = await parseOathCsv(chunked(fixture('oath', 'v1.csv')));
    expect(warnings).toEqual([
      { where: { line: 5 }, message: expect.stringMatching(/^1 seed\(s\) are 32 bytes .* SHA-256, as privacyIDEA does \(first: line 5\)/) },
    ]);
  });

  it('the --hash option overrides the length inference; an explicit column overrides both', async () => {
    const text = `1, ${toHex(SEED_SHA256)}, totp, 6, 30\n2, ${S1}, totp, 6, 30, SHA512\n`;
    const result = await parseOathCsv(chunked(text), { hash: 'SHA1' });
    expect(result.records.map((r) => r.algorithm)).toEqual(['SHA1', 'SHA512']);
    expect(result.warnings).toEqual([]);
  });

  it('requires the otp length and time step of a TOTP row instead of defaulting them (a cut row)', async () => {
    const result = await parseOathCsv(chunked(`T1, ${S1}, totp\nT2, ${S1}, totp, , \nT3, ${S1}, totp, 6\n`));
    expect(result.records).toEqual([]);
    expect(result.rejects.map((r) => [r.where.line, r.serial, r.reason])).toEqual([
      [1, 'T1', 'column 4 (otp length) is missing; a TOTP row is serial, seed, type, otp length, time step[, hash]'],
      [2, 'T2', 'column 4 (otp length) is missing; a TOTP row is serial, seed, type, otp length, time step[, hash]'],
      [3, 'T3', 'column 5 (time step) is missing; a TOTP row is serial, seed, type, otp length, time step[, hash]'],
    ]);
  });

  it("privacyIDEA's token-janitor shape (owner, serial, seed, type...): rejected by position, the seed never quoted", async () => {
    // The hex seed lands in the type column; the old skip message printed it upper-cased.
    const seed = 'f03eee4d0fb4b5d4fc0ec0f1fa0e5cb4a2ca75d0';
    const result = await parseOathCsv(chunked(`alice, T1, ${seed}, totp, 6, 30\nbob, T2, ${seed.toUpperCase()}, hotp\n`));
    expect(result.records).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.rejects.map((r) => [r.where.line, r.serial, r.reason])).toEqual([
      [1, undefined, 'column 3 (type) is not a token type (totp, hotp, ocra...): the columns do not line up (a comma missing or extra?); expected serial, seed, type, otp length, time step[, hash]'],
      [2, undefined, expect.stringMatching(/^column 3 \(type\) is not a token type/)],
    ]);
    expect(JSON.stringify(result).toLowerCase()).not.toContain(seed.slice(0, 12));
  });

  it('names a known non-TOTP type from its own list, never from the cell', async () => {
    const result = await parseOathCsv(chunked(`M1, ${S1}, MOTP, 6\nS1, ${S1}, spass\n`));
    expect(result.skipped.map((s) => s.reason)).toEqual([
      'mOTP token: tokendesk hands out TOTP tokens only',
      'simple pass token: tokendesk hands out TOTP tokens only',
    ]);
  });

  it('a lost comma between serial and seed: rejected without showing the joined cell', async () => {
    const lines = ['# version: 2', `, , , T1${S1}, totp, 6, 30`, `, , , T2${S1}, totp`, `alice@example.com, , T3, ${S1}, totp, 6, 30`];
    const result = await parseOathCsv(chunked(`${lines.join('\n')}\n`));
    expect(result.records).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.rejects.map((r) => [r.where.line, r.serial, r.reason])).toEqual([
      [2, undefined, 'column 5 (seed) or column 6 (type) holds the wrong kind of value: the columns do not line up (a comma missing or extra?); expected username, resolver, realm, serial, seed, type, otp length, time step[, hash]'],
      [3, undefined, expect.stringMatching(/the columns do not line up/)],
      [4, undefined, expect.stringMatching(/the columns do not line up/)],
    ]);
    expect(JSON.stringify(result)).not.toContain(S1.slice(0, 16));
  });

  it('rejects a row with too many or too few cells', async () => {
    const result = await parseOathCsv(chunked(`ONLYSERIAL\nT1, ${S1}, totp, 6, 30, sha1, extra\n`));
    expect(result.rejects.map((r) => [r.where.line, r.reason])).toEqual([
      [1, 'the row has 1 cells; expected serial, seed, type, otp length, time step[, hash]'],
      [2, 'the row has 7 cells; expected serial, seed, type, otp length, time step[, hash]'],
    ]);
  });
});

describe('OATH CSV import, version 2 (user columns)', () => {
  it('reads the user as a pre-assignment when it is a UPN', async () => {
    const result = await parseOathCsv(chunked(fixture('oath', 'v2.csv'), 1));
    expect(result.records.map((r) => [r.serial, r.upn, r.period, toHex(r.secret)])).toEqual([
      ['0001234567', 'alice@example.com', 30, S1],
      ['0001234568', undefined, 60, toHex(SEED_OTHER)],
      ['0001234569', undefined, 30, S1],
    ]);
    expect(result.skipped.map((s) => [s.where.line, s.serial])).toEqual([
      [6, 'HOTP0001'],
      [7, '0001234570'],
    ]);
    expect(result.rejects).toEqual([]);
    expect(result.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/1 username\(s\) are not UPNs .*first: line 5/),
      expect.stringMatching(/resolver and realm columns .* ignored \(1 row\(s\), first: line 5\)/),
    ]);
  });

  it('refuses an unknown version and ignores a late version line with a warning', async () => {
    const error = await refusal(() => parseOathCsv(chunked(`# version: 3\nT1, ${S1}, totp\n`)));
    expect(error.message).toMatch(/version 3; tokendesk reads versions 1 and 2/);
    const late = await parseOathCsv(chunked(`T1, ${S1}, totp, 6, 30\n# version: 2\nT2, ${S1}, totp, 6, 30\n`));
    expect(late.records.map((r) => r.serial)).toEqual(['T1', 'T2']);
    expect(late.warnings[0]?.message).toMatch(/line 2 is ignored/);
  });

  it('refuses an empty file and binary data', async () => {
    expect((await refusal(() => parseOathCsv(chunked('')))).message).toMatch(/empty/);
    expect((await refusal(() => parseOathCsv([new Uint8Array([1, 2, 0, 4])]))).message).toMatch(/not a text OATH CSV/);
  });
});

describe('OATH CSV export (privacyIDEA)', () => {
  const rows = TARGET_ROWS;

  it('matches the golden file byte for byte: version 2, user, resolver and realm first, hex seeds, LF', () => {
    const bytes = oathCsvExporter.render(rows, TARGET_OPTIONS);
    expect(new TextDecoder().decode(bytes)).toBe(new TextDecoder().decode(fixture('export', 'batch.oath.csv')));
    expect(Buffer.from(bytes).equals(Buffer.from(fixture('export', 'batch.oath.csv')))).toBe(true);
  });

  it('is three pieces a streaming writer can call: header, one row at a time, footer', () => {
    const text = oathCsvPieces.header(TARGET_OPTIONS) + rows.map((row, i) => oathCsvPieces.row(row, i, TARGET_OPTIONS)).join('') + oathCsvPieces.footer(TARGET_OPTIONS);
    expect(text).toBe(new TextDecoder().decode(oathCsvExporter.render(rows, TARGET_OPTIONS)));
  });

  it('starts with the version line privacyIDEA looks for on line 1', () => {
    const text = new TextDecoder().decode(oathCsvExporter.render(rows, TARGET_OPTIONS));
    expect(text.split('\n')[0]).toMatch(/^#\s*version:\s*2$/);
    expect(text).not.toContain('\r');
  });

  it('writes the user name the caller chose (the roster login), else the UPN, and an empty resolver when none is given', () => {
    const text = new TextDecoder().decode(oathCsvExporter.render(rows, { realm: 'corp' }));
    expect(text.split('\n').slice(2, 5).map((line) => line.split(',').slice(0, 4).join(','))).toEqual([
      'alice@example.com,,corp,0001234567',
      'bsmith,,corp,0001234568',
      'carol,,corp,T2-000099',
    ]);
  });

  it('refuses every row without a realm: privacyIDEA would look the user up in realm "" and stop', () => {
    const refused = oathCsvExporter.unsupported(rows);
    expect(refused.map((r) => r.serial)).toEqual(rows.map((r) => r.serial));
    expect(refused[0]!.reason).toBe('privacyIDEA finds the user in a realm and none was given: export with --pi-realm REALM');
    expect(() => oathCsvExporter.render(rows)).toThrow(/cannot carry 3/);
  });

  it('refuses a row whose user name would be empty, naming the serial', () => {
    const refused = oathCsvExporter.unsupported([{ ...GOLDEN_ROWS[0]!, userName: '' }, { ...GOLDEN_ROWS[1]!, serial: 'NOUPN', upn: '' }], TARGET_OPTIONS);
    expect(refused).toEqual([
      { serial: '0001234567', reason: expect.stringMatching(/no privacyIDEA user name \(the roster gives none for alice@example.com\)/) },
      { serial: 'NOUPN', reason: 'it has no user for privacyIDEA' },
    ]);
  });

  it('names rows whose hash privacyIDEA would infer wrongly from the seed length, and unsafe cells', () => {
    const refused = oathCsvExporter.unsupported(
      [
        { ...GOLDEN_ROWS[0]!, serial: 'SHA256-20', algorithm: 'SHA256' },
        { ...GOLDEN_SHA256_ROW, serial: 'SHA1-32', algorithm: 'SHA1' },
        { ...GOLDEN_ROWS[0]!, serial: 'A,B' },
        { ...GOLDEN_ROWS[0]!, serial: 'HASH', upn: '#alice@example.com' },
        { ...GOLDEN_ROWS[0]!, serial: 'FORMULA', userName: '=cmd|calc' },
        GOLDEN_ROWS[1]!,
      ],
      TARGET_OPTIONS,
    );
    expect(refused.map((r) => r.serial)).toEqual(['SHA256-20', 'SHA1-32', 'A,B', 'HASH', 'FORMULA']);
    expect(refused[0]!.reason).toMatch(/20 bytes means SHA1.*uses SHA256/);
    expect(refused[4]!.reason).toMatch(/formula/);
    expect(oathCsvExporter.unsupported(GOLDEN_ROWS, { realm: 'a,b' })[0]!.reason).toMatch(/realm has a comma/);
    expect(oathCsvExporter.unsupported(GOLDEN_ROWS, { realm: 'corp', resolver: '@x' })[0]!.reason).toMatch(/resolver starts with "@"/);
  });

  it('imports back to the same seeds', async () => {
    const result = await parseOathCsv([oathCsvExporter.render(rows, TARGET_OPTIONS)]);
    expect(result.records.map((r) => [r.serial, toHex(r.secret), r.algorithm, r.digits, r.period])).toEqual(
      rows.map((r) => [r.serial, toHex(r.secret), r.algorithm, r.digits, r.period]),
    );
    expect(result.records[0]!.upn).toBe('alice@example.com');
    expect(result.rejects).toEqual([]);
  });

  it('follows privacyIDEA’s length rule', () => {
    expect([20, 32, 64, 28, 48, 16].map(privacyIdeaHashForSeedLength)).toEqual(['SHA1', 'SHA256', 'SHA512', 'SHA224', 'SHA384', 'SHA1']);
  });
});
