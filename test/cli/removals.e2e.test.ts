/**
 * `tokendesk export --removals` from the command line: usage errors (2), a removal batch (0) with
 * --json, `batch show` and `batch list` naming it, `batch mark-uploaded` recording the removals done.
 * The removals are recorded through the store, as the lifecycle services record them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openInventory } from '../../src/store/db.js';
import { json, tokendesk } from '../support/cli.js';
import { handedOutHome } from '../support/cliDesk.js';

describe('tokendesk export --removals', () => {
  it('makes a removal batch with the documented exit codes, JSON and text', () => {
    const { home, tokens } = handedOutHome(2);
    const handOuts = json<{ manifest: { batch: string } }>(tokendesk(['export', '--format', 'graph-json', '--json'], { home }));
    expect(tokendesk(['batch', 'mark-uploaded', handOuts.manifest.batch], { home }).status).toBe(0);

    const inventory = openInventory(home);
    try {
      inventory.store.write(() =>
        tokens.forEach((_t, i) =>
          inventory.store.removalBatches.request({ tokenId: i + 1, assignmentId: i + 1, upn: `e${i}@contoso.com`, reason: i === 0 ? 'returned' : 'lost', action: i === 0 ? 'unassign' : 'delete', requestedAt: new Date().toISOString(), requestedBy: 'test', deskId: 'hq' }),
        ),
      );
    } finally {
      inventory.close();
    }

    // Usage errors: 2, one clear line, nothing written.
    const multi = tokendesk(['export', '--removals', '--format', 'multiotp-csv'], { home });
    expect(multi.status).toBe(2);
    expect(multi.stderr).toMatch(/no removal list in that format/);
    expect(tokendesk(['export', '--removals', '--since', '2026-01-01'], { home }).status).toBe(2);
    expect(tokendesk(['export', '--removals', '--batch', '1'], { home }).status).toBe(2);

    const made = tokendesk(['export', '--removals', '--format', 'oath-csv', '--json'], { home });
    expect(made.status, made.stderr).toBe(0);
    const doc = json<{ ok: boolean; kind: string; filePath: string; manifest: { batch: string; count: number; kind: string } }>(made);
    expect(doc).toMatchObject({ ok: true, kind: 'removal', manifest: { count: 2, kind: 'removal' } });
    expect(readFileSync(doc.filePath, 'utf8')).toContain(`${tokens[1]!.serial},e1@contoso.com,delete,lost`);

    const listed = tokendesk(['batch', 'list'], { home });
    expect(listed.stdout).toMatch(new RegExp(`${doc.manifest.batch}.*\\(removal batch\\)`));
    const shown = tokendesk(['batch', 'show', doc.manifest.batch], { home });
    expect(shown.stdout).toContain('removal: tokens the identity provider must forget');
    expect(shown.stdout).toMatch(new RegExp(`${tokens[0]!.serial}\\s+e0@contoso.com\\s+unassign\\s+returned`));

    const nothing = tokendesk(['export', '--removals'], { home });
    expect(nothing.stdout).toMatch(/no removal is waiting/);

    const purge = tokendesk(['batch', 'mark-uploaded', doc.manifest.batch, '--purge-seeds'], { home });
    expect(purge.status).toBe(1);
    expect(purge.stderr).toMatch(/holds no seeds to purge/);
    const marked = tokendesk(['batch', 'mark-uploaded', doc.manifest.batch, '--json'], { home });
    expect(marked.status, marked.stderr).toBe(0);
    expect(json(marked)).toMatchObject({ ok: true, removalsDone: 2 });
  }, 120_000);
});
