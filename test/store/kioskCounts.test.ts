/**
 * The kiosk header's counts are kept by triggers (migration 0005): token_counts per status and
 * export_backlog for the hand-outs waiting for export. After a random mix of every writer the desk has
 * (imports, hand-outs, undos, exports, voids, returns, lost, restocks, mark-uploaded with seed purge),
 * and after random set-based SQL on both tables, each counter equals the plain count(*) on the file.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { codeAtStep, timeStep } from '../../src/core/totp.js';
import { exportBatch } from '../../src/services/batch/export.js';
import { markUploaded, voidBatch } from '../../src/services/batch/lifecycle.js';
import { inventoryCounts, localDay, undoHandOut } from '../../src/services/deskTools.js';
import { handOut } from '../../src/services/handOut.js';
import { reportLost, restockToken, returnToken } from '../../src/services/lifecycle/index.js';
import { openInventory, type Inventory } from '../../src/store/db.js';
import { TOKEN_STATUSES, type TokenStatus } from '../../src/store/schema.js';
import { ADMIN, STAFF, freshInventory } from '../support/home.js';
import { makeTokens, type TestToken } from '../support/seedFiles.js';
import { importInto } from '../fixtures/batches/desk.js';

const START = Date.UTC(2026, 10, 29, 9, 0, 10);

/** A small seeded generator, so a failure can be replayed from the seed it prints. */
function generator(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

const PLAIN_WAITING = `SELECT count(*) AS n FROM assignments a JOIN tokens t ON t.id = a.token_id
  WHERE a.batch_id IS NULL AND a.undone_at IS NULL AND a.ended_at IS NULL AND t.status = 'assigned'`;

/** What the counters say and what count(*) says, read from the database file itself. */
function countsOnFile(file: string): { kept: Record<string, number>; plain: Record<string, number> } {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const kept: Record<string, number> = {};
    const plain: Record<string, number> = {};
    for (const status of TOKEN_STATUSES) {
      kept[status] = (sqlite.prepare('SELECT n FROM token_counts WHERE status = ?').get(status) as { n: number } | undefined)?.n ?? 0;
      plain[status] = (sqlite.prepare('SELECT count(*) AS n FROM tokens NOT INDEXED WHERE status = ?').get(status) as { n: number }).n;
    }
    const strays = sqlite.prepare(`SELECT status, n FROM token_counts WHERE n <> 0 AND status NOT IN (${TOKEN_STATUSES.map(() => '?').join(',')})`).all(...TOKEN_STATUSES);
    expect(strays).toEqual([]);
    kept.waiting = (sqlite.prepare('SELECT n FROM export_backlog WHERE id = 1').get() as { n: number }).n;
    plain.waiting = (sqlite.prepare(PLAIN_WAITING).get() as { n: number }).n;
    return { kept, plain };
  } finally {
    sqlite.close();
  }
}

function expectCountsRight(inventory: Inventory, now: number, context: string): void {
  const { kept, plain } = countsOnFile(inventory.paths.database);
  expect(kept, context).toEqual(plain);
  // And what the header shows (through the repositories) is the same.
  const { from, to } = localDay(now);
  const today = (inventory.sqlite
    .prepare('SELECT count(*) AS n FROM assignments NOT INDEXED WHERE desk_id = ? AND verified_at >= ? AND verified_at < ? AND undone_at IS NULL')
    .get(inventory.deskId, from, to) as { n: number }).n;
  expect(inventoryCounts(inventory, { now }), context).toEqual({ inStock: plain['in-stock'], handedOutToday: today, waitingForExport: plain.waiting });
}

/** Runs a service call; a refusal (nothing to export, wrong state...) is a normal outcome here. */
function attempt(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (error instanceof Refusal) return false;
    throw error;
  }
}

