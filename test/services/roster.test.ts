import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Refusal } from '../../src/core/errors.js';
import { explainSearch, findByBadge, findByUpn, importRoster, nameWords, rosterSize, searchRoster } from '../../src/services/roster.js';
import { ADMIN, STAFF, freshInventory, snapshot, writeTemp } from '../support/home.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/roster/${name}`, import.meta.url));

async function refusalOf(fn: () => Promise<unknown>): Promise<Refusal> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const upns = (people: Array<{ upn: string }>) => people.map((p) => p.upn);

describe('importRoster', () => {
  it('reads an Excel-saved HR export: BOM, CRLF, loose header names, extra columns, quoted cells', async () => {
    const inventory = freshInventory();
    const report = await importRoster(inventory, { file: fixture('people.csv'), actor: ADMIN });
    expect(report).toMatchObject({ added: 5, updated: 0, unchanged: 0, rejects: [], committed: true, people: 5 });
    expect(rosterSize(inventory)).toBe(5);
    expect(findByUpn(inventory, 'JOHN.SMITH@example.com')).toEqual({
      upn: 'john.smith@example.com',
      displayName: 'Smith, John',
      employeeId: 'E1002',
      badge: '04A7C3',
      login: null,
    });
    expect(findByUpn(inventory, 'jose.garcia@example.com')).toMatchObject({ displayName: 'José García', badge: null });
    expect(findByUpn(inventory, 'd.dupont@example.com')?.displayName).toBe('Didier "Dee" Dupont');
    const audit = inventory.sqlite.prepare("SELECT actor, subject FROM audit_log WHERE action = 'roster-import'").get() as { actor: string; subject: string };
    expect(audit.actor).toBe(ADMIN.name);
    expect(JSON.parse(audit.subject)).toEqual({ file: 'people.csv', added: 5, updated: 0, unchanged: 0 });
  });

  it('refuses the whole file when any line is bad, naming each line and why', async () => {
    const inventory = freshInventory();
    const before = snapshot(inventory.paths.database);
    const report = await importRoster(inventory, { file: fixture('people-bad.csv'), actor: ADMIN });
    expect(report.committed).toBe(false);
    expect(report.rejects).toEqual([
      { line: 3, reason: 'UPN: a UPN looks like name@example.com' },
      { line: 4, reason: 'the display name is empty' },
      { line: 5, reason: 'UPN ok.person@example.com is also on line 2' },
      { line: 6, reason: 'badge B1 is also on line 2' },
      { line: 7, reason: 'it has 3 cells, the header has 4' },
      { line: 8, reason: 'the employee id has spaces, control or non-ASCII characters' },
    ]);
    expect(snapshot(inventory.paths.database)).toBe(before);
  });

  it('writes nothing on a dry run', async () => {
    const inventory = freshInventory();
    const before = snapshot(inventory.paths.database);
    const report = await importRoster(inventory, { file: fixture('people.csv'), actor: ADMIN, dryRun: true });
    expect(report).toMatchObject({ added: 5, committed: false, dryRun: true });
    expect(snapshot(inventory.paths.database)).toBe(before);
  });

  it('updates people by UPN on re-import, keeps those not in the file, and lets two people swap badges', async () => {
    const inventory = freshInventory();
    await importRoster(inventory, { file: fixture('people.csv'), actor: ADMIN });
    const report = await importRoster(inventory, { file: fixture('people-update.csv'), actor: ADMIN });
    expect(report).toMatchObject({ added: 1, updated: 2, unchanged: 1, rejects: [], committed: true });
    expect(rosterSize(inventory)).toBe(6);
    expect(findByBadge(inventory, '04A7C5')).toMatchObject({ upn: 'j.doe@example.com', displayName: 'Jane Doe-Roe' });
    expect(findByBadge(inventory, '04A7C2')?.upn).toBe('anne-marie.oneil@example.com');
    expect(findByUpn(inventory, 'jose.garcia@example.com')).toBeDefined();
    // The new name is searchable, the old word list was replaced.
    expect(upns(searchRoster(inventory, 'roe'))).toEqual(['j.doe@example.com']);
  });

  it('refuses a badge that already belongs to someone else in the roster', async () => {
    const inventory = freshInventory();
    await importRoster(inventory, { file: fixture('people.csv'), actor: ADMIN });
    const file = writeTemp('more.csv', 'upn,display name,badge\nnew@example.com,New Person,04A7C2\n');
    const report = await importRoster(inventory, { file, actor: ADMIN });
    expect(report.rejects).toEqual([{ line: 2, reason: 'badge 04A7C2 already belongs to j.doe@example.com in the roster' }]);
    expect(rosterSize(inventory)).toBe(5);
  });

  it('refuses a file without a usable header, without echoing its first line', async () => {
    const inventory = freshInventory();
    const noHeader = await refusalOf(() => importRoster(inventory, { file: fixture('no-header.csv'), actor: ADMIN }));
    expect(noHeader.code).toBe('bad-roster-file');
    expect(noHeader.message).toMatch(/no-header\.csv: line 1 is not a roster header \(missing: upn, display name, employee id or badge\)/);
    expect(noHeader.message).not.toContain('j.doe');
    const noIds = writeTemp('ids.csv', 'upn,display name\na@example.com,A\n');
    expect((await refusalOf(() => importRoster(inventory, { file: noIds, actor: ADMIN }))).message).toMatch(/missing: employee id or badge/);
    const twice = writeTemp('twice.csv', 'upn,UPN,name,badge\n');
    expect((await refusalOf(() => importRoster(inventory, { file: twice, actor: ADMIN }))).message).toMatch(/names the upn column twice/);
    const unclosed = writeTemp('unclosed.csv', 'upn,name,badge\na@example.com,"Open,1\n');
    expect((await refusalOf(() => importRoster(inventory, { file: unclosed, actor: ADMIN }))).message).toMatch(/unclosed\.csv: line 2: .*never closed/);
    expect((await refusalOf(() => importRoster(inventory, { file: writeTemp('empty.csv', ''), actor: ADMIN }))).message).toMatch(/is empty/);
    expect(rosterSize(inventory)).toBe(0);
  });

  it('is for admins', async () => {
    const inventory = freshInventory();
    expect((await refusalOf(() => importRoster(inventory, { file: fixture('people.csv'), actor: STAFF }))).code).toBe('not-allowed');
  });
});

