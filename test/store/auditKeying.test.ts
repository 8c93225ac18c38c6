/**
 * How the audit trail is keyed: every entry authenticated under a key derived from the data key;
 * older homes' unkeyed entries verify as legacy and are anchored by an audited keying entry; a
 * key rotation keeps old entries verifiable without rewriting them and shuts out the old key; the
 * head file names only committed entries.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { rotateDataKey } from '../../src/services/keys.js';
import { verifyAudit } from '../../src/services/auditTrail.js';
import { readHeadFile } from '../../src/store/auditHead.js';
import { GENESIS_HASH, rowHash, rowMac, type AuditRow } from '../../src/store/auditLog.js';
import { initHome, openInventory, type Inventory } from '../../src/store/db.js';
import { homePaths } from '../../src/store/home.js';
import { fileModeKeys, readKeyFile, type FileModeKeyFile } from '../../src/store/keyFile.js';
import { SeedVault } from '../../src/store/seedVault.js';
import { ADMIN, freshInventory, tempDir } from '../support/home.js';

const entry = (i: number) => ({ actor: 'anna', deskId: 'hq', action: 'hand-out', subject: { serial: `S${i}`, upn: `u${i}@example.com` } });

function appendEntries(inventory: Inventory, from: number, to: number): void {
  inventory.store.write(() => {
    for (let i = from; i <= to; i++) inventory.store.audit.append(entry(i));
  });
}

function rawRows(db: Database.Database): AuditRow[] {
  return db.prepare('SELECT seq, at, actor, desk_id AS deskId, action, subject, prev_hash AS prevHash, hash FROM audit_log ORDER BY seq').all() as AuditRow[];
}

function withRaw<T>(inventory: Inventory, change: (db: Database.Database) => T): T {
  const db = new Database(inventory.paths.database);
  try {
    return change(db);
  } finally {
    db.close();
  }
}

const dropTriggers = 'DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;';

/**
 * What tokendesk left before entries were keyed: a v1 key check, no key record, no head file,
 * and `entries` rows chained with plain sha256.
 */
function legacyHome(entries: number): string {
  const dir = join(tempDir(), 'home');
  const { paths } = initHome(dir, { deskId: 'hq' });
  const dataKey = fileModeKeys(readKeyFile(paths) as FileModeKeyFile).dataKey;
  const db = new Database(paths.database);
  try {
    const v1Check = new SeedVault(dataKey).seal('key-check', Buffer.from('tokendesk key check')).toString('base64');
    db.prepare("UPDATE meta SET value = ? WHERE key = 'key_check'").run(v1Check);
    db.prepare("DELETE FROM meta WHERE key = 'audit_keys'").run();
    let prevHash = GENESIS_HASH;
    const insert = db.prepare('INSERT INTO audit_log (seq, at, actor, desk_id, action, subject, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (let seq = 1; seq <= entries; seq++) {
      const row = { seq, at: `2026-11-0${seq}T09:00:00.000Z`, actor: 'old', deskId: 'hq', action: 'import', subject: `{"n":${seq}}`, prevHash };
      prevHash = rowHash(row);
      insert.run(row.seq, row.at, row.actor, row.deskId, row.action, row.subject, row.prevHash, prevHash);
    }
  } finally {
    db.close();
  }
  unlinkSync(paths.auditHead);
  return dir;
}

describe('keyed entries', () => {
  it('are HMACs under a key derived from the data key: not a plain hash anyone could recompute', () => {
    const inventory = freshInventory();
    appendEntries(inventory, 1, 3);
    const rows = withRaw(inventory, rawRows);
    for (const row of rows) {
      expect(row.hash).not.toBe(rowHash(row));
      expect(row.hash).toBe(rowMac(inventory.vault.auditKey(), row));
    }
    expect(Buffer.from(inventory.vault.auditKey()).equals(Buffer.from(fileModeKeys(readKeyFile(inventory.paths) as FileModeKeyFile).dataKey))).toBe(false);
    expect(verifyAudit(inventory)).toMatchObject({ ok: true, rows: 3, problems: [] });
  });
});