async function randomDay(seed: number, steps: number): Promise<{ inventory: Inventory; done: Record<string, number>; handOutSome: (n: number) => void }> {
  const random = generator(seed);
  const inventory = freshInventory('hq');
  const known = new Map<string, TestToken>();
  const done: Record<string, number> = {};
  let now = START;
  let imports = 0;
  const addTokens = async (n: number) => {
    const batch = makeTokens(n, { prefix: `00${70 + imports++}` });
    await importInto(inventory, batch);
    for (const t of batch) known.set(t.serial, t);
  };
  await addTokens(12);
  const pick = <T>(list: readonly T[]): T | undefined => (list.length ? list[random(list.length)] : undefined);
  const withStatus = (status: TokenStatus) =>
    (inventory.sqlite.prepare('SELECT serial FROM tokens WHERE status = ?').all(status) as Array<{ serial: string }>).map((r) => r.serial);
  const codeFor = (serial: string) => codeAtStep({ secret: known.get(serial)!.secret, algorithm: 'SHA1', digits: 6, period: 30 }, timeStep(now, 30));
  const batchIds = (status: string) =>
    (inventory.sqlite.prepare("SELECT id FROM batches WHERE status = ? AND kind = 'hand-out'").all(status) as Array<{ id: number }>).map((r) => r.id);

  for (let step = 0; step < steps; step++) {
    now += 31_000 + random(3) * 3_600_000 * 8; // sometimes the next day: "today" moves
    const op = random(10);
    let name = '';
    let ok = false;
    if (op === 0) {
      name = 'import';
      await addTokens(1 + random(6));
      ok = true;
    } else if (op <= 2) {
      name = 'hand-out';
      const serial = pick(withStatus('in-stock'));
      if (serial) {
        const result = handOut(inventory, { serial, upn: `p${random(8)}@example.com`, code: codeFor(serial), actor: STAFF, now });
        ok = result.ok;
      }
    } else if (op === 3) {
      name = 'undo';
      const live = inventory.sqlite.prepare('SELECT id FROM assignments WHERE undone_at IS NULL AND ended_at IS NULL AND batch_id IS NULL').all() as Array<{ id: number }>;
      const row = pick(live);
      if (row) ok = attempt(() => undoHandOut(inventory, { assignmentId: row.id, reason: 'wrong person', actor: STAFF, now }));
    } else if (op === 4) {
      name = 'export';
      ok = attempt(() => exportBatch(inventory, { format: 'graph-json', actor: ADMIN, now }));
    } else if (op === 5) {
      name = 'void';
      const id = pick(batchIds('exported'));
      if (id !== undefined) ok = attempt(() => voidBatch(inventory, { batch: id, reason: 'redo it', actor: ADMIN, now }));
    } else if (op === 6) {
      name = 'mark-uploaded';
      const id = pick(batchIds('exported'));
      if (id !== undefined) ok = attempt(() => markUploaded(inventory, { batch: id, purgeSeeds: random(2) === 0, actor: ADMIN, now }));
    } else if (op === 7) {
      name = 'return';
      const serial = pick([...withStatus('assigned'), ...withStatus('exported'), ...withStatus('uploaded')]);
      if (serial) ok = attempt(() => returnToken(inventory, { serial, actor: STAFF, now }));
    } else if (op === 8) {
      name = 'lost';
      const serial = pick([...withStatus('assigned'), ...withStatus('exported'), ...withStatus('uploaded'), ...withStatus('in-stock')]);
      if (serial) ok = attempt(() => reportLost(inventory, { serial, actor: STAFF, now }));
    } else {
      name = 'restock';
      const serial = pick(withStatus('returned'));
      if (serial) ok = attempt(() => restockToken(inventory, { serial, code: codeFor(serial), actor: ADMIN, now }));
    }
    if (ok) done[name] = (done[name] ?? 0) + 1;
    expectCountsRight(inventory, now, `seed ${seed}, step ${step} (${name}${ok ? '' : ', refused'})`);
  }
  /** n more hand-outs of tokens in stock, left waiting for export. */
  const handOutSome = (n: number) => {
    for (const serial of withStatus('in-stock').slice(0, n)) {
      now += 31_000;
      expect(handOut(inventory, { serial, upn: `w${serial}@example.com`, code: codeFor(serial), actor: STAFF, now })).toMatchObject({ ok: true });
    }
  };
  return { inventory, done, handOutSome };
}

