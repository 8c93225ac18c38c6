/**
 * Issue 15, "done when": for each target, our export read back by an independent implementation of
 * that target's documented import rules (ported from its parser where it is open source, see each
 * reader), checking serial, seed, hash, digits, period and user for every row it accepted, and that
 * every row it did not accept was refused by name before a file was written.
 */
import { describe, expect, it } from 'vitest';
import { renderAssignmentList } from '../../src/formats/assignmentList.js';
import { exporters } from '../../src/formats/index.js';
import type { BatchFormat, BatchRow, ExportOptions } from '../../src/formats/types.js';
import { readEntraCsv } from './entraCsvReader.js';
import { readGraphJson, type GraphAssignment } from './graphJsonReader.js';
import { parseLinotpOathCsv, readLinotp } from './linotpReader.js';
import { parseMultiotpCsv, readMultiotp } from './multiotpReader.js';
import { readPrivacyIdeaOathCsv } from './privacyIdeaReader.js';
import type { Directory } from './privacyIdeaReader.js';
import { DESK_ROWS, expectEveryRow } from './targetRows.js';

/** The rows a format accepts and the serials it refused, after asking it. */
function split(format: BatchFormat, rows: readonly BatchRow[], options: ExportOptions = {}) {
  const refused = exporters[format].unsupported(rows, options);
  const names = new Set(refused.map((r) => r.serial));
  return { accepted: rows.filter((row) => !names.has(row.serial)), refused };
}

const login = (row: BatchRow) => row.userName ?? row.upn;

describe('Entra ID CSV upload', () => {
  it('reads every accepted row: serial, Base32 seed, SHA-1, 6 digits, 30/60 s, UPN', () => {
    const { accepted, refused } = split('entra-csv', DESK_ROWS);
    expect(refused.map((r) => r.serial)).toEqual(['0009000003', '0009000004', '0009000005', '0009000006', '0009000008']);
    expectEveryRow(readEntraCsv(exporters['entra-csv'].render(accepted)), accepted, 'upn');
  });
});

describe('Microsoft Graph bulk create', () => {
  it('reads every accepted device: serial, Base32 seed, hmacsha1/hmacsha256, 30/60 s, and the UPN it is assigned to', () => {
    const { accepted, refused } = split('graph-json', DESK_ROWS);
    expect(refused.map((r) => r.serial)).toEqual(['0009000005', '0009000006', '0009000008']);
    // The file is Graph's body as-is; who gets each token travels in the manifest's assignments.
    const writer = exporters['graph-json'].writer();
    const assignments = accepted.map((row, index) => writer.assignment!(row, index) as unknown as GraphAssignment);
    expectEveryRow(readGraphJson(exporters['graph-json'].render(accepted), assignments), accepted, 'upn');
  });
});

describe('privacyIDEA OATH CSV import (version 2, with users)', () => {
  const directory: Directory = {
    corp: [
      { resolver: 'ad-staff', logins: DESK_ROWS.filter((_, i) => i % 2 === 0).map(login) },
      { resolver: 'ldap-main', logins: DESK_ROWS.map(login) },
    ],
  };

  it('reads every row, each user found in the realm (by priority without a resolver, in the named one with it)', () => {
    const { accepted, refused } = split('oath-csv', DESK_ROWS, { realm: 'Corp' });
    expect(refused).toEqual([]);
    const read = readPrivacyIdeaOathCsv(exporters['oath-csv'].render(accepted, { realm: 'Corp' }), directory);
    expectEveryRow(read.map(({ realm: _realm, resolver: _resolver, type: _type, ...token }) => token), accepted, 'login');
    expect(new Set(read.map((t) => t.type))).toEqual(new Set(['totp']));
    expect(new Set(read.map((t) => t.realm))).toEqual(new Set(['corp']));
    expect(read.map((t) => t.resolver)).toEqual(DESK_ROWS.map((_, i) => (i % 2 === 0 ? 'ad-staff' : 'ldap-main')));
    const named = readPrivacyIdeaOathCsv(exporters['oath-csv'].render(accepted, { realm: 'corp', resolver: 'ldap-main' }), directory);
    expect(new Set(named.map((t) => t.resolver))).toEqual(new Set(['ldap-main']));
  });

  it('the file without a realm (as tokendesk wrote it before) stops privacyIDEA’s import; the exporter now refuses it', () => {
    const old = `# version: 2\n# username,resolver,realm,serial,seed (hex),type,otp length,time step,hash\nuser1@example.com,,,0009000001,${'00'.repeat(20)},totp,6,30,sha1\n`;
    expect(() => readPrivacyIdeaOathCsv(new TextEncoder().encode(old), directory)).toThrow(/does not exist in realm ''/);
    expect(split('oath-csv', DESK_ROWS).accepted).toEqual([]);
  });
});

describe('LinOTP OATH CSV import and assignment', () => {
  it('reads every row and assigns each to its user and realm', () => {
    const options = { realm: 'corp' };
    const { accepted, refused } = split('linotp-csv', DESK_ROWS, options);
    expect(refused).toEqual([]);
    const read = readLinotp(exporters['linotp-csv'].render(accepted, options), renderAssignmentList('linotp', accepted, options));
    expectEveryRow(read.map(({ realm: _realm, ...token }) => token), accepted, 'login');
    expect(new Set(read.map((t) => t.realm))).toEqual(new Set(['corp']));
  });

  it('the privacyIDEA file crashes LinOTP’s parser on its second comment line (why linotp-csv exists)', () => {
    const oath = exporters['oath-csv'].render(DESK_ROWS.slice(0, 1), { realm: 'corp' });
    expect(() => parseLinotpOathCsv(oath)).toThrow(/invalid literal for int\(\) with base 10: 'serial'/);
  });
});

describe('multiOTP CSV import and assignment', () => {
  it('reads every accepted row (SHA-1 only, one token per user) and assigns each', () => {
    const { accepted, refused } = split('multiotp-csv', DESK_ROWS);
    expect(refused.map((r) => [r.serial, r.reason])).toEqual([
      ['0009000003', expect.stringMatching(/SHA256/)],
      ['0009000004', expect.stringMatching(/SHA256/)],
      ['0009000006', expect.stringMatching(/SHA512/)],
      ['0009000008', expect.stringMatching(/SHA512/)],
    ]);
    const read = readMultiotp(exporters['multiotp-csv'].render(accepted), renderAssignmentList('multiotp', accepted));
    expectEveryRow(read.map(({ manufacturer: _m, ...token }) => token), accepted, 'login');
    expect(new Set(read.map((t) => t.manufacturer))).toEqual(new Set(['Token2']));
  });

  it('the privacyIDEA file imports 0 tokens in multiOTP ("algorithm not recognized", why multiotp-csv exists)', () => {
    const { tokens, errors } = parseMultiotpCsv(exporters['oath-csv'].render(DESK_ROWS.slice(0, 2), { realm: 'corp' }));
    expect(tokens).toEqual([]);
    // Its second comment line has six cells too, so multiOTP reads it as a token with the algorithm "realm".
    expect(errors).toEqual(['Error: The algorithm realm is not recognized', 'Error: The algorithm corp is not recognized', 'Error: The algorithm corp is not recognized']);
  });
});
