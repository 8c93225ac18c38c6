/**
 * Secret hygiene, proven: a desk's day on a REAL home (not practice mode) through the built CLI and
 * the kiosk in a real terminal (tmux). Everything an observer could read is captured:
 *
 *   - every byte each CLI call wrote to stdout and stderr (as bytes, not decoded text);
 *   - every kiosk screen after each step, with the scrollback (capture-pane -S -), and every byte
 *     the kiosk wrote to its terminal (pipe-pane);
 *   - every file under HOME (database, log, key file, config, manifests, the .age file, the whole
 *     export folder) after the plain Entra CSV export's batch was marked uploaded with
 *     --purge-seeds, which must have shredded that file; and every file the CLI or kiosk left in
 *     TMPDIR;
 *   - the audit table's raw rows, read read-only with better-sqlite3.
 *
 * Then no seed may appear in any of it (raw bytes, hex, Base32, Base64 in every spelling, and
 * 16-character fragments), and no code the kiosk accepted may appear as a plain string: the kiosk
 * shows a typed code only as large glyphs. The search is shown to work on the one file that did
 * hold seeds, read before the purge.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeAt, timeStep } from '../../src/core/totp.js';
import { CLI } from '../support/cli.js';
import { findCode, SeedScanner, type Leak } from '../support/secretForms.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';
import { TmuxTerminal, tmuxAvailable } from '../support/tmux.js';

const ADMIN = { name: 'anna', pin: '90817263' };
const STAFF = { name: 'ben', pin: '55102938' };
const PERIOD = 30;

interface Capture {
  source: string;
  bytes: Buffer;
}

/**
 * test/support/cli.ts's tokendesk(), but keeping stdout and stderr as bytes: a raw seed written to
 * a terminal is not valid UTF-8, and decoding it would hide it behind replacement characters.
 */