describe('kiosk header counts kept by triggers', () => {
  it('equal count(*) after every step of random desk days (every writer the desk has)', async () => {
    const seeds = [1, 2, 3, 0xc0ffee];
    const done: Record<string, number> = {};
    for (const seed of seeds) {
      const day = await randomDay(seed, 120);
      for (const [k, v] of Object.entries(day.done)) done[k] = (done[k] ?? 0) + v;
    }
    // The mix really exercised each writer (otherwise the property says little).
    for (const name of ['import', 'hand-out', 'undo', 'export', 'void', 'mark-uploaded', 'return', 'lost', 'restock']) {
      expect(done[name] ?? 0, `${name} succeeded at least 3 times: ${JSON.stringify(done)}`).toBeGreaterThanOrEqual(3);
    }
  }, 120_000);

  it('equal count(*) after random set-based SQL on tokens and assignments, in any order', async () => {
    const { inventory } = await randomDay(7, 40);
    const random = generator(99);
    // Set-based writes the way batchRepo, graphUploadRepo and the lifecycle write: one statement, many rows.
    const statements = [
      () => `UPDATE tokens SET status = '${TOKEN_STATUSES[random(TOKEN_STATUSES.length)]}' WHERE id % ${2 + random(4)} = ${random(2)}`,
      () => `UPDATE assignments SET batch_id = NULL WHERE id % ${2 + random(3)} = 0`,
      () => `UPDATE assignments SET batch_id = (SELECT max(id) FROM batches) WHERE id % ${2 + random(3)} = 1`,
      () => `UPDATE assignments SET undone_at = CASE WHEN undone_at IS NULL THEN '2026-11-30T00:00:00.000Z' ELSE NULL END WHERE id % 3 = ${random(3)}`,
      () => `UPDATE assignments SET ended_at = CASE WHEN ended_at IS NULL THEN '2026-11-30T00:00:00.000Z' ELSE NULL END WHERE id % 4 = ${random(4)}`,
      () => `UPDATE tokens SET status = 'assigned' WHERE id IN (SELECT token_id FROM assignments WHERE id % 2 = ${random(2)})`,
    ];
    inventory.sqlite.pragma('foreign_keys = OFF');
    inventory.sqlite.exec('DROP INDEX assignments_live_token'); // let the SQL make any combination
    for (let i = 0; i < 60; i++) {
      const statement = statements[random(statements.length)]!();
      inventory.sqlite.exec(statement);
      const { kept, plain } = countsOnFile(inventory.paths.database);
      expect(kept, statement).toEqual(plain);
    }
    inventory.sqlite.exec('DELETE FROM assignments WHERE id % 2 = 0');
    inventory.sqlite.exec('DELETE FROM tokens WHERE id % 3 = 0');
    const { kept, plain } = countsOnFile(inventory.paths.database);
    expect(kept).toEqual(plain);
  }, 60_000);

  it('the migration starts the counters from the rows a home already has', async () => {
    const { inventory, handOutSome } = await randomDay(11, 60);
    handOutSome(2);
    const file = inventory.paths.database;
    const dir = inventory.paths.dir;
    const before = countsOnFile(file).plain;
    expect(before.waiting).toBeGreaterThan(0);
    expect(before['in-stock']).toBeGreaterThan(0);
    inventory.close();

    // Take the home back to 0004 (no counters, no triggers), then apply 0005 as the migrator would.
    const sqlite = new Database(file);
    for (const { name } of sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND (name LIKE 'token_counts%' OR name LIKE 'export_backlog%')").all() as Array<{ name: string }>) {
      sqlite.exec(`DROP TRIGGER ${name}`);
    }
    sqlite.exec('DROP TABLE token_counts; DROP TABLE export_backlog; DROP INDEX assignments_desk_verified;');
    // Forget that 0005 ran: the next open applies it to this home, as on a kiosk that upgrades.
    sqlite.prepare('DELETE FROM __drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)').run();
    sqlite.close();
    const reopened = openInventory(dir);
    reopened.close();

    const { kept, plain } = countsOnFile(file);
    expect(plain).toEqual(before);
    expect(kept).toEqual(plain);
  }, 60_000);
});
