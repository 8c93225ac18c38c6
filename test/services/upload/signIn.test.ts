import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { signInToGraph, signInWay, tokenCachePath, type DeviceCodePrompt, type SignInRequest } from '../../../src/services/upload/signIn.js';
import { FakeGraph } from '../../graph/fakeGraph.js';
import { loginNetwork, TEST_AUTHORITY_HOST } from '../../graph/fakeLogin.js';
import { freshInventory, writeTemp } from '../../support/home.js';
import type { Inventory } from '../../../src/store/db.js';

let graph: FakeGraph | undefined;
afterEach(async () => {
  await graph?.stop();
  graph = undefined;
});

const clientId = 'a1b2c3d4-0000-4000-8000-0000000000b3';

function deviceCode(g: FakeGraph, inventory: Inventory, prompts: DeviceCodePrompt[]): Promise<Awaited<ReturnType<typeof signInToGraph>>> {
  return signInToGraph(inventory, {
    tenant: 'contoso.test',
    clientId,
    loginAuthority: TEST_AUTHORITY_HOST,
    graphUrl: g.url,
    networkClient: loginNetwork(g),
    showDeviceCode: (prompt) => {
      prompts.push(prompt);
      setTimeout(() => g.login.approve(prompt.userCode, 'admin@contoso.test'), 100);
    },
  });
}

describe('signing in to Graph from a home', () => {
  it('device code: the cache lives in the home, sealed under the home\'s key, 0600; the next run is silent; another home cannot open it', async () => {
    const g = (graph = await new FakeGraph().start());
    g.addUser('admin@contoso.test');
    g.login.registerApp(clientId);
    const inventory = freshInventory();
    const prompts: DeviceCodePrompt[] = [];
    const token = await (await deviceCode(g, inventory, prompts)).token();
    expect(prompts).toHaveLength(1);

    const cache = tokenCachePath(inventory);
    expect(cache).toBe(`${inventory.paths.dir}/graph-token-cache`);
    expect(statSync(cache).mode & 0o777).toBe(0o600);
    const sealed = readFileSync(cache);
    expect(sealed.includes(Buffer.from(token))).toBe(false);
    expect(sealed.includes(Buffer.from('admin@contoso.test'))).toBe(false);

    const later: DeviceCodePrompt[] = [];
    expect(await (await deviceCode(g, inventory, later)).token()).toBeTruthy();
    expect(later).toHaveLength(0);

    // The same bytes in another home: refused, with what to do.
    const other = freshInventory('other-desk');
    writeFileSync(tokenCachePath(other), sealed, { mode: 0o600 });
    const source = await deviceCode(g, other, []);
    await expect(source.token()).rejects.toThrow(/cannot be opened with this home's key.*delete it and sign in again/);
  });

  it('a token file needs no MSAL and no client id', async () => {
    const inventory = freshInventory();
    const source = await signInToGraph(inventory, { tenant: 'contoso.test', accessTokenFile: writeTemp('token.txt', 'Bearer opaque-token\n') });
    expect(await source.token()).toBe('opaque-token');
  });

  it('says how to sign in when the flags name no way, or two', () => {
    const way = (request: Partial<SignInRequest>) => signInWay({ tenant: 't', ...request });
    expect(way({ accessTokenFile: 'f' })).toBe('token-file');
    expect(way({ clientId: 'c' })).toBe('device-code');
    expect(way({ clientId: 'c', certificateFile: 'a', privateKeyFile: 'b' })).toBe('certificate');
    expect(() => way({})).toThrow(UsageError);
    expect(() => way({})).toThrow(/--client-id ID.*--access-token-file F/);
    expect(() => way({ accessTokenFile: 'f', clientId: 'c' })).toThrow(/leave out --client-id/);
    expect(() => way({ clientId: 'c', certificateFile: 'a' })).toThrow(/both --certificate FILE and --private-key FILE/);
    expect(() => way({ certificateFile: 'a', privateKeyFile: 'b' })).toThrow(/needs --client-id/);
  });
});
