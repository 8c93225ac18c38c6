import { describe, expect, it } from 'vitest';
import { identify } from '../../src/services/identify.js';
import { importSeeds } from '../../src/services/importSeeds.js';
import { importRoster } from '../../src/services/roster.js';
import { ADMIN, freshInventory, writeTemp } from '../support/home.js';
import { entraCsv, makeTokens } from '../support/seedFiles.js';

async function desk() {
  const inventory = freshInventory();
  const tokens = makeTokens(2);
  await importSeeds(inventory, { file: writeTemp('seeds.csv', entraCsv(tokens)), actor: ADMIN });
  await importRoster(inventory, {
    file: writeTemp('roster.csv', 'upn,display name,employee id,badge\njane.doe@example.com,Jane Doe,E1006,04A7C2\n'),
    actor: ADMIN,
  });
  return { inventory, tokens };
}

describe('identify', () => {
  it('names a token by its serial, scanned or typed, with leading zeros and spaces as scanned', async () => {
    const { inventory, tokens } = await desk();
    const serial = tokens[1]!.serial;
    expect(serial.startsWith('00')).toBe(true);
    expect(identify(inventory, serial, 'scan')).toEqual({ kind: 'token', serial, status: 'in-stock', preassignedUpn: null });
    expect(identify(inventory, ` ${serial}\r\n`, 'typed')).toEqual({ kind: 'token', serial, status: 'in-stock', preassignedUpn: null });
  });

  it('finds a person by badge or employee id, scanned or typed', async () => {
    const { inventory } = await desk();
    const jane = { kind: 'person', person: { upn: 'jane.doe@example.com', displayName: 'Jane Doe', employeeId: 'E1006', badge: '04A7C2', login: null } };
    expect(identify(inventory, '04A7C2', 'scan')).toEqual(jane);
    expect(identify(inventory, 'E1006', 'typed')).toEqual(jane);
  });

  it('takes a well-formed UPN as a UPN (lower case), roster or not, and names what is wrong with a bad one', async () => {
    const { inventory } = await desk();
    expect(identify(inventory, 'J.Doe@Example.com ', 'typed')).toEqual({ kind: 'upn', upn: 'j.doe@example.com' });
    expect(identify(inventory, 'jane@doe@example.com', 'typed')).toEqual({ kind: 'unknown', hint: 'a UPN looks like name@example.com' });
  });

  it('says what to do with something it does not know, by how it arrived', async () => {
    const { inventory } = await desk();
    expect(identify(inventory, '777', 'scan')).toEqual({ kind: 'unknown', hint: 'that badge is not in the roster: type the UPN instead' });
    expect(identify(inventory, 'not-a-upn', 'typed')).toEqual({ kind: 'unknown', hint: 'a UPN looks like name@example.com' });
    expect(identify(inventory, '   ', 'typed')).toMatchObject({ kind: 'unknown' });
    // Text a serial cannot be (spaces inside) is never looked up as one.
    expect(identify(inventory, 'jane doe', 'typed')).toMatchObject({ kind: 'unknown' });
  });
});