describe('an older home with unkeyed entries', () => {
  it('verifies them as legacy, keys the trail once at its next open with an audited entry, and anchors them', () => {
    const dir = legacyHome(4);
    const inventory = openInventory(dir);
    try {
      const rows = withRaw(inventory, rawRows);
      expect(rows.map((r) => r.action)).toEqual(['import', 'import', 'import', 'import', 'audit-keyed']);
      expect(JSON.parse(rows[4]!.subject)).toEqual({ legacyUpTo: 4, legacyHead: rows[3]!.hash });
      expect(inventory.vault.keyCheckVersion(inventory.store.meta.keyCheck()!)).toBe(2);
      const report = verifyAudit(inventory);
      expect(report).toMatchObject({ ok: true, rows: 5, legacyUpTo: 4, problems: [] });
      expect(readHeadFile(inventory.paths.auditHead)).toMatchObject({ state: 'ok', head: { seq: 5 } });
    } finally {
      inventory.close();
    }
    // Opened again: keyed once, not twice.
    const again = openInventory(dir);
    try {
      expect(again.store.audit.list().filter((r) => r.action === 'audit-keyed')).toHaveLength(1);
      appendEntries(again, 6, 6);
      expect(verifyAudit(again)).toMatchObject({ ok: true, rows: 6, legacyUpTo: 4 });

      // A legacy entry edited and the legacy chain re-hashed (no key needed for that part)...
      withRaw(again, (db) => {
        db.exec(dropTriggers);
        const rows = rawRows(db).slice(0, 4);
        let prevHash = rows[0]!.hash;
        for (const row of rows.slice(1)) {
          const edited = { ...row, prevHash, subject: row.seq === 2 ? '{"n":99}' : row.subject };
          prevHash = rowHash(edited);
          db.prepare('UPDATE audit_log SET subject = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(edited.subject, edited.prevHash, prevHash, row.seq);
        }
      });
      // ...no longer matches what the keyed entry anchored.
      expect(again.store.audit.verify().firstBroken).toMatchObject({ seq: 5, problem: expect.stringMatching(/does not follow/) });
    } finally {
      again.close();
    }
  });

  it('is not re-keyed over the evidence when the key record of a keyed home was removed', () => {
    const inventory = freshInventory();
    appendEntries(inventory, 1, 2);
    withRaw(inventory, (db) => db.prepare("DELETE FROM meta WHERE key = 'audit_keys'").run());
    const reopened = openInventory(inventory.paths.dir);
    try {
      expect(reopened.store.audit.list().map((r) => r.action)).not.toContain('audit-keyed');
      expect(verifyAudit(reopened).problems.map((p) => p.kind)).toContain('key-record-missing');
    } finally {
      reopened.close();
    }
  });
});

describe('a key rotation', () => {
  it('keeps every earlier entry verifiable without touching it; the old key can neither append nor rewrite', () => {
    const inventory = freshInventory();
    appendEntries(inventory, 1, 3);
    const before = withRaw(inventory, rawRows);
    const oldAuditKey = Buffer.from(inventory.vault.auditKey());

    rotateDataKey(inventory, { actor: ADMIN });
    appendEntries(inventory, 4, 5);
    const after = withRaw(inventory, rawRows);
    expect(after.slice(0, 3)).toEqual(before);
    expect(after[3]).toMatchObject({ seq: 4, action: 'key-rotate' });
    expect(after[3]!.hash).toBe(rowMac(inventory.vault.auditKey(), after[3]!));
    expect(verifyAudit(inventory)).toMatchObject({ ok: true, rows: 6, problems: [] });

    // Reopened (the retired key comes from the sealed key record): still every entry verifies.
    const reopened = openInventory(inventory.paths.dir);
    try {
      expect(reopened.store.audit.verify()).toMatchObject({ ok: true, rows: 6 });
    } finally {
      reopened.close();
    }

    // Someone holding an old copy of the key file appends an entry under the old key: caught.
    withRaw(inventory, (db) => {
      const last = rawRows(db).at(-1)!;
      const forged = { seq: last.seq + 1, at: new Date().toISOString(), actor: 'anna', deskId: 'hq', action: 'staff-unlock', subject: '{}', prevHash: last.hash };
      db.prepare('INSERT INTO audit_log (seq, at, actor, desk_id, action, subject, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        ...Object.values(forged),
        rowMac(oldAuditKey, forged),
      );
    });
    expect(inventory.store.audit.verify().firstBroken?.seq).toBe(7);
  });

  it('leaves entries from before it that an old key rewrote unverifiable past the rotation entry', () => {
    const inventory = freshInventory();
    appendEntries(inventory, 1, 3);
    const oldAuditKey = Buffer.from(inventory.vault.auditKey());
    rotateDataKey(inventory, { actor: ADMIN });
    withRaw(inventory, (db) => {
      db.exec(dropTriggers);
      let prevHash = GENESIS_HASH;
      for (const row of rawRows(db).slice(0, 3)) {
        const edited = { ...row, prevHash, actor: row.seq === 2 ? 'mallory' : row.actor };
        prevHash = rowMac(oldAuditKey, edited);
        db.prepare('UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(edited.actor, edited.prevHash, prevHash, row.seq);
      }
    });
    // Entries 1 to 3 are valid under the old key again, but the rotation entry (new key) names the old #3.
    expect(inventory.store.audit.verify().firstBroken).toMatchObject({ seq: 4, problem: expect.stringMatching(/does not follow/) });
  });
});

describe('the head file', () => {
  it('names the newest committed entry, never a rolled-back one, and catches up at close when a change bypassed write()', () => {
    const inventory = freshInventory();
    const head = () => readHeadFile(inventory.paths.auditHead);
    expect(head()).toMatchObject({ state: 'ok', head: { seq: 0, mac: GENESIS_HASH } });
    appendEntries(inventory, 1, 2);
    expect(head()).toMatchObject({ state: 'ok', head: { seq: 2, mac: inventory.store.audit.head().hash } });

    expect(() =>
      inventory.store.write(() => {
        inventory.store.audit.append(entry(3));
        throw new Error('refused after the append');
      }),
    ).toThrow(/refused after/);
    expect(inventory.store.audit.head().seq).toBe(2);
    expect(head()).toMatchObject({ head: { seq: 2 } });

    // A transaction opened on the connection directly (code not yet moved to write()): the file lags...
    inventory.sqlite.transaction(() => inventory.store.audit.append(entry(4))).immediate();
    expect(head()).toMatchObject({ head: { seq: 2 } });
    expect(verifyAudit(inventory).ok).toBe(true);
    // ...until the inventory closes.
    inventory.close();
    expect(head()).toMatchObject({ head: { seq: 3 } });
    expect(existsSync(homePaths(inventory.paths.dir).auditHead)).toBe(true);
  });
});