function rawTokendesk(args: string[], options: { home: string; env: NodeJS.ProcessEnv; as?: { name: string; pin: string }; input?: string }) {
  const signIn = options.as ? { TOKENDESK_AS: options.as.name, TOKENDESK_PIN: options.as.pin } : { TOKENDESK_AS: undefined, TOKENDESK_PIN: undefined };
  const result = spawnSync(process.execPath, [CLI, ...args, '--home', options.home], {
    input: options.input ?? '',
    env: { ...process.env, NO_COLOR: '1', ...signIn, ...options.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!tmuxAvailable)('secret hygiene on a real home: CLI, kiosk in a real terminal, files, audit', { timeout: 300_000 }, () => {
  const box = makeTokens(4);
  const [first, second] = box as [(typeof box)[0], (typeof box)[0]];
  const seeds = box.map((t) => ({ label: `seed of ${t.serial}`, secret: t.secret }));
  const captures: Capture[] = [];
  /** Codes the kiosk accepted: two hand-outs, then the self-check. */
  const handOutCodes: string[] = [];
  let selfCheckCode = '';
  let dir: string;
  let home: string;
  let tmp: string;
  let plainExport = '';
  let plainExportBytes = Buffer.alloc(0);
  let term: TmuxTerminal | undefined;

  const cli = (label: string, args: string[], options: { as?: { name: string; pin: string }; input?: string; expectStatus?: number } = {}) => {
    const result = rawTokendesk(args, { home, env: { TMPDIR: tmp }, as: options.as, input: options.input });
    captures.push({ source: `${label}: stdout`, bytes: result.stdout }, { source: `${label}: stderr`, bytes: result.stderr });
    expect(result.status, `${label}\n${result.stdout.toString()}\n${result.stderr.toString()}`).toBe(options.expectStatus ?? 0);
    return result;
  };
  const screen = (label: string) => {
    const text = spawnSync('tmux', ['-L', term!.socket, 'capture-pane', '-p', '-S', '-', '-t', term!.session], { encoding: 'buffer' }).stdout;
    captures.push({ source: `kiosk screen: ${label}`, bytes: text });
    return text.toString('utf8');
  };
  /** The code `token` shows now, avoiding the last 3 s of a step (typing takes about one second). */
  const liveCode = async (token: (typeof box)[0], after = -1): Promise<{ code: string; step: number }> => {
    for (;;) {
      const now = Date.now();
      const step = timeStep(now, PERIOD);
      const left = PERIOD - ((now / 1000) % PERIOD);
      if (step > after && left > 3) return { code: codeAt({ secret: token.secret, algorithm: 'SHA1', digits: 6, period: PERIOD }, now), step };
      await sleep(250);
    }
  };

  const handOutInKiosk = async (t: TmuxTerminal, token: (typeof box)[0], upn: string, label: string) => {
    await t.type('h');
    await t.waitFor('[Employee]');
    await t.type(upn);
    await t.key('Enter');
    await t.waitFor('[Token]');
    screen(`${label}: token step`);
    t.scan(token.serial);
    await t.waitFor('[Name]');
    await t.key('Enter');
    await t.waitFor('type the 6 digits it shows');
    screen(`${label}: verify step`);
    const { code, step } = await liveCode(token);
    handOutCodes.push(code);
    // The last digit checks the code: the screen before it shows five of the digits, as glyphs.
    await t.type(code.slice(0, 5));
    await sleep(500); // the fifth digit drawn
    const typed = screen(`${label}: code typed, before the last digit`);
    expect(typed).toContain('┌─┐'); // the code is there, as glyphs
    await t.type(code.slice(5));
    await t.key('Enter');
    const done = await t.waitFor('Handed out.');
    expect(done).toContain(token.serial);
    screen(`${label}: handed out`);
    await t.key('Escape');
    await t.waitFor('What next?');
    return step;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokendesk-hygiene-'));
    home = join(dir, 'home');
    tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    mkdirSync(join(dir, 'input'));
    const seedFile = join(dir, 'input', 'box.csv');
    writeFileSync(seedFile, entraCsv(box));

    cli('init', ['init', '--desk', 'hq']);
    cli('staff add admin', ['staff', 'add', ADMIN.name, '--role', 'admin', '--pin-stdin'], { input: `${ADMIN.pin}\n` });
    cli('staff add staff', ['staff', 'add', STAFF.name, '--role', 'staff', '--pin-stdin', '--json'], { as: ADMIN, input: `${STAFF.pin}\n` });
    cli('import', ['import', seedFile, '--json'], { as: ADMIN });
    cli('import (text)', ['import', seedFile, '--dry-run'], { as: ADMIN });

    // The kiosk starts a second after tmux, so pipe-pane records its very first byte.
    const rawScreen = join(dir, 'kiosk-terminal.bin');
    term = TmuxTerminal.start(`sh -c 'sleep 1; exec ${process.execPath} ${CLI} kiosk --home ${home} --scanner keyboard'`, {
      env: { NO_COLOR: '1', TMPDIR: tmp },
      columns: 110,
      rows: 34,
    });
    spawnSync('tmux', ['-L', term.socket, 'pipe-pane', '-o', '-t', term.session, `cat >> ${rawScreen}`]);
    const t = term;

    await t.waitFor('Staff sign-in');
    screen('sign-in');
    await t.type(STAFF.name);
    await t.key('Enter');
    await t.type(STAFF.pin);
    screen('sign-in, PIN typed');
    await t.key('Enter');
    await t.waitFor('What next?');
    screen('menu');

    const firstStep = await handOutInKiosk(t, first, 'grace.hopper@contoso.com', 'hand-out 1');
    // The admin exports while the kiosk runs (another process, the same home).
    const exported = cli('export entra-csv', ['export', '--format', 'entra-csv', '--json'], { as: ADMIN });
    plainExport = (JSON.parse(exported.stdout.toString()) as { filePath: string }).filePath;
    await handOutInKiosk(t, second, 'alan.turing@contoso.com', 'hand-out 2');

    await t.type('s');
    await t.waitFor('Staff sign-in');
    screen('signed out');
    // The employee checks the first token with a fresh code (a code is never accepted twice).
    await t.type('?');
    await t.waitFor('Check your token');
    t.scan(first.serial);
    await t.waitFor('› Code');
    const check = await liveCode(first, firstStep);
    selfCheckCode = check.code;
    await t.type(check.code);
    await sleep(500);
    screen('self-check: code typed, before Enter');
    await t.key('Enter');
    const verdict = await t.waitFor('Press Enter when you are done', 10_000);
    expect(verdict).toContain('Your token works');
    screen('self-check: verdict');
    await t.key('Enter');
    await t.waitFor('Staff sign-in');
    screen('back at sign-in');
    await t.key('C-c');
    await t.waitFor(/\$ $|^$/m, 5000).catch(() => undefined);
    await sleep(500);
    screen('after quitting');
    spawnSync('tmux', ['-L', t.socket, 'pipe-pane', '-t', t.session]);
    t.kill();
    captures.push({ source: 'kiosk terminal: every byte written (pipe-pane)', bytes: readFileSync(rawScreen) });

    // The admin's side: a key pair, an encrypted export, and the read-only commands.
    const keygen = cli('batch keygen', ['batch', 'keygen', '--out', join(dir, 'admin', 'key.txt'), '--json']);
    const recipient = (JSON.parse(keygen.stdout.toString()) as { recipient: string }).recipient;
    cli('export graph-json --encrypt-to', ['export', '--format', 'graph-json', '--encrypt-to', recipient, '--json'], { as: ADMIN });
    cli('export graph-json --encrypt-to (nothing left)', ['export', '--format', 'graph-json', '--encrypt-to', recipient], { as: ADMIN, expectStatus: 1 });
    cli('audit list --json', ['audit', 'list', '--json']);
    cli('audit list', ['audit', 'list']);
    cli('audit verify', ['audit', 'verify', '--json']);
    cli('tokens list --json', ['tokens', 'list', '--json']);
    cli('tokens list', ['tokens', 'list']);
    for (const t2 of [first, second]) {
      cli(`tokens show ${t2.serial} --json`, ['tokens', 'show', t2.serial, '--json']);
      cli(`tokens show ${t2.serial}`, ['tokens', 'show', t2.serial]);
    }
    cli('batch list --json', ['batch', 'list', '--json']);
    cli('batch show', ['batch', 'show', '1']);
    cli('doctor', ['doctor']);
    cli('doctor --json', ['doctor', '--json']);

    // The plain batch is uploaded: the purge takes its seeds out of the database and its file out of HOME/exports.
    plainExportBytes = readFileSync(plainExport);
    cli('batch mark-uploaded 1 --purge-seeds', ['batch', 'mark-uploaded', '1', '--purge-seeds'], { as: ADMIN });
    cli('batch mark-uploaded 1 --purge-seeds --json', ['batch', 'mark-uploaded', '1', '--purge-seeds', '--json'], { as: ADMIN });

    // Files: everything under HOME, the export folder included, and anything left in TMPDIR.
    for (const file of filesUnder(home)) {
      captures.push({ source: `file HOME/${relative(home, file)}`, bytes: readFileSync(file) });
    }
    for (const file of filesUnder(tmp)) captures.push({ source: `file TMPDIR/${relative(tmp, file)}`, bytes: readFileSync(file) });

    // The audit table, raw: every column of every row, blobs in hex.
    const db = new Database(join(home, 'tokendesk.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').all();
      captures.push({ source: 'audit_log rows', bytes: Buffer.from(JSON.stringify(rows, (_k, v) => (Buffer.isBuffer(v) ? v.toString('hex') : v)), 'utf8') });
      for (const row of rows as Array<Record<string, unknown>>) {
        for (const value of Object.values(row)) if (Buffer.isBuffer(value)) captures.push({ source: `audit_log blob seq ${row.seq}`, bytes: value });
      }
    } finally {
      db.close();
    }
  }, 300_000);

  afterAll(() => {
    term?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('captured what it claims: CLI output, kiosk screens and raw terminal bytes, home files, audit rows', () => {
    const sources = captures.map((c) => c.source);
    expect(sources.filter((s) => s.startsWith('kiosk screen:')).length).toBeGreaterThanOrEqual(12);
    expect(sources.filter((s) => s.endsWith(': stdout')).length).toBeGreaterThanOrEqual(18);
    expect(sources).toContain('file HOME/tokendesk.db');
    expect(sources).toContain('file HOME/tokendesk.key');
    expect(sources.some((s) => /^file HOME\/exports\/tokendesk-hq-\d{8}-2\.json\.age$/.test(s))).toBe(true);
    expect(sources.some((s) => /\.manifest\.json$/.test(s))).toBe(true);
    expect(sources).toContain('audit_log rows');
    const text = (source: string) => captures.find((c) => c.source === source)!.bytes.toString('utf8');
    expect(text('kiosk screen: hand-out 1: handed out')).toContain(first.serial);
    expect(text('kiosk terminal: every byte written (pipe-pane)').length).toBeGreaterThan(1000);
    const audit = JSON.parse(text('audit_log rows')) as Array<{ action: string }>;
    expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(['import', 'hand-out', 'self-check', 'export']));
    expect(handOutCodes).toHaveLength(2);
    expect(selfCheckCode).toMatch(/^\d{6}$/);
    // The plain export is gone after the purge (its folder was scanned), and the search does find the seeds it held.
    const scanner = new SeedScanner(seeds);
    expect(plainExport).toMatch(/tokendesk-hq-\d{8}-1\.csv$/);
    expect(existsSync(plainExport)).toBe(false);
    expect(sources.some((s) => /^file HOME\/exports\/tokendesk-hq-\d{8}-1\.manifest\.json$/.test(s))).toBe(true);
    expect(scanner.scan('plain export', plainExportBytes).map((l) => l.secret)).toEqual(
      expect.arrayContaining([`seed of ${first.serial}`]),
    );
  });

  it('no seed in any form, in any capture', () => {
    const scanner = new SeedScanner(seeds);
    const leaks: Leak[] = captures.flatMap((c) => scanner.scan(c.source, c.bytes));
    expect(leaks).toEqual([]);
  });

  it('no code accepted at a hand-out appears as a plain string anywhere (the kiosk shows glyphs only)', () => {
    const found: Array<{ source: string; context: string }> = [];
    for (const c of captures) {
      for (const code of handOutCodes) {
        for (const text of [c.bytes.toString('utf8'), c.bytes.toString('latin1')]) {
          const context = findCode(code, text);
          if (context) found.push({ source: c.source, context });
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('no PIN appears anywhere (the kiosk masks it; the CLI takes it from the environment)', () => {
    const found = captures.filter((c) => [ADMIN.pin, STAFF.pin].some((pin) => findCode(pin, c.bytes.toString('latin1')) !== null)).map((c) => c.source);
    expect(found).toEqual([]);
  });

  // The self-check once showed the typed code as plain text; it now draws large digits like the hand-out.
  it('no code accepted at the self-check appears as a plain string anywhere', () => {
    const found = captures.flatMap((c) => {
      const context = findCode(selfCheckCode, c.bytes.toString('utf8'));
      return context ? [{ source: c.source, context }] : [];
    });
    expect(found).toEqual([]);
  });
});