describe('finding people', () => {
  async function withRoster() {
    const inventory = freshInventory();
    await importRoster(inventory, { file: fixture('people.csv'), actor: ADMIN });
    return inventory;
  }

  it('type-ahead: prefix of the UPN or of any word of the name, any case, accents optional', async () => {
    const inventory = await withRoster();
    expect(upns(searchRoster(inventory, 'J'))).toEqual([
      // UPN matches come in UPN order.
      'j.doe@example.com',
      'john.smith@example.com',
      'jose.garcia@example.com',
    ]);
    // UPN matches come first: anne-marie.oneil@ before Anna Zed, although "anna" < "anne".
    await importRoster(inventory, { file: writeTemp('anna.csv', 'upn,display name,badge\nzed@example.com,Anna Zed,Z1\n'), actor: ADMIN });
    expect(upns(searchRoster(inventory, 'an'))).toEqual(['anne-marie.oneil@example.com', 'zed@example.com']);
    // UPN matches come before name matches.
    expect(upns(searchRoster(inventory, 'd'))).toEqual(['d.dupont@example.com', 'j.doe@example.com']);
    expect(upns(searchRoster(inventory, 'smi'))).toEqual(['john.smith@example.com']);
    expect(upns(searchRoster(inventory, 'GARC'))).toEqual(['jose.garcia@example.com']);
    expect(upns(searchRoster(inventory, 'garcía'))).toEqual(['jose.garcia@example.com']);
    expect(upns(searchRoster(inventory, 'marie'))).toEqual(['anne-marie.oneil@example.com']);
    expect(upns(searchRoster(inventory, 'neil'))).toEqual(['anne-marie.oneil@example.com']);
    expect(upns(searchRoster(inventory, 'dee'))).toEqual(['d.dupont@example.com']);
    // Each typed word narrows: "jane d" is Jane Doe, not Didier Dupont.
    expect(upns(searchRoster(inventory, 'jane d'))).toEqual(['j.doe@example.com']);
    expect(searchRoster(inventory, 'oe')).toEqual([]);
    expect(searchRoster(inventory, '   ')).toEqual([]);
    expect(searchRoster(inventory, 'j', 2)).toHaveLength(2);
  });

  it('goes on reading past people matched through several words until it has enough different people', async () => {
    const inventory = freshInventory();
    const file = writeTemp('words.csv', 'upn,display name,badge\np1@example.com,Ann Anna Annette,B1\np2@example.com,Anne Zed,B2\np3@example.com,Annika Zed,B3\n');
    await importRoster(inventory, { file, actor: ADMIN });
    // Words in order: ann (p1), anna (p1), anne (p2), annette (p1), annika (p3): the first two rows are one person.
    expect(upns(searchRoster(inventory, 'ann', 2))).toEqual(['p1@example.com', 'p2@example.com']);
    expect(upns(searchRoster(inventory, 'ann', 3))).toEqual(['p1@example.com', 'p2@example.com', 'p3@example.com']);
    expect(upns(searchRoster(inventory, 'ann zed', 5))).toEqual(['p2@example.com', 'p3@example.com']);
  });

  it('finds a person by badge or by employee id', async () => {
    const inventory = await withRoster();
    expect(findByBadge(inventory, ' 04A7C3 ')?.upn).toBe('john.smith@example.com');
    expect(findByBadge(inventory, 'E1003')?.upn).toBe('jose.garcia@example.com');
    expect(findByBadge(inventory, '04A7C4')).toBeUndefined();
    expect(findByBadge(inventory, '')).toBeUndefined();
  });

  it('splits names into the words people type', () => {
    expect(nameWords("Anne-Marie  O'Neil")).toEqual(['anne-marie', 'anne', 'marie', "o'neil", 'o', 'neil']);
    expect(nameWords('Smith, John (IT)')).toEqual(['smith', 'john', 'it']);
  });

  it('searches 50,000 people through the indexes, never a table scan', async () => {
    const inventory = freshInventory();
    const first = ['Jane', 'John', 'José', 'Anna', 'Mohammed', 'Wei', 'Olga', 'Pierre', 'Aiko', 'Kwame'];
    const last = ['Doe', 'Smith', 'García', 'Nguyen', 'Müller', 'Okafor', 'Rossi', 'Kowalski', 'Tanaka', 'Silva'];
    const lines = ['upn,display name,employee id,badge'];
    for (let i = 0; i < 50_000; i++) {
      const f = first[i % 10]!;
      const l = last[Math.floor(i / 10) % 10]!;
      const ascii = (name: string) => name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
      lines.push(`${ascii(f)}.${ascii(l)}${i}@example.com,${f} ${l} ${i},E${i},B${i.toString(16).padStart(6, '0')}`);
    }
    const report = await importRoster(inventory, { file: writeTemp('big.csv', lines.join('\n')), actor: ADMIN });
    expect(report).toMatchObject({ added: 50_000, committed: true });

    expect(searchRoster(inventory, 'mül', 5)).toHaveLength(5);
    expect(upns(searchRoster(inventory, 'wei nguyen 2435'))).toEqual(['wei.nguyen2435@example.com']);
    expect(findByBadge(inventory, 'B003039')?.upn).toBe('wei.muller12345@example.com');
    expect(findByBadge(inventory, 'E12345')?.upn).toBe('wei.muller12345@example.com');

    // The plan, not a stopwatch: every read of a roster table is an index search, never a scan.
    for (const text of ['mu', 'wei ngu', 'anna.', 'z']) {
      const plan = explainSearch(inventory, text);
      expect(plan.filter((step) => /roster_(people|words)|\bp\b/.test(step)).length, plan.join('\n')).toBeGreaterThan(0);
      expect(plan.filter((step) => /^SCAN (roster_people|roster_words|p|w)\b/.test(step)), plan.join('\n')).toEqual([]);
      // Rows come in index order, so the walk stops at the limit: nothing is sorted.
      expect(plan.filter((step) => /TEMP B-TREE/.test(step)), plan.join('\n')).toEqual([]);
    }
    const plan = (sql: string, ...params: unknown[]) =>
      (inventory.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
    expect(plan('SELECT upn FROM roster_people WHERE badge = ?', 'B1')).toMatch(/SEARCH roster_people USING (COVERING )?INDEX roster_people_badge_unique/);
    expect(plan('SELECT upn FROM roster_people WHERE employee_id = ?', 'E1')).toMatch(
      /SEARCH roster_people USING (COVERING )?INDEX roster_people_employee_id_unique/,
    );
  });
});
