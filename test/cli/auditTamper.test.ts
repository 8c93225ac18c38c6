/**
 * The audit trail against someone who holds the database file but not the key (issue 11, item 4):
 * each way of rewriting history is reported by `tokendesk audit verify` (exit 1, naming the kind)
 * and by `tokendesk doctor` (its audit check fails with the same kind). An untouched home verifies
 * (exit 0). Each test works on its own copy of one home that has sign-ins, hand-outs and a batch.
 */
import { cpSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBatch } from '../../src/services/batch/export.js';
import { addStaff, signIn } from '../../src/services/staff.js';
import { rowHash, type AuditRow } from '../../src/store/auditLog.js';
import { initHome, openInventory } from '../../src/store/db.js';
import { homePaths } from '../../src/store/home.js';
import { handOutAll, importInto, NOW } from '../fixtures/batches/desk.js';
import { makeTokens } from '../support/seedFiles.js';
import { ADMIN, tempDir } from '../support/home.js';
import { json, tokendesk } from '../support/cli.js';

const SLOW = 120_000;
let original: string;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'tokendesk-tamper-'));
  original = join(scratch, 'home');
  initHome(original, { deskId: 'hq' });
  const inventory = openInventory(original);
  try {
    addStaff(inventory, { name: 'anna', role: 'admin', pin: '90817263', actor: ADMIN });
    signIn(inventory, { name: 'anna', pin: '90817263' });
    const tokens = makeTokens(3);
    await importInto(inventory, tokens);
    handOutAll(inventory, [
      { token: tokens[0]!, upn: 'a@example.com' },
      { token: tokens[1]!, upn: 'b@example.com' },
    ]);
    exportBatch(inventory, { format: 'entra-csv', actor: ADMIN, now: NOW });
    handOutAll(inventory, [{ token: tokens[2]!, upn: 'c@example.com' }]);
  } finally {
    inventory.close();
  }
}, SLOW);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the home, changed by `tamper` with nothing but the file and SQL (no key). */
function tampered(tamper: (db: Database.Database, home: string) => void): string {
  const home = join(tempDir(), 'home');
  cpSync(original, home, { recursive: true });
  const db = new Database(homePaths(home).database);
  try {
    tamper(db, home);
  } finally {
    db.close();
  }
  return home;
}

const dropTriggers = (db: Database.Database) => db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
const restoreTriggers = (db: Database.Database) =>
  db.exec(`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
           CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;`);
const rows = (db: Database.Database) =>
  db.prepare('SELECT seq, at, actor, desk_id AS deskId, action, subject, prev_hash AS prevHash, hash FROM audit_log ORDER BY seq').all() as AuditRow[];

interface Verdict {
  ok: boolean;
  problems: Array<{ kind: string; message: string }>;
}

/** `audit verify` exits 1 and names `kinds`; `doctor` fails its audit check naming them too. */
function expectReported(home: string, kinds: string[]): Verdict {
  const verify = tokendesk(['audit', 'verify', '--json'], { home });
  const verdict = json<Verdict>(verify);
  expect(verify.status, verify.stdout).toBe(1);
  expect(verdict.ok).toBe(false);
  for (const kind of kinds) expect(verdict.problems.map((p) => p.kind), JSON.stringify(verdict.problems, null, 2)).toContain(kind);

  const text = tokendesk(['audit', 'verify'], { home });
  expect(text.status).toBe(1);
  expect(text.stdout).toMatch(/Audit trail BROKEN/);

  const doctor = tokendesk(['doctor', '--json'], { home });
  expect(doctor.status).toBe(1);
  const audit = json<{ checks: Array<{ name: string; ok: boolean; summary: string }> }>(doctor).checks.find((c) => c.name === 'audit');
  expect(audit?.ok).toBe(false);
  for (const kind of kinds) expect(audit?.summary).toContain(kind);
  return verdict;
}

