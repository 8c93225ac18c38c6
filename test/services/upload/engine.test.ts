import { afterEach, describe, expect, it } from 'vitest';
import { codeAtStep, timeStep } from '../../../src/core/totp.js';
import { GraphClient } from '../../../src/graph/client.js';
import { HardwareOathApi } from '../../../src/graph/hardwareOath.js';
import { UploadEngine, type UploadCounts } from '../../../src/services/upload/engine.js';
import { SecretWatch } from '../../support/secretLeaks.js';
import { seededRandom, type FaultKind } from '../../graph/faults.js';
import { FakeGraph } from '../../graph/fakeGraph.js';
import { startHarness, type Harness } from '../../graph/harness.js';
import { handOut, Killed, KillSwitch, MemoryLedger, type PlannedHandOut } from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  if (h) expect(h.graph.violations).toEqual([]);
  await h?.graph.stop();
  h = undefined;
});

function engineOn(harness: Harness, ledger: MemoryLedger, extra: Partial<ConstructorParameters<typeof UploadEngine>[0]> = {}) {
  return new UploadEngine({ api: harness.api, ledger, ...extra });
}

/** The tenant holds each hand-out once, with the right person, activated under the desk's name. */
function expectUploaded(graph: FakeGraph, handOuts: readonly PlannedHandOut[], ledger: MemoryLedger): void {
  for (const h of handOuts) {
    const devices = graph.devicesBySerial(h.serial);
    expect(devices, h.serial).toHaveLength(1);
    const [device] = devices;
    const holder = [...graph.users.values()].find((u) => u.upn === h.upn)!;
    expect(device!.holderId, h.serial).toBe(holder.id);
    expect(device!.status, h.serial).toBe('activated');
    expect(device!.displayName).toBe(h.displayName);
    expect(ledger.rows.get(h.serial)).toMatchObject({ stage: 'activated', deviceId: device!.id, userId: holder.id });
  }
  expect(graph.devices.size).toBe(handOuts.length);
}

