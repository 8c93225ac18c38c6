import { execFileSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { certificateSignIn, deviceCodeSignIn, fileMode, tokenFromFile, type CacheSealer, type DeviceCodePrompt } from '../../src/graph/auth.js';
import { GraphClient } from '../../src/graph/client.js';
import { HardwareOathApi } from '../../src/graph/hardwareOath.js';
import { Refusal } from '../../src/core/errors.js';
import { FakeGraph } from './fakeGraph.js';
import { loginNetwork, TEST_AUTHORITY_HOST } from './fakeLogin.js';

let dir: string;
let graph: FakeGraph;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokendesk-auth-'));
  graph = await new FakeGraph().start();
  graph.addUser('admin@contoso.test');
});
afterEach(async () => {
  await graph.stop();
  rmSync(dir, { recursive: true, force: true });
});

function refusal(fn: () => unknown): Refusal {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(Refusal);
    return error as Refusal;
  }
  throw new Error('expected a refusal');
}

function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part(claims)}.c2ln`;
}

/** What the caller (the home) will do: AES-256-GCM under the data key. */
function aesSealer(key = randomBytes(32)): CacheSealer {
  return {
    seal(plain) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([nonce, cipher.getAuthTag(), body]);
    },
    open(sealed) {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
    },
  };
}

async function whoAmI(token: string): Promise<string> {
  const api = new HardwareOathApi(new GraphClient({ graphUrl: graph.url, tokens: { token: async () => token, advice: 'x' } }));
  return (await api.getUser('admin@contoso.test')).userPrincipalName;
}

describe('--access-token-file', () => {
  it('uses the token in the file, with or without "Bearer " and a newline', async () => {
    const token = graph.issueToken();
    const file = join(dir, 'token.txt');
    writeFileSync(file, `Bearer ${token}\n`);
    const source = tokenFromFile(file);
    expect(await source.token()).toBe(token);
    expect(await whoAmI(await source.token())).toBe('admin@contoso.test');
    expect(source.renew).toBeUndefined();
    expect(source.advice).toContain('az account get-access-token --resource-type ms-graph');
  });

  it('refuses an expired JWT, one for another API, an empty or missing file: naming the file, never the token', () => {
    const file = join(dir, 'token.txt');
    const expired = jwt({ aud: 'https://graph.microsoft.com', exp: 1_000 });
    writeFileSync(file, expired);
    const e1 = refusal(() => tokenFromFile(file));
    expect(e1.message).toMatch(/expired at 1970-01-01T00:16:40.000Z/);
    expect(e1.message).toContain(file);
    expect(e1.message).not.toContain(expired);

    writeFileSync(file, jwt({ aud: 'https://management.azure.com', exp: Date.now() / 1000 + 3600 }));
    expect(refusal(() => tokenFromFile(file)).message).toMatch(/is for https:\/\/management.azure.com, not for Microsoft Graph/);
    writeFileSync(file, jwt({ aud: '00000003-0000-0000-c000-000000000000', exp: Date.now() / 1000 + 3600 }));
    expect(() => tokenFromFile(file)).not.toThrow();

    writeFileSync(file, '\n');
    expect(refusal(() => tokenFromFile(file)).message).toMatch(/exactly one access token/);
    expect(refusal(() => tokenFromFile(join(dir, 'absent.txt'))).message).toMatch(/Cannot read the access token file .*ENOENT/);
  });
});

describe('device-code sign-in with msal-node, against the test authority', () => {
  const clientId = 'a1b2c3d4-0000-4000-8000-000000000001';

  function signIn(prompts: DeviceCodePrompt[], sealer: CacheSealer, approve = true) {
    graph.login.registerApp(clientId);
    return deviceCodeSignIn({
      tenant: 'contoso.test',
      clientId,
      loginAuthority: TEST_AUTHORITY_HOST,
      graphUrl: graph.url,
      cache: { path: join(dir, 'msal-cache.bin'), sealer },
      networkClient: loginNetwork(graph),
      show: (prompt) => {
        prompts.push(prompt);
        // The admin signs in at the browser after MSAL has started polling.
        if (approve) setTimeout(() => graph.login.approve(prompt.userCode, 'admin@contoso.test'), 150);
      },
    });
  }

  it('prints the URL and code, waits for the sign-in, then works silently from the sealed cache', async () => {
    const sealer = aesSealer();
    const prompts: DeviceCodePrompt[] = [];
    const source = await signIn(prompts, sealer);
    const token = await source.token();
    expect(prompts).toHaveLength(1);
    expect(prompts[0]!.verificationUri).toBe('https://microsoft.com/devicelogin');
    expect(prompts[0]!.message).toContain(prompts[0]!.userCode);
    expect(graph.login.pendingPolls).toBeGreaterThan(0);
    expect(await whoAmI(token)).toBe('admin@contoso.test');

    const cacheFile = join(dir, 'msal-cache.bin');
    expect(fileMode(cacheFile)).toBe('0600');
    const onDisk = readFileSync(cacheFile);
    expect(onDisk.includes(Buffer.from(token))).toBe(false);
    expect(onDisk.includes(Buffer.from('admin@contoso.test'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    // A later run (new MSAL instance, same home) signs in without a prompt, and can renew.
    const later: DeviceCodePrompt[] = [];
    const again = await signIn(later, sealer, false);
    expect(await whoAmI(await again.token())).toBe('admin@contoso.test');
    expect(later).toHaveLength(0);
    const renewed = await again.renew!();
    expect(renewed).not.toBeNull();
    expect(graph.login.grants).toContain('refresh_token');
  });

  it('a cache sealed with another home\'s key is refused with what to do', async () => {
    const prompts: DeviceCodePrompt[] = [];
    await (await signIn(prompts, aesSealer())).token();
    const other = await signIn([], aesSealer(), false);
    const error = await other.token().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(Refusal);
    expect((error as Refusal).message).toMatch(/cannot be opened with this home's key.*delete it and sign in again/);
  });

  it('an unknown client id is refused in words', async () => {
    const source = await deviceCodeSignIn({
      tenant: 'contoso.test', clientId: 'not-registered', loginAuthority: TEST_AUTHORITY_HOST, graphUrl: graph.url,
      networkClient: loginNetwork(graph), show: () => {},
    });
    const error = await source.token().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(Refusal);
    expect((error as Refusal).message).toMatch(/Device-code sign-in failed/);
  });
});

describe('app registration with a certificate', () => {
  let openssl = true;
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    openssl = false;
    console.log('skipping certificate sign-in tests: openssl is not installed (apt-get install openssl)');
  }

  it.skipIf(!openssl)('signs an assertion the authority verifies against the uploaded certificate', async () => {
    const make = (name: string) => {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`)], { stdio: 'ignore' });
      return { privateKeyPem: readFileSync(join(dir, `${name}.key`), 'utf8'), certificatePem: readFileSync(join(dir, `${name}.pem`), 'utf8') };
    };
    const good = make('tokendesk-app');
    const stranger = make('someone-else');
    const clientId = 'a1b2c3d4-0000-4000-8000-000000000002';
    graph.login.registerApp(clientId, good.certificatePem);
    const options = { tenant: 'contoso.test', clientId, loginAuthority: TEST_AUTHORITY_HOST, graphUrl: graph.url, networkClient: loginNetwork(graph) };

    const source = await certificateSignIn({ ...options, certificate: good });
    expect(await whoAmI(await source.token())).toBe('admin@contoso.test');
    expect(graph.login.grants).toEqual(['client_credentials']);

    const wrong = await certificateSignIn({ ...options, certificate: stranger });
    const error = await wrong.token().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(Refusal);
    expect((error as Refusal).message).toMatch(/Certificate sign-in failed/);
    await expect(certificateSignIn({ ...options, certificate: { ...good, certificatePem: 'nope' } })).rejects.toThrow(/not a readable PEM certificate/);
  });
});
