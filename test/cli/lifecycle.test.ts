/**
 * After the hand-out from the command line: return, restock, replace, lost, retire, release and
 * holders, with their exit codes (0 done, 1 refused and nothing changed, 2 usage).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeAt } from '../../src/core/totp.js';
import { tempDir } from '../support/home.js';
import { json, tokendesk } from '../support/cli.js';
import { entraCsv, makeTokens, type TestToken } from '../support/seedFiles.js';

const code = (t: TestToken, shiftMs = 0) => codeAt({ secret: t.secret, algorithm: 'SHA1', digits: 6, period: 30 }, Date.now() + shiftMs);

describe('tokendesk tokens return|restock|replace|lost|retire|release and holders', () => {
  it('records the life of a token after its hand-out and answers who holds what', () => {
    const dir = tempDir();
    const home = join(dir, 'home');
    expect(tokendesk(['init', '--desk', 'hq'], { home }).status).toBe(0);
    const tokens = makeTokens(4);
    writeFileSync(join(dir, 'box.csv'), entraCsv(tokens));
    expect(tokendesk(['import', join(dir, 'box.csv')], { home }).status).toBe(0);
    const [a, b, c, d] = tokens as [TestToken, TestToken, TestToken, TestToken];

    expect(tokendesk(['assign', '--serial', a.serial, '--upn', 'ann@contoso.com', '--code', code(a)], { home }).status).toBe(0);
    const returned = tokendesk(['tokens', 'return', a.serial, '--note', 'left the company', '--json'], { home });
    expect(returned.status, returned.stderr).toBe(0);
    expect(json(returned)).toMatchObject({ ok: true, from: 'assigned', to: 'returned', upn: 'ann@contoso.com', removal: null });
    // Twice: refused, says what to do, exit 1.
    const again = tokendesk(['tokens', 'return', a.serial], { home });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already recorded; an admin can put it back in stock \(`tokendesk tokens restock SERIAL`\)/);

    // Restock with the code on stdin-free --code; a wrong code is refused first.
    const wrong = tokendesk(['tokens', 'restock', a.serial, '--code', '000000', '--json'], { home });
    expect(wrong.status).toBe(1);
    const restocked = tokendesk(['tokens', 'restock', a.serial, '--code', code(a, 30_000), '--json'], { home });
    expect(restocked.status, restocked.stdout).toBe(0);
    expect(json(restocked)).toMatchObject({ ok: true, serial: a.serial });

    // Replace: the old one ends, the new one goes through assign --replaces.
    expect(tokendesk(['assign', '--serial', b.serial, '--upn', 'bob@contoso.com', '--code', code(b)], { home }).status).toBe(0);
    const replaced = tokendesk(['tokens', 'replace', b.serial, '--condition', 'broken', '--json'], { home });
    expect(replaced.status, replaced.stderr).toBe(0);
    const { replacesAssignmentId } = json<{ replacesAssignmentId: number }>(replaced);
    const next = tokendesk(['assign', '--serial', c.serial, '--upn', 'bob@contoso.com', '--code', code(c), '--replaces', String(replacesAssignmentId), '--json'], { home });
    expect(next.status, next.stdout).toBe(0);

    const bobs = json<{ holders: Array<{ serial: string; current: boolean; ended: { how: string } | null; replacesAssignmentId: number | null }> }>(
      tokendesk(['holders', '--upn', 'Bob@Contoso.com', '--json'], { home }),
    ).holders;
    expect(bobs.map((h) => [h.serial, h.current, h.ended?.how ?? null, h.replacesAssignmentId])).toEqual([
      [b.serial, false, 'replaced', null],
      [c.serial, true, null, replacesAssignmentId],
    ]);
    const csv = tokendesk(['holders', '--serial', b.serial, '--format', 'csv'], { home });
    expect(csv.status).toBe(0);
    expect(csv.stdout.trim().split('\n')).toEqual([
      'serial,status,upn,handedOutAt,handedOutBy,deskId,batch,ended,endedAt,note,model',
      expect.stringMatching(new RegExp(`^${b.serial},broken,bob@contoso.com,.*,hq,,replaced,.*,,Token2 C202$`)),
    ]);

    // Lost is for good; retire needs a reason (usage, exit 2); release only from quarantine (exit 1).
    expect(tokendesk(['tokens', 'lost', d.serial], { home }).status).toBe(0);
    const restockLost = tokendesk(['tokens', 'restock', d.serial, '--code', code(d)], { home });
    expect(restockLost.status).toBe(1);
    expect(restockLost.stderr).toMatch(/lost tokens are never handed out again/);
    expect(tokendesk(['tokens', 'retire', d.serial], { home }).status).toBe(2);
    expect(tokendesk(['tokens', 'retire', d.serial, '--reason', 'found broken in a drawer'], { home }).status).toBe(0);
    expect(tokendesk(['tokens', 'release', a.serial], { home }).status).toBe(1);
    expect(tokendesk(['holders', '--format', 'xml'], { home }).status).toBe(2);
    expect(tokendesk(['holders', '--limit', 'many'], { home }).status).toBe(2);
    expect(tokendesk(['tokens', 'return', '0099999999999'], { home }).status).toBe(1);

    const listed = json<{ tokens: Array<{ status: string }> }>(tokendesk(['tokens', 'list', '--status', 'retired', '--json'], { home }));
    expect(listed.tokens).toHaveLength(1);
    const drift = tokendesk(['tokens', 'drift', '--json'], { home });
    expect(drift.status).toBe(0);
    expect(json(drift)).toMatchObject({ ok: true, clock: null, imports: [{ tokens: 4 }] });
    expect(tokendesk(['audit', 'verify'], { home }).status).toBe(0);
  });
});
