/**
 * Issue 15 item 2 end to end: a LinOTP or multiOTP batch from the command line comes with its
 * `.assign.csv` (who gets which token) beside the file, and the two read by ports of LinOTP's and
 * multiOTP's own import and assignment code (test/targets) give every token to its holder. Void
 * removes the list with the batch; a rewrite writes it again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { json, tokendesk } from '../support/cli.js';
import { handedOutHome } from '../support/cliDesk.js';
import { readLinotp } from '../targets/linotpReader.js';
import { readMultiotp } from '../targets/multiotpReader.js';

interface Exported {
  filePath: string;
  manifestPath: string;
  assignmentListPath?: string;
  manifest: { batch: string; count: number };
}

describe('LinOTP and multiOTP batches carry their assignment list', () => {
  it('writes <file>.assign.csv beside the file; the targets read every token with its user', () => {
    const { dir, home, tokens } = handedOutHome(3);
    const want = tokens.map((t, i) => ({ serial: t.serial, seedHex: Buffer.from(t.secret).toString('hex'), algorithm: 'sha1', digits: 6, period: 30, user: `e${i}@contoso.com` }));

    const text = tokendesk(['export', '--format', 'linotp-csv', '--realm', 'corp'], { home });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/assign {4}\S+\.assign\.csv \(who gets which token/);
    const first = json<{ batches: Array<{ name: string }> }>(tokendesk(['batch', 'list', '--json'], { home })).batches[0]!.name;
    const lin = json<Exported>(tokendesk(['export', '--batch', first, '--json'], { home }));
    expect(lin.assignmentListPath).toBe(lin.filePath.replace(/\.csv$/, '.assign.csv'));
    const read = readLinotp(readFileSync(lin.filePath), readFileSync(lin.assignmentListPath!));
    expect(read.sort((a, b) => a.serial.localeCompare(b.serial))).toEqual(want.map((w) => ({ ...w, realm: 'corp' })).sort((a, b) => a.serial.localeCompare(b.serial)));
    const list = readFileSync(lin.assignmentListPath!, 'utf8');
    for (const t of tokens) expect(list).not.toContain(Buffer.from(t.secret).toString('hex'));

    // Void takes the list away with the batch.
    const voided = json<{ removedFiles: string[] }>(tokendesk(['batch', 'void', first, '--reason', 'multiOTP after all', '--json'], { home }));
    expect(voided.removedFiles).toContain(lin.assignmentListPath);
    expect(existsSync(lin.assignmentListPath!)).toBe(false);

    const out = join(dir, 'stick');
    const multi = json<Exported>(tokendesk(['export', '--format', 'multiotp-csv', '--out', out, '--json'], { home }));
    expect(multi.assignmentListPath).toBe(join(out, `tokendesk-${multi.manifest.batch}.assign.csv`));
    const readM = readMultiotp(readFileSync(multi.filePath), readFileSync(multi.assignmentListPath!));
    expect(readM.map(({ manufacturer: _m, ...t }) => t).sort((a, b) => a.serial.localeCompare(b.serial))).toEqual([...want].sort((a, b) => a.serial.localeCompare(b.serial)));

    // A rewrite writes the list again beside the file.
    expect(json<Exported>(tokendesk(['export', '--batch', multi.manifest.batch, '--json'], { home })).assignmentListPath).toBeDefined();
  }, 120_000);
});
