/**
 * The real `tokendesk upload` (dist/src/cli.js) against the test Graph server, with faults injected
 * at random (429, 503, 5xx, connections cut before or after the change) and the process SIGKILLed
 * at random points: as a request arrives, right after its answer went out, or at a random moment.
 * It is started again until the batch is uploaded; then the tenant must equal the desk's ledger,
 * with no token twice and none lost, and no seed in any request but a create, nor in any output.
 *
 * Default: 100 tokens, 5 kills. TOKENDESK_GRAPH_SOAK=1: 1,000 tokens, 20 kills (the issue's figure).
 * TOKENDESK_GRAPH_SOAK_SEED replays a run.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/services/auditTrail.js';
import { FakeGraph } from '../graph/fakeGraph.js';
import { seededRandom, type FaultKind } from '../graph/faults.js';
import { SecretWatch } from '../support/secretLeaks.js';
import { tempDir } from '../support/home.js';
import { CLI } from '../support/cli.js';
import { addPeople, exportGraphBatch, uploadDesk } from '../services/upload/deskSupport.js';

const FULL = process.env['TOKENDESK_GRAPH_SOAK'] === '1';
const TOKENS = FULL ? 1000 : 100;
const KILLS = FULL ? 20 : 5;
const SEED = Number(process.env['TOKENDESK_GRAPH_SOAK_SEED'] ?? 20261214);
const TENANT = 'contoso.onmicrosoft.com';

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

describe('tokendesk upload, killed and restarted', () => {
  it(`${TOKENS} tokens under random faults and ${KILLS} SIGKILLs: 0 duplicates, 0 lost, tenant = ledger (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    // A tenant that would take a serial twice: only tokendesk's own look-ups keep it exactly-once.
    const graph = await new FakeGraph({ uniqueSerials: false, pageSize: 50 }).start();
    try {
      const d = await uploadDesk({ count: TOKENS, people: Math.ceil(TOKENS / 2) });
      addPeople(graph, d.holders);
      const batch = exportGraphBatch(d.inventory);
      const tokenFile = join(tempDir(), 'token.txt');
      writeFileSync(tokenFile, graph.issueToken());
      const kinds: FaultKind[] = ['throttle', 'unavailable', 'server-error', 'bad-gateway', 'gateway-timeout', 'cut-before', 'cut-after'];
      graph.faults.randomly({ seed: SEED, rate: 0.05, kinds, retryAfterSeconds: 0 });

      const activated = d.inventory.sqlite.prepare("SELECT count(*) AS n FROM graph_uploads WHERE stage = 'activated'");
      const runs: ChildRun[] = [];
      const killedAt: string[] = [];
      let finished: ChildRun | undefined;
      while (!finished && runs.length < 2 * KILLS + 30) {
        const killsLeft = KILLS - killedAt.length;
        const child = spawn(process.execPath, [CLI, 'upload', batch, '--tenant', TENANT, '--graph-url', graph.url, '--access-token-file', tokenFile, '--home', d.inventory.paths.dir, '--json', '--verbose'], {
          env: { ...process.env, NO_COLOR: '1', TOKENDESK_AS: undefined, TOKENDESK_PIN: undefined },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const kill = (where: string) => {
          if (child.exitCode !== null || child.signalCode !== null || child.killed) return;
          child.kill('SIGKILL');
          killedAt.push(where);
        };
        let timer: NodeJS.Timeout | undefined;
        if (killsLeft > 0) {
          // Somewhere in this run's share of the work left (about 3 requests per token), so every kill lands before the end.
          const left = TOKENS - (activated.get() as { n: number }).n;
          const how = random();
          const nth = graph.requests.length + 1 + Math.floor(random() * Math.max(1, (3 * left) / (killsLeft + 1)));
          if (how < 0.4) graph.onRequest = (_r, index) => index === nth && kill(`as request ${index} arrived`);
          else if (how < 0.8) graph.onAnswer = (_r, index) => index === nth && kill(`after answer ${index}`);
          else {
            const ms = 300 + Math.floor(random() * 700);
            timer = setTimeout(() => kill(`${ms} ms after start`), ms);
          }
        }
        const watchdog = setTimeout(() => child.kill('SIGKILL'), 120_000);
        const run = await new Promise<ChildRun>((resolve) => {
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
        });
        clearTimeout(watchdog);
        clearTimeout(timer);
        graph.onRequest = graph.onAnswer = undefined;
        runs.push(run);
        if (run.signal === 'SIGKILL') continue;
        expect(run.signal, run.stderr).toBeNull();
        const report = JSON.parse(run.stdout) as { ok?: boolean; status?: string; error?: unknown };
        expect(report.error, run.stderr).toBeUndefined();
        if (run.code === 0 && report.status === 'uploaded') finished = run;
        else expect(run.code).toBe(1);
      }

      console.log(
        `upload kill soak (seed ${SEED}): ${TOKENS} tokens, ${runs.length} runs, ${killedAt.length} kills (${killedAt.join('; ')}), ` +
          `${graph.requests.length} requests, faults ${JSON.stringify(Object.fromEntries(graph.faults.injected))}`,
      );
      expect(finished, 'the batch was uploaded in the end').toBeDefined();
      expect(killedAt).toHaveLength(KILLS);
      expect([...graph.faults.injected.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(TOKENS / 20);
      expect(graph.violations).toEqual([]);

      // The tenant equals the ledger: every serial once, with its holder, activated; nothing else.
      const { sqlite } = d.inventory;
      const rows = sqlite.prepare('SELECT serial, stage, user_id, device_id FROM graph_uploads WHERE tenant = ? ORDER BY serial').all(TENANT) as Array<{ serial: string; stage: string; user_id: string; device_id: string }>;
      expect(rows).toHaveLength(TOKENS);
      expect(graph.devices.size).toBe(TOKENS);
      for (const row of rows) {
        const devices = graph.devicesBySerial(row.serial);
        expect(devices, `${row.serial} in the tenant once`).toHaveLength(1);
        const holder = [...graph.users.values()].find((u) => u.upn === d.holders.get(row.serial))!;
        expect(devices[0]).toMatchObject({ id: row.device_id, holderId: holder.id, status: 'activated' });
        expect(row).toMatchObject({ stage: 'activated', user_id: holder.id });
      }
      expect(sqlite.prepare("SELECT count(*) AS n FROM tokens WHERE status = 'uploaded'").get()).toEqual({ n: TOKENS });
      expect(sqlite.prepare('SELECT status FROM batches WHERE name = ?').get(batch)).toEqual({ status: 'uploaded' });
      expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(verifyAudit(d.inventory).ok).toBe(true);

      // No seed in any request but a create, nor in anything the processes printed; no code in their output.
      const watch = new SecretWatch(d.tokens.map((t) => t.secret));
      const isCreate = (r: { method: string; url: string }) => r.method === 'POST' && r.url.endsWith('/hardwareOathDevices');
      expect(graph.requests.filter((r) => !isCreate(r) && watch.leakIn(`${r.url} ${r.body} ${JSON.stringify(r.headers)}`))).toEqual([]);
      const output = runs.map((r) => `${r.stdout}\n${r.stderr}`).join('\n');
      expect(watch.leakIn(output)).toBeNull();
      expect(output).toContain('graph: POST /beta/directory/authenticationMethodDevices/hardwareOathDevices');
      const codes = new Set(
        graph.requests.filter((r) => /\/(activate|assignAndActivate)$/.test(r.url) && r.body !== '').map((r) => (JSON.parse(r.body) as { verificationCode: string }).verificationCode),
      );
      expect(codes.size).toBeGreaterThan(0);
      expect([...output.matchAll(/\b\d{6}\b/g)].map((m) => m[0]).filter((word) => codes.has(word))).toEqual([]);
    } finally {
      await graph.stop();
    }
  }, FULL ? 1_800_000 : 300_000);
});
