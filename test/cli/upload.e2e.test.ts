/**
 * `tokendesk upload` and `tokendesk reconcile` as an admin runs them: the built CLI against the
 * test Graph server (in this process, so the children are started without blocking it).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeGraph } from '../graph/fakeGraph.js';
import { CLI, tokendesk } from '../support/cli.js';
import { tempDir } from '../support/home.js';
import { TmuxTerminal, tmuxAvailable } from '../support/tmux.js';
import { addPeople, exportGraphBatch, uploadDesk } from '../services/upload/deskSupport.js';

const TENANT = 'contoso.onmicrosoft.com';

let graph: FakeGraph | undefined;
afterEach(async () => {
  if (graph) expect(graph.violations).toEqual([]);
  await graph?.stop();
  graph = undefined;
});

function run(args: string[], home: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args, '--home', home], {
    env: { ...process.env, NO_COLOR: '1', TOKENDESK_AS: undefined, TOKENDESK_PIN: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

async function setUp(count: number) {
  const g = (graph = await new FakeGraph().start());
  const d = await uploadDesk({ count, people: count });
  addPeople(g, d.holders);
  const tokenFile = join(tempDir(), 'token.txt');
  writeFileSync(tokenFile, `${g.issueToken()}\n`);
  const signIn = ['--tenant', TENANT, '--graph-url', g.url, '--access-token-file', tokenFile];
  return { g, d, signIn, home: d.inventory.paths.dir };
}

describe('tokendesk upload and reconcile (CLI)', () => {
  it('usage errors exit 2 with one line, before anything is opened or sent', () => {
    const home = tempDir();
    const cases: Array<[string[], RegExp]> = [
      [['upload'], /--tenant T is required/],
      [['upload', '--tenant', 'contoso.test'], /say how to sign in to Microsoft Graph: --client-id ID/],
      [['upload', '--tenant', 'contoso.test', '--access-token-file', 'f', '--client-id', 'c'], /leave out --client-id/],
      [['upload', '--tenant', 'contoso.test', '--client-id', 'c', '--certificate', 'a.pem'], /both --certificate FILE and --private-key FILE/],
      [['upload', '--tenant', 'contoso.test', '--access-token-file', 'f', '--graph-url', 'http://graph.example.com/beta'], /must start with https:\/\//],
      [['upload', '--tenant', 'not a tenant', '--access-token-file', 'f'], /--tenant must be the tenant's id or domain/],
      [['reconcile'], /needs --tenant T .* or --from FILE/],
      [['reconcile', '--from', 'x.json', '--fix'], /--fix changes the tenant/],
    ];
    for (const [args, message] of cases) {
      const result = tokendesk(args, { home });
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
  });

  it('uploads a batch, reports each token, and a second run sends nothing new', async () => {
    const { g, d, signIn, home } = await setUp(3);
    const batch = exportGraphBatch(d.inventory);
    const first = await run(['upload', batch, ...signIn], home);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Upload to ${TENANT} (batch ${batch}): 3 of 3 token(s) activated.`);
    for (const t of d.tokens) expect(first.stdout).toMatch(new RegExp(`${t.serial}\\s+emp\\d@contoso.test\\s+activated`));
    expect(first.stdout).toContain(`Batch ${batch} is uploaded.`);
    // Not a terminal: no progress bar, nothing on stderr but notes.
    expect(first.stderr).not.toContain('[#');

    const writes = g.requests.filter((r) => r.method !== 'GET').length;
    const again = await run(['upload', batch, ...signIn, '--json'], home);
    expect(again.status).toBe(0);
    const report = JSON.parse(again.stdout) as { ok: boolean; status: string; tokens: Array<{ outcome: string }> };
    expect(report).toMatchObject({ ok: true, status: 'uploaded' });
    expect(report.tokens.map((t) => t.outcome)).toEqual(['already-done', 'already-done', 'already-done']);
    expect(g.requests.filter((r) => r.method !== 'GET').length).toBe(writes);
  });

  it('exits 1 with what is left and what to do: an unknown employee, then a missing permission', async () => {
    const { g, d, signIn, home } = await setUp(2);
    const gone = [...g.users.values()].find((u) => u.upn === d.holders.get(d.tokens[1]!.serial))!;
    g.deleteUser(gone.id);
    const partly = await run(['upload', ...signIn], home);
    expect(partly.status).toBe(1);
    expect(partly.stdout).toContain('1 of 2 token(s) activated, 1 failed.');
    expect(partly.stdout).toContain(`There is no account ${gone.upn} in the tenant`);
    expect(partly.stdout).toContain('Run the same command again to finish');

    g.addUser(gone.upn);
    g.denied.add('users');
    const denied = await run(['upload', ...signIn, '--json'], home);
    expect(denied.status).toBe(1);
    const report = JSON.parse(denied.stdout) as { ok: boolean; stoppedBy: { code: string; message: string }; counts: { left: number } };
    expect(report.ok).toBe(false);
    expect(report.counts.left).toBe(1);
    expect(report.stoppedBy.code).toBe('graph-permission-missing');
    expect(report.stoppedBy.message).toMatch(/UserAuthenticationMethod\.ReadWrite\.All.*Authentication Administrator/);
  });

  it('reconcile prints the differences and the plan; --fix runs the safe part; --from reads a saved list', async () => {
    const { g, signIn, home } = await setUp(2);
    expect((await run(['upload', ...signIn], home)).status).toBe(0);
    const [first] = [...g.devices.values()];
    Object.assign(first!, { status: 'assigned', lastAcceptedStep: null });
    g.addDevice({ serialNumber: 'STRAY-1', secretKey: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });

    const looked = await run(['reconcile', ...signIn], home);
    expect(looked.status, looked.stderr).toBe(0);
    expect(looked.stdout).toContain('2 difference(s):');
    expect(looked.stdout).toMatch(/not-activated\s+\S+\s+token \S+ is assigned to emp\d@contoso.test but not activated/);
    expect(looked.stdout).toMatch(/\[safe\]\s+activate/);
    expect(looked.stdout).toMatch(/\[person\]\s+review\s+STRAY-1/);
    expect(looked.stdout).toContain('1 step(s) are safe to run');

    const fixed = await run(['reconcile', ...signIn, '--fix', '--json'], home);
    expect(fixed.status, fixed.stdout + fixed.stderr).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ ok: true, fixes: [{ action: 'activate', outcome: 'done' }] });
    expect(first!.status).toBe('activated');

    const file = join(tempDir(), 'devices.json');
    writeFileSync(file, JSON.stringify({ value: [...g.devices.values()].map((dev) => ({ id: dev.id, serialNumber: dev.serialNumber, status: dev.status, assignedTo: dev.holderId ? { id: dev.holderId } : null })) }));
    const fromFile = tokendesk(['reconcile', '--from', file], { home });
    expect(fromFile.status, fromFile.stderr).toBe(0);
    expect(fromFile.stdout).toContain(`the file ${file}: 3 hardware token(s); the desk's ledger for ${TENANT}: 2.`);
    expect(fromFile.stdout).toMatch(/in-tenant-not-in-ledger\s+STRAY-1/);
  });

  it.skipIf(!tmuxAvailable)('on a terminal: a progress bar with counts on stderr, then the report', async () => {
    const { signIn, home } = await setUp(3);
    const quoted = [process.execPath, CLI, 'upload', ...signIn, '--home', home].map((a) => `'${a}'`).join(' ');
    const terminal = TmuxTerminal.start(quoted, { env: { NO_COLOR: '1' } });
    try {
      expect(await terminal.exitStatus(30_000)).toBe(0);
      const screen = terminal.screen();
      expect(screen).toContain(`[${'#'.repeat(30)}] 3/3 done, 0 failed, 0 left`);
      expect(screen).toContain('3 of 3 token(s) activated.');
    } finally {
      terminal.kill();
    }
  });
});