describe('upload engine', () => {
  it('creates, assigns and activates every hand-out, one device each, with progress counts', async () => {
    h = await startHarness();
    const handOuts: PlannedHandOut[] = [];
    for (let u = 0; u < 6; u++) {
      h.graph.addUser(`user${u}@contoso.test`);
      for (let t = 0; t < 3; t++) handOuts.push(handOut(`00${u}${t}42`, `user${u}@contoso.test`));
    }
    const ledger = new MemoryLedger();
    const progress: UploadCounts[] = [];
    const result = await engineOn(h, ledger, { onProgress: (c) => progress.push(c) }).run(handOuts);

    expect(result.status).toBe('uploaded');
    expect(result.counts).toEqual({ total: 18, done: 18, failed: 0, left: 0 });
    expect(result.tokens.every((t) => t.outcome === 'activated')).toBe(true);
    expectUploaded(h.graph, handOuts, ledger);
    expect(progress[0]).toEqual({ total: 18, done: 0, failed: 0, left: 18 });
    expect(progress.at(-1)).toEqual({ total: 18, done: 18, failed: 0, left: 0 });
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((a, b) => a - b));

    // A second run sends nothing that changes the tenant.
    const before = h.graph.requests.length;
    const again = await engineOn(h, ledger).run(handOuts);
    expect(again.tokens.every((t) => t.outcome === 'already-done')).toBe(true);
    expect(h.graph.requests.length).toBe(before);
  });

  it('activates with the code the token shows now: its seed at the offset measured at the desk', async () => {
    h = await startHarness();
    h.graph.addUser('fast@contoso.test');
    const token = handOut('0099', 'fast@contoso.test', { offsetSteps: 2 });
    const now = Date.now();
    await engineOn(h, new MemoryLedger(), { now: () => now }).run([token]);
    const activation = h.graph.requests.find((r) => r.url.endsWith('/activate'))!;
    const sent = JSON.parse(activation.body) as { verificationCode: string; displayName: string };
    expect(sent.verificationCode).toBe(codeAtStep({ secret: token.secret, algorithm: 'SHA1', digits: 6, period: 30 }, timeStep(now, 30) + 2));
    expect(sent.displayName).toBe(token.displayName);
  });

  it('reports a token Entra will not activate (drift beyond its window) as failed, with what to do', async () => {
    h = await startHarness({ graph: { activationWindowSteps: 2 } });
    h.graph.addUser('drift@contoso.test');
    const ledger = new MemoryLedger();
    const result = await engineOn(h, ledger, { now: () => Date.now() + 3 * 30_000 }).run([handOut('0100', 'drift@contoso.test')]);
    expect(result.status).toBe('partly uploaded');
    expect(result.tokens[0]).toMatchObject({ outcome: 'failed', code: 'graph-code-rejected' });
    expect(result.tokens[0]!.reason).toMatch(/My Security Info/);
    expect(ledger.rows.get('0100')).toMatchObject({ stage: 'failed', deviceId: h.graph.devicesBySerial('0100')[0]!.id });
  });

  it('adopts serials already in the tenant, and reports (never moves) one held by somebody else', async () => {
    h = await startHarness();
    const ana = h.graph.addUser('ana@contoso.test');
    const bob = h.graph.addUser('bob@contoso.test');
    const free = handOut('A-1', 'ana@contoso.test');
    const mine = handOut('A-2', 'ana@contoso.test');
    const theirs = handOut('A-3', 'ana@contoso.test');
    const { encodeBase32 } = await import('../../../src/core/secretCodec.js');
    h.graph.addDevice({ serialNumber: 'A-1', secretKey: encodeBase32(free.secret) });
    h.graph.addDevice({ serialNumber: 'A-2', secretKey: encodeBase32(mine.secret), holderId: ana.id, status: 'assigned' });
    h.graph.addDevice({ serialNumber: 'A-3', secretKey: encodeBase32(theirs.secret), holderId: bob.id, status: 'activated' });

    const ledger = new MemoryLedger();
    const result = await engineOn(h, ledger).run([free, mine, theirs]);
    expect(result.status).toBe('partly uploaded');
    expect(result.counts).toEqual({ total: 3, done: 2, failed: 1, left: 0 });
    expect(result.tokens.find((t) => t.serial === 'A-3')).toMatchObject({ outcome: 'failed', code: 'graph-held-by-someone-else' });
    expect(result.tokens.find((t) => t.serial === 'A-3')!.reason).toContain('bob');
    expect(h.graph.devicesBySerial('A-3')[0]!.holderId).toBe(bob.id);
    for (const serial of ['A-1', 'A-2']) expect(h.graph.devicesBySerial(serial)[0]).toMatchObject({ holderId: ana.id, status: 'activated' });
    expect(h.graph.requests.some((r) => r.url.endsWith('/assignAndActivate'))).toBe(true);
    expect(h.graph.devices.size).toBe(3);
  });

  it('keeps to Entra\'s five OATH methods per person and says what to do', async () => {
    h = await startHarness();
    h.graph.addUser('full@contoso.test', 'Full', 4);
    const result = await engineOn(h, new MemoryLedger()).run([handOut('L1', 'full@contoso.test'), handOut('L2', 'full@contoso.test')]);
    expect(result.tokens.map((t) => t.outcome)).toEqual(['activated', 'failed']);
    expect(result.tokens[1]).toMatchObject({ code: 'graph-method-limit' });
    expect(result.tokens[1]!.reason).toMatch(/already has 5 OATH sign-in methods.*remove one/);
    expect(h.graph.devicesBySerial('L2')).toHaveLength(0);
  });

  it('fails a token whose employee has no account, naming the UPN', async () => {
    h = await startHarness();
    const result = await engineOn(h, new MemoryLedger()).run([handOut('N1', 'gone@contoso.test')]);
    expect(result.tokens[0]).toMatchObject({ outcome: 'failed', code: 'graph-not-found' });
    expect(result.tokens[0]!.reason).toContain('gone@contoso.test');
  });

  it('refuses tokens Entra cannot take before sending anything', async () => {
    h = await startHarness();
    h.graph.addUser('x@contoso.test');
    const result = await engineOn(h, new MemoryLedger()).run([handOut('U1', 'x@contoso.test', { algorithm: 'SHA512' }), handOut('U2', 'x@contoso.test', { digits: 8 })]);
    expect(result.tokens.map((t) => t.code)).toEqual(['graph-unsupported-token', 'graph-unsupported-token']);
    expect(h.graph.requests).toHaveLength(0);
  });

  it('stops the whole run on a missing permission, leaving every token for the next run', async () => {
    h = await startHarness();
    h.graph.addUser('p@contoso.test');
    h.graph.denied.add('devices');
    const ledger = new MemoryLedger();
    const tokens = [handOut('P1', 'p@contoso.test'), handOut('P2', 'p@contoso.test'), handOut('P3', 'p@contoso.test')];
    const result = await engineOn(h, ledger, { concurrency: 1 }).run(tokens);
    expect(result.stoppedBy?.code).toBe('graph-permission-missing');
    expect(result.stoppedBy?.message).toContain('Authentication Policy Administrator');
    expect(result.counts).toEqual({ total: 3, done: 0, failed: 0, left: 3 });
    expect([...ledger.rows.values()].some((r) => r.stage === 'failed')).toBe(false);
    expect(h.graph.requests.filter((r) => r.method === 'POST')).toHaveLength(1);

    h.graph.denied.clear();
    expect((await engineOn(h, ledger).run(tokens)).status).toBe('uploaded');
    expectUploaded(h.graph, tokens, ledger);
  });

  it('a create whose answer was lost is looked up, not sent again', async () => {
    h = await startHarness();
    h.graph.addUser('cut@contoso.test');
    h.graph.faults.script({ kind: 'cut-after', method: 'POST', path: /hardwareOathDevices$/ }, { kind: 'cut-after', method: 'POST', path: /activate$/ });
    const ledger = new MemoryLedger();
    const tokens = [handOut('K1', 'cut@contoso.test')];
    const result = await engineOn(h, ledger).run(tokens);
    expect(result.status).toBe('uploaded');
    expectUploaded(h.graph, tokens, ledger);
    expect(h.graph.requests.filter((r) => r.method === 'POST' && r.url.endsWith('hardwareOathDevices'))).toHaveLength(1);
    expect(h.graph.requests.filter((r) => r.url.endsWith('/activate'))).toHaveLength(1);
  });

  it('--unassigned creates devices without a holder and activates nothing', async () => {
    h = await startHarness();
    const tokens = [handOut('S1', ''), handOut('S2', '')];
    const ledger = new MemoryLedger();
    const result = await engineOn(h, ledger, { mode: 'unassigned' }).run(tokens);
    expect(result.status).toBe('uploaded');
    expect(result.tokens.map((t) => t.outcome)).toEqual(['staged', 'staged']);
    for (const t of tokens) expect(h.graph.devicesBySerial(t.serial)[0]).toMatchObject({ holderId: null, status: 'available' });
    expect(h.graph.requests.some((r) => r.url.includes('/users'))).toBe(false);
    expect(ledger.rows.get('S1')!.stage).toBe('staged');
  });
});

