import { afterEach, describe, expect, it } from 'vitest';
import { codeAtStep, timeStep } from '../../src/core/totp.js';
import { GraphRefusal } from '../../src/graph/errors.js';
import { readDevice } from '../../src/graph/hardwareOath.js';
import { SecretWatch } from '../support/secretLeaks.js';
import { deviceBody, newSeed, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  if (h) expect(h.graph.violations).toEqual([]);
  await h?.graph.stop();
  h = undefined;
});

const codeNow = (bytes: Uint8Array) => codeAtStep({ secret: bytes, algorithm: 'SHA1', digits: 6, period: 30 }, timeStep(Date.now(), 30));

describe('hardware OATH calls against the test Graph', () => {
  it('bulk-creates with PATCH #$delta, then assigns with {"device":{"id"}} and activates', async () => {
    h = await startHarness();
    const user = h.graph.addUser('kim@contoso.test');
    const seeds = [newSeed(), newSeed(), newSeed()];
    const created = await h.api.createDevices(seeds.map((s, i) => deviceBody(`B${i}`, s.base32)));
    expect(created.map((d) => [d.serialNumber, d.status, d.assignedTo])).toEqual([['B0', 'available', null], ['B1', 'available', null], ['B2', 'available', null]]);
    const patch = h.graph.requests.find((r) => r.method === 'PATCH')!;
    expect(JSON.parse(patch.body)).toMatchObject({ '@context': '#$delta', value: [{ '@contentId': '1' }, { '@contentId': '2' }, { '@contentId': '3' }] });

    const method = await h.api.assign(user.id, created[0]!.id, 'B0');
    expect(method.id).toBe(created[0]!.id);
    await h.api.activate(user.id, method.id, codeNow(seeds[0]!.bytes), 'Kim token', 'B0');
    expect(await h.api.getDevice(created[0]!.id)).toMatchObject({ status: 'activated', displayName: 'Kim token', assignedTo: { id: user.id } });

    await h.api.assignAndActivate(user.id, created[1]!.id, codeNow(seeds[1]!.bytes), undefined, 'B1');
    await h.api.assignAndActivateBySerialNumber(user.id, 'B2', codeNow(seeds[2]!.bytes), 'Spare');
    const mine = await h.api.listUserHardwareOathMethods(user.id);
    expect(mine.map((m) => [m.device?.serialNumber, m.device?.status]).sort()).toEqual([['B0', 'activated'], ['B1', 'activated'], ['B2', 'activated']]);
    expect(await h.api.countOathMethods(user.id)).toBe(3);

    // No seed travels in anything but the create bodies.
    const watch = new SecretWatch(seeds.map((s) => s.bytes));
    expect(h.graph.requests.filter((r) => r.method !== 'PATCH' && watch.leakIn(r.body + r.url))).toEqual([]);
  });

  it('unassigns, then deletes; deleting an assigned token is refused, a second delete is "already gone"', async () => {
    h = await startHarness();
    const user = h.graph.addUser('lee@contoso.test');
    const device = await h.api.createDevice(deviceBody('R1', newSeed().base32, { assignTo: { id: user.id }, displayName: 'Lee' }));
    const refusal = await h.api.deleteDevice(device.id, 'R1').then(() => null, (e: unknown) => e);
    expect(refusal).toBeInstanceOf(GraphRefusal);
    expect((refusal as GraphRefusal).kind).toBe('bad-request');
    expect(await h.api.unassign(user.id, device.id, 'R1')).toBe(true);
    expect(await h.api.getDevice(device.id)).toMatchObject({ status: 'available', assignedTo: null });
    expect(await h.api.unassign(user.id, device.id, 'R1')).toBe(false);
    expect(await h.api.deleteDevice(device.id, 'R1')).toBe(true);
    expect(await h.api.deleteDevice(device.id, 'R1')).toBe(false);
    expect(await h.api.getDevice(device.id)).toBeNull();
  });

  it('looks a user up by UPN, by id, and by a UPN starting with "$"', async () => {
    h = await startHarness();
    const dollar = h.graph.addUser('$svc@contoso.test', 'Service');
    expect((await h.api.getUser('$svc@contoso.test')).id).toBe(dollar.id);
    expect(h.graph.requests.at(-1)!.url).toMatch(/^\/beta\/users\('/);
    expect((await h.api.getUser(dollar.id)).userPrincipalName).toBe('$svc@contoso.test');
  });

  it('reads a device from either documented list shape', () => {
    const inner = { id: 'd1', serialNumber: 'S', manufacturer: 'M', model: 'X', secretKey: null, timeIntervalInSeconds: '30', status: 'assigned', hashFunction: 'hmacsha256', assignedTo: { id: 'u', displayName: 'U' } };
    const wrapped = readDevice({ '@odata.type': '#microsoft.graph.hardwareOathAuthenticationMethod', id: 'd1', device: inner });
    expect(wrapped).toEqual(readDevice(inner));
    expect(wrapped).toMatchObject({ timeIntervalInSeconds: 30, hashFunction: 'hmacsha256', assignedTo: { id: 'u', displayName: 'U' } });
    expect(() => readDevice({ id: 'x' })).toThrow(/without an id or serial number/);
  });
});
