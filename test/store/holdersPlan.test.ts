import { describe, expect, it } from 'vitest';
import { holdersQueries } from '../../src/store/lifecycleRepo.js';
import { freshInventory } from '../support/home.js';

/** The plan SQLite would run: each line says SCAN (reads a whole table) or SEARCH (through an index). */
function plan(inventory: ReturnType<typeof freshInventory>, query: { toSQL(): { sql: string; params: unknown[] } }): string[] {
  const { sql, params } = query.toSQL();
  return (inventory.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail);
}

describe('holders queries', () => {
  it('find a token by serial and a person by UPN through indexes, never by reading a whole table', () => {
    const inventory = freshInventory();
    const bySerial = plan(inventory, holdersQueries.bySerial(inventory.db, '0042'));
    expect(bySerial.join('\n')).toMatch(/SEARCH tokens USING (COVERING )?INDEX tokens_serial_unique/);
    expect(bySerial.join('\n')).toMatch(/SEARCH assignments USING INDEX assignments_(token|live_token)/);
    const byUpn = plan(inventory, holdersQueries.byUpn(inventory.db, 'a@example.com'));
    expect(byUpn.join('\n')).toMatch(/SEARCH assignments USING INDEX assignments_upn/);
    expect(byUpn.join('\n')).toMatch(/SEARCH tokens USING INTEGER PRIMARY KEY/);
    for (const line of [...bySerial, ...byUpn]) expect(line).not.toMatch(/^SCAN (tokens|assignments)\b/);
  });
});