describe('upload engine under random faults and kills', () => {
  const TOKENS = Number(process.env['TOKENDESK_UPLOAD_SOAK'] ?? 300);
  const KILLS = Math.max(3, Math.round(TOKENS / 50));
  const SEED = Number(process.env['TOKENDESK_UPLOAD_SEED'] ?? 20261202);

  it(`${TOKENS} tokens, random 429/5xx/cuts and ${KILLS} kills at random await points: 0 duplicates, 0 lost, tenant = ledger`, async () => {
    // A tenant that would take a serial twice: only the engine's own look-ups keep it exactly-once.
    const graph = await new FakeGraph({ pageSize: 50, uniqueSerials: false }).start();
    try {
      const random = seededRandom(SEED);
      const handOuts: PlannedHandOut[] = [];
      for (let i = 0; handOuts.length < TOKENS; i++) {
        const upn = `emp${i}@contoso.test`;
        graph.addUser(upn);
        const count = 1 + Math.floor(random() * 3);
        for (let t = 0; t < count && handOuts.length < TOKENS; t++) handOuts.push(handOut(`${String(handOuts.length).padStart(6, '0')}`, upn));
      }
      const kinds: FaultKind[] = ['throttle', 'unavailable', 'server-error', 'bad-gateway', 'gateway-timeout', 'cut-before', 'cut-after'];
      graph.faults.randomly({ seed: SEED, rate: 0.08, kinds, retryAfterSeconds: 1 });

      const ledger = new MemoryLedger();
      const events: string[] = [];
      let kills = 0;
      let runs = 0;
      let last;
      const opsPerToken = 10;
      while (runs < KILLS + 20) {
        runs++;
        const token = graph.issueToken();
        const killAfter = kills < KILLS ? 1 + Math.floor(random() * ((2 * TOKENS * opsPerToken) / KILLS)) : Number.POSITIVE_INFINITY;
        const kill = new KillSwitch(killAfter, SEED + runs);
        const client = new GraphClient({
          graphUrl: graph.url,
          tokens: { token: async () => token, advice: 'sign in again' },
          fetch: kill.fetch(),
          // Retry-After is honoured, scaled from seconds to milliseconds to keep the test short.
          sleep: (ms) => new Promise((r) => setTimeout(r, Math.ceil(ms / 1000))),
          backoffBaseMs: 1,
          maxAttempts: 4,
          onEvent: (e) => events.push(JSON.stringify(e)),
        });
        const engine = new UploadEngine({ api: new HardwareOathApi(client), ledger: kill.ledger(ledger), concurrency: 4 });
        try {
          last = await engine.run(handOuts);
        } catch (error) {
          if (!(error instanceof Killed)) throw error;
          kills++;
          continue;
        }
        if (last.status === 'uploaded') break;
      }

      const injected = Object.fromEntries(graph.faults.injected);
      console.log(`upload soak: ${TOKENS} tokens, ${runs} runs, ${kills} kills, ${graph.requests.length} requests, faults ${JSON.stringify(injected)}`);
      expect(kills).toBe(KILLS);
      expect(last?.status).toBe('uploaded');
      expect([...graph.faults.injected.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(TOKENS / 10);
      expectUploaded(graph, handOuts, ledger);
      expect(graph.violations).toEqual([]);

      // No seed in any request but a device create, nor in any log line.
      const watch = new SecretWatch(handOuts.map((t) => t.secret));
      const leaks = graph.requests.filter((r) => !(r.method === 'POST' && r.url.endsWith('/hardwareOathDevices')) && watch.leakIn(`${r.url} ${r.body} ${JSON.stringify(r.headers)}`));
      expect(leaks).toEqual([]);
      expect(events.filter((line) => watch.leakIn(line))).toEqual([]);
      const codes = graph.requests.filter((r) => r.url.endsWith('/activate') || r.url.endsWith('/assignAndActivate')).map((r) => (JSON.parse(r.body) as { verificationCode: string }).verificationCode);
      // A code as a number of its own: the same six digits inside an id (a UUID's hex) are not a code.
      expect(events.filter((line) => codes.some((c) => new RegExp(`(?<![0-9A-Za-z])${c}(?![0-9A-Za-z])`).test(line)))).toEqual([]);
    } finally {
      await graph.stop();
    }
  }, Math.max(60_000, TOKENS * 200));
});