describe('audit verify and doctor', () => {
  it('pass an untouched home: every entry authenticated, head file and manifest agree (exit 0)', () => {
    const home = tampered(() => {});
    const verify = tokendesk(['audit', 'verify', '--json'], { home });
    expect(verify.status, verify.stdout).toBe(0);
    expect(json(verify)).toMatchObject({ ok: true, problems: [], rows: 7 });
    expect(json(verify)).not.toHaveProperty('legacyUpTo');
    const doctor = json<{ checks: Array<{ name: string; ok: boolean; summary: string }> }>(tokendesk(['doctor', '--json'], { home }));
    expect(doctor.checks.find((c) => c.name === 'audit')).toMatchObject({ ok: true, summary: expect.stringMatching(/intact/) });
  }, SLOW);

  it('report a deleted tail (truncation): the head file names an entry that is gone', () => {
    const home = tampered((db) => {
      dropTriggers(db);
      const last = rows(db).at(-1)!.seq;
      db.prepare('DELETE FROM audit_log WHERE seq > ?').run(last - 2);
      restoreTriggers(db);
    });
    const verdict = expectReported(home, ['truncated']);
    expect(verdict.problems.find((p) => p.kind === 'truncated')?.message).toMatch(/head file .* names entry #\d+, but the trail ends at #\d+/);
  }, SLOW);

  it('report a trail deleted entirely, and the batch whose export entry went with it', () => {
    const home = tampered((db) => {
      dropTriggers(db);
      db.exec('DELETE FROM audit_log');
      restoreTriggers(db);
    });
    const verdict = expectReported(home, ['truncated', 'batch-entry-missing']);
    // Both the head file and the batch's manifest name entries that are gone.
    expect(verdict.problems.filter((p) => /every entry was deleted/.test(p.message)).map((p) => p.message.split(' names')[0])).toEqual([
      expect.stringMatching(/^the head file/),
      'the manifest of batch hq-20261129-1',
    ]);
  }, SLOW);

  it('report an edited entry re-hashed without the key, and every entry after it re-linked', () => {
    const home = tampered((db) => {
      dropTriggers(db);
      const all = rows(db);
      const victim = all.findIndex((r) => r.action === 'hand-out');
      let prevHash = all[victim - 1]!.hash;
      for (const row of all.slice(victim)) {
        const edited = { ...row, prevHash, subject: row.seq === all[victim]!.seq ? row.subject.replace('a@example.com', 'mallory@example.com') : row.subject };
        const hash = rowHash(edited);
        db.prepare('UPDATE audit_log SET subject = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(edited.subject, prevHash, hash, row.seq);
        prevHash = hash;
      }
      restoreTriggers(db);
    });
    const verdict = expectReported(home, ['chain-broken']);
    expect(verdict.problems.find((p) => p.kind === 'chain-broken')?.message).toMatch(/written without this home's key/);
  }, SLOW);

  it('report a forged entry appended after the last (the triggers allow INSERT)', () => {
    const home = tampered((db) => {
      const last = rows(db).at(-1)!;
      const forged = { seq: last.seq + 1, at: new Date().toISOString(), actor: 'anna', deskId: 'hq', action: 'staff-unlock', subject: '{"staff":"anna"}', prevHash: last.hash };
      db.prepare('INSERT INTO audit_log (seq, at, actor, desk_id, action, subject, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        forged.seq,
        forged.at,
        forged.actor,
        forged.deskId,
        forged.action,
        forged.subject,
        forged.prevHash,
        rowHash(forged),
      );
    });
    const verdict = expectReported(home, ['chain-broken']);
    expect(verdict.problems.find((p) => p.kind === 'chain-broken')?.message).toMatch(/^entry #\d+: its contents do not match its authentication code/);
  }, SLOW);

  it('report dropped append-only triggers', () => {
    const home = tampered(dropTriggers);
    const verdict = expectReported(home, ['triggers-dropped']);
    expect(verdict.problems.map((p) => p.kind)).toEqual(['triggers-dropped']);
  }, SLOW);

  it('report a missing head file', () => {
    const home = tampered((_db, dir) => unlinkSync(homePaths(dir).auditHead));
    const verdict = expectReported(home, ['head-missing']);
    expect(verdict.problems.map((p) => p.kind)).toEqual(['head-missing']);
  }, SLOW);

  it('report a batch whose export entry is not in the trail', () => {
    const home = tampered((db) => {
      db.prepare(
        "INSERT INTO batches (name, desk_id, format, file_name, row_count, sha256, created_at, created_by) VALUES ('hq-20261129-9', 'hq', 'entra-csv', 'x.csv', 1, 'x', '2026-11-29', 'mallory')",
      ).run();
    });
    const verdict = expectReported(home, ['batch-entry-missing']);
    expect(verdict.problems.find((p) => p.kind === 'batch-entry-missing')?.message).toMatch(/batch hq-20261129-9 .* export entry is not in the trail/);
  }, SLOW);
});
