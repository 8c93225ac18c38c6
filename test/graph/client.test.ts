import { afterEach, describe, expect, it } from 'vitest';
import { GraphClient, normaliseGraphUrl, parseRetryAfter } from '../../src/graph/client.js';
import { GraphRefusal } from '../../src/graph/errors.js';
import { HardwareOathApi } from '../../src/graph/hardwareOath.js';
import { codeAtStep, timeStep } from '../../src/core/totp.js';
import { deviceBody, newSeed, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  if (h) expect(h.graph.violations).toEqual([]);
  await h?.graph.stop();
  h = undefined;
});

async function refusalOf(promise: Promise<unknown>): Promise<GraphRefusal> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(GraphRefusal);
  return error as GraphRefusal;
}

describe('GraphClient paging', () => {
  for (const listShape of ['wrapped', 'flat'] as const) {
    it(`follows @odata.nextLink to the last page (${listShape} lists)`, async () => {
      h = await startHarness({ graph: { pageSize: 5, listShape } });
      for (let i = 0; i < 23; i++) h.graph.addDevice({ serialNumber: `S${String(i).padStart(3, '0')}`, secretKey: newSeed().base32 });
      const devices = await h.api.listDevices();
      expect(devices.map((d) => d.serialNumber).sort()).toEqual(Array.from({ length: 23 }, (_, i) => `S${String(i).padStart(3, '0')}`));
      expect(h.graph.requests.filter((r) => r.method === 'GET')).toHaveLength(5);
    });
  }

  it('never sends the token to a next-page link on another host', async () => {
    const asked: string[] = [];
    const client = new GraphClient({
      graphUrl: 'https://graph.example.test/beta',
      tokens: { token: async () => 't', advice: 'x' },
      fetch: async (url) => {
        asked.push(String(url));
        return new Response(JSON.stringify({ value: [], '@odata.nextLink': 'https://evil.example.test/beta/next' }), { status: 200 });
      },
    });
    const refusal = await refusalOf(new HardwareOathApi(client).listDevices());
    expect(refusal.message).toContain('another host');
    expect(asked).toEqual(['https://graph.example.test/beta/directory/authenticationMethodDevices/hardwareOathDevices']);
  });

  it('finds a device by a serial holding a quote and leading zeros', async () => {
    h = await startHarness();
    h.graph.addDevice({ serialNumber: "00O'Neil 7", secretKey: newSeed().base32 });
    h.graph.addDevice({ serialNumber: '007', secretKey: newSeed().base32 });
    const found = await h.api.findDevicesBySerial("00O'Neil 7");
    expect(found.map((d) => d.serialNumber)).toEqual(["00O'Neil 7"]);
    expect(decodeURIComponent(h.graph.requests.at(-1)!.url)).toContain("$filter=serialNumber eq '00O''Neil 7'");
  });
});

