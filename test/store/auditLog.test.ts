import { describe, expect, it } from 'vitest';
import { freshInventory } from '../support/home.js';

function withEntries(n: number) {
  const inventory = freshInventory();
  const log = inventory.store.audit;
  inventory.store.write(() => {
    for (let i = 1; i <= n; i++) log.append({ actor: 'a', deskId: 'd', action: 'hand-out', subject: { serial: `S${i}`, upn: `u${i}@example.com` } });
  });
  return inventory;
}

/** What someone with the file and sqlite3 could do: drop the guard triggers, then edit. */
function tamper(inventory: ReturnType<typeof freshInventory>, sql: string): void {
  inventory.sqlite.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
  inventory.sqlite.exec(sql);
}

describe('audit log', () => {
  it('chains rows and verifies them', () => {
    const inventory = withEntries(5);
    const report = inventory.store.audit.verify();
    expect(report).toMatchObject({ ok: true, rows: 5, head: { seq: 5 } });
  });

  it('refuses UPDATE and DELETE through SQL', () => {
    const inventory = withEntries(2);
    expect(() => inventory.sqlite.exec("UPDATE audit_log SET actor = 'x' WHERE seq = 1")).toThrow(/append-only/);
    expect(() => inventory.sqlite.exec('DELETE FROM audit_log WHERE seq = 2')).toThrow(/append-only/);
  });

  it('must be written inside the transaction of the change', () => {
    const inventory = freshInventory();
    expect(() => inventory.store.audit.append({ actor: 'a', deskId: 'd', action: 'x', subject: {} })).toThrow(/inside the transaction/);
  });

  it('never takes a secret or a code as subject', () => {
    const inventory = freshInventory();
    const log = inventory.store.audit;
    expect(() => inventory.store.write(() => log.append({ actor: 'a', deskId: 'd', action: 'x', subject: { code: '123456' } }))).toThrow(/never holds secrets/);
    expect(() => inventory.store.write(() => log.append({ actor: 'a', deskId: 'd', action: 'x', subject: { secretKey: 'AAAA' } }))).toThrow(/never holds secrets/);
  });

  it('names the first edited row', () => {
    const inventory = withEntries(5);
    tamper(inventory, "UPDATE audit_log SET subject = '{\"serial\":\"S9\"}' WHERE seq = 3");
    expect(inventory.store.audit.verify()).toMatchObject({ ok: false, firstBroken: { seq: 3, problem: expect.stringMatching(/edited/) }, head: { seq: 2 } });
  });

  it('names a deleted row', () => {
    const inventory = withEntries(5);
    tamper(inventory, 'DELETE FROM audit_log WHERE seq = 2');
    expect(inventory.store.audit.verify()).toMatchObject({ ok: false, firstBroken: { seq: 3, problem: expect.stringMatching(/row 2 is missing/) } });
  });

  it('names reordered rows', () => {
    const inventory = withEntries(5);
    tamper(inventory, 'UPDATE audit_log SET seq = 100 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = 100;');
    expect(inventory.store.audit.verify()).toMatchObject({ ok: false, firstBroken: { seq: 2, problem: expect.stringMatching(/does not follow/) } });
  });

  it('catches a row rewritten with a recomputed hash but the old chain link', () => {
    const inventory = withEntries(3);
    tamper(inventory, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 1");
    expect(inventory.store.audit.verify().firstBroken?.seq).toBe(1);
  });
});