describe('GraphClient retries', () => {
  it('waits what Retry-After says on 429, then succeeds', async () => {
    h = await startHarness();
    h.graph.faults.script({ kind: 'throttle', method: 'GET', retryAfterSeconds: 7 });
    h.graph.addUser('ana@contoso.test');
    const user = await h.api.getUser('ana@contoso.test');
    expect(user.userPrincipalName).toBe('ana@contoso.test');
    expect(h.sleeps).toEqual([7000]);
    expect(h.graph.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(parseRetryAfter(null, 0)).toBeNull();
    expect(parseRetryAfter('soon', 0)).toBeNull();
  });

  it('retries a POST after 503 (not processed) and creates the device once', async () => {
    h = await startHarness();
    h.graph.faults.script({ kind: 'unavailable', method: 'POST', retryAfterSeconds: 2 }, { kind: 'throttle', method: 'POST', nth: 2, retryAfterSeconds: 1 });
    const device = await h.api.createDevice(deviceBody('A1', newSeed().base32));
    expect(device.serialNumber).toBe('A1');
    expect(h.graph.devicesBySerial('A1')).toHaveLength(1);
    expect(h.sleeps).toEqual([2000, 1000]);
  });

  it('backs off exponentially with jitter when a GET meets 500s without Retry-After', async () => {
    h = await startHarness({ client: { backoffBaseMs: 100, random: () => 0.5 } });
    h.graph.faults.script({ kind: 'server-error', method: 'GET', times: 3 });
    h.graph.addUser('bo@contoso.test');
    await h.api.getUser('bo@contoso.test');
    expect(h.sleeps).toEqual([50, 100, 200]);
  });

  it('does not retry a POST after a 500: the change may have happened, so the caller must look', async () => {
    h = await startHarness();
    h.graph.faults.script({ kind: 'server-error', method: 'POST' });
    const refusal = await refusalOf(h.api.createDevice(deviceBody('B1', newSeed().base32)));
    expect(refusal.kind).toBe('uncertain');
    expect(h.graph.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('reports a connection cut after the server applied a POST as uncertain, and the device is there', async () => {
    h = await startHarness();
    h.graph.faults.script({ kind: 'cut-after', method: 'POST' });
    const refusal = await refusalOf(h.api.createDevice(deviceBody('C1', newSeed().base32)));
    expect(refusal.kind).toBe('uncertain');
    expect(refusal.message).toContain('not known whether the change was made');
    expect(h.graph.devicesBySerial('C1')).toHaveLength(1);
  });

  it('retries a GET whose connection was cut, before or after the server answered', async () => {
    h = await startHarness();
    h.graph.faults.script({ kind: 'cut-before', method: 'GET' }, { kind: 'cut-after', method: 'GET', nth: 2 });
    h.graph.addUser('cy@contoso.test');
    expect((await h.api.getUser('cy@contoso.test')).userPrincipalName).toBe('cy@contoso.test');
    expect(h.graph.requests.map((r) => r.status)).toEqual(['cut', 'cut', 200]);
  });

  it('gives up after the last try with a refusal that says to run again', async () => {
    h = await startHarness({ client: { maxAttempts: 3 } });
    h.graph.faults.script({ kind: 'throttle', method: 'GET', times: 10, retryAfterSeconds: 1 });
    const refusal = await refusalOf(h.api.getUser('x@contoso.test'));
    expect(refusal.code).toBe('graph-throttled');
    expect(refusal.message).toMatch(/run the same command again/);
  });

  it('retries a GET that timed out, but not a POST', async () => {
    let calls = 0;
    const hanging = (async (_url: string | URL | Request, init?: RequestInit) => {
      calls++;
      return new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    }) as typeof fetch;
    const client = new GraphClient({ graphUrl: 'https://graph.example.test/beta', tokens: { token: async () => 't', advice: 'x' }, fetch: hanging, timeoutMs: 20, maxAttempts: 2, sleep: async () => {} });
    const api = new HardwareOathApi(client);
    expect((await refusalOf(api.getUser('a@b.test'))).kind).toBe('uncertain');
    expect(calls).toBe(2);
    calls = 0;
    expect((await refusalOf(api.createDevice(deviceBody('T1', newSeed().base32)))).kind).toBe('uncertain');
    expect(calls).toBe(1);
  });

  it('retries a request that could not connect at all, even a POST', async () => {
    let calls = 0;
    const refused = (async () => {
      calls++;
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    }) as typeof fetch;
    const client = new GraphClient({ graphUrl: 'https://graph.example.test/beta', tokens: { token: async () => 't', advice: 'x' }, fetch: refused, maxAttempts: 3, sleep: async () => {} });
    const refusal = await refusalOf(new HardwareOathApi(client).createDevice(deviceBody('R1', newSeed().base32)));
    expect(refusal.code).toBe('graph-unreachable');
    expect(refusal.message).toContain('--graph-url');
    expect(calls).toBe(3);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    h = await startHarness();
    let inFlight = 0;
    let most = 0;
    const counting = (async (url: string | URL | Request, init?: RequestInit) => {
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        await new Promise((r) => setTimeout(r, 5));
        return await fetch(url, init);
      } finally {
        inFlight--;
      }
    }) as typeof fetch;
    const token = h.graph.issueToken();
    const api = new HardwareOathApi(new GraphClient({ graphUrl: h.graph.url, tokens: { token: async () => token, advice: 'x' }, fetch: counting, concurrency: 3 }));
    const users = Array.from({ length: 12 }, (_, i) => h!.graph.addUser(`p${i}@contoso.test`));
    await Promise.all(users.map((u) => api.getUser(u.upn)));
    expect(most).toBe(3);
  });
});

describe('GraphClient refusals a person can act on', () => {
  it('401: an expired token is renewed once when the source can, else "sign in again"', async () => {
    h = await startHarness();
    const stale = h.graph.issueToken();
    h.graph.expiredTokens.add(stale);
    h.graph.validTokens.delete(stale);
    const fresh = h.graph.issueToken();
    h.graph.addUser('dee@contoso.test');
    let renewals = 0;
    const renewing = new HardwareOathApi(new GraphClient({ graphUrl: h.graph.url, tokens: { token: async () => stale, renew: async () => (renewals++, fresh), advice: 'sign in again' } }));
    expect((await renewing.getUser('dee@contoso.test')).userPrincipalName).toBe('dee@contoso.test');
    expect(renewals).toBe(1);

    const fixed = new HardwareOathApi(new GraphClient({ graphUrl: h.graph.url, tokens: { token: async () => stale, advice: 'put a fresh token in token.txt' } }));
    const refusal = await refusalOf(fixed.getUser('dee@contoso.test'));
    expect(refusal.code).toBe('graph-sign-in-expired');
    expect(refusal.message).toContain('put a fresh token in token.txt');
    expect(refusal.message).toContain('InvalidAuthenticationToken');
  });

  it('403 names the permissions and the roles', async () => {
    h = await startHarness();
    h.graph.denied.add('devices');
    const refusal = await refusalOf(h.api.createDevice(deviceBody('D1', newSeed().base32)));
    expect(refusal.code).toBe('graph-permission-missing');
    for (const words of ['Policy.ReadWrite.AuthenticationMethod', 'UserAuthenticationMethod.ReadWrite.All', 'Authentication Policy Administrator', 'Authentication Administrator', 'Privileged Authentication Administrator']) {
      expect(refusal.message).toContain(words);
    }
    expect(refusal.message).not.toMatch(/something went wrong/i);
  });

  it('404 names the account that is not there', async () => {
    h = await startHarness();
    const refusal = await refusalOf(h.api.getUser('nobody@contoso.test'));
    expect(refusal.code).toBe('graph-not-found');
    expect(refusal.message).toContain('nobody@contoso.test');
  });

  it('409 says the serial is already in the tenant', async () => {
    h = await startHarness();
    await h.api.createDevice(deviceBody('E1', newSeed().base32));
    const refusal = await refusalOf(h.api.createDevice(deviceBody('E1', newSeed().base32)));
    expect(refusal.code).toBe('graph-conflict');
    expect(refusal.message).toContain('Token E1 already exists in the tenant');
  });

  it('400 on activation says why, without the code', async () => {
    h = await startHarness();
    const user = h.graph.addUser('eve@contoso.test');
    const seed = newSeed();
    const device = await h.api.createDevice(deviceBody('F1', seed.base32, { assignTo: { id: user.id } }));
    const refusal = await refusalOf(h.api.activate(user.id, device.id, '000000', 'Eve', 'F1'));
    expect(refusal.code).toBe('graph-bad-request');
    expect(refusal.message).toContain('clock may have drifted');
    expect(h.graph.devices.get(device.id)!.status).toBe('failedActivation');
    const good = codeAtStep({ secret: seed.bytes, algorithm: 'SHA1', digits: 6, period: 30 }, timeStep(Date.now(), 30));
    await h.api.activate(user.id, device.id, good, 'Eve', 'F1');
    expect(h.graph.devices.get(device.id)!.status).toBe('activated');
  });

  it('refuses a Graph URL that would send the token in clear text', () => {
    expect(() => normaliseGraphUrl('http://graph.example.test/beta')).toThrow(/https/);
    expect(normaliseGraphUrl('https://graph.microsoft.us/beta/')).toBe('https://graph.microsoft.us/beta');
    expect(normaliseGraphUrl('http://127.0.0.1:8080/beta')).toBe('http://127.0.0.1:8080/beta');
  });
});

describe('the test server checks bodies against the documented schemas', () => {
  it('records a misspelt property and a wrong type as violations', async () => {
    h = await startHarness();
    await refusalOf(h.client.request({ method: 'POST', path: '/directory/authenticationMethodDevices/hardwareOathDevices', body: { ...deviceBody('G1', newSeed().base32), timeIntervalInSeconds: '30', assignedTo: { id: 'x' } }, context: { action: 'test' } }));
    expect(h.graph.violations.join('\n')).toMatch(/timeIntervalInSeconds: expected an Int32/);
    expect(h.graph.violations.join('\n')).toMatch(/assignedTo: not a documented property/);
    h.graph.violations.length = 0;
  });
});
