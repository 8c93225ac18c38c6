/**
 * `tokendesk holders [--upn U] [--serial S] [--format text|csv|json]`: who holds which token, from
 * the desk's own records. A serial shows its holder now and before; a UPN shows every token the
 * person was given (returned, lost and undone ones included); neither lists every live hand-out.
 */
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { csvCell } from '../formats/csv.js';
import { lifecycle } from '../services/home.js';
import { asAdmin, oneOf, out, printJson, withHome, withJson, withSignIn } from './shared.js';

/** A cell a spreadsheet will not run as a formula (notes are free text). */
const cell = (value: string) => csvCell(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

const COLUMNS = ['serial', 'status', 'upn', 'handedOutAt', 'handedOutBy', 'deskId', 'batch', 'ended', 'endedAt', 'note', 'model'] as const;

export function registerHolders(program: Command): void {
  withSignIn(withJson(withHome(program.command('holders'))))
    .description("who holds which token: a token's holders, a person's tokens, or every live hand-out (admins)")
    .option('--upn <upn>', "one person's tokens, including returned and lost ones")
    .option('--serial <serial>', "one token's holder now and before")
    .option('--format <format>', 'text, csv or json', 'text')
    .option('--limit <n>', 'without --upn or --serial: at most this many', (v) => Number.parseInt(v, 10))
    .action(async (options: { home?: string; json?: boolean; as?: string; pinStdin?: boolean; upn?: string; serial?: string; format: string; limit?: number }) => {
      const format = options.json ? 'json' : oneOf(options.format, ['text', 'csv', 'json'], '--format');
      if (options.limit !== undefined && !(Number.isSafeInteger(options.limit) && options.limit > 0)) throw new UsageError('--limit takes a whole number above 0');
      await asAdmin(options, (inventory, actor) => {
        const rows = lifecycle.holders(inventory, { upn: options.upn, serial: options.serial, limit: options.limit, actor });
        if (format === 'json') return printJson({ ok: true, holders: rows });
        const cells = rows.map((r) => ({
          serial: r.serial,
          status: r.status,
          upn: r.upn ?? '',
          handedOutAt: r.handedOutAt ?? '',
          handedOutBy: r.handedOutBy ?? '',
          deskId: r.deskId ?? '',
          batch: r.batch ?? '',
          ended: r.current ? 'holds it' : (r.ended?.how ?? ''),
          endedAt: r.ended?.at ?? '',
          note: r.ended?.note ?? (r.quarantineReason ? `quarantined: ${r.quarantineReason}` : ''),
          model: r.model,
        }));
        if (format === 'csv') {
          out(COLUMNS.join(','));
          for (const c of cells) out(COLUMNS.map((k) => cell(c[k])).join(','));
          return;
        }
        if (rows.length === 0) return out(options.upn ? `Nobody at this desk ever gave ${options.upn} a token.` : 'No token is handed out.');
        out(`${'SERIAL'.padEnd(16)} ${'STATUS'.padEnd(11)} ${'HOLDER'.padEnd(30)} ${'HANDED OUT'.padEnd(20)} ${'DESK'.padEnd(10)} NOW`);
        for (const c of cells) {
          out(`${c.serial.padEnd(16)} ${c.status.padEnd(11)} ${(c.upn || '-').padEnd(30)} ${(c.handedOutAt.slice(0, 19) || '-').padEnd(20)} ${(c.deskId || '-').padEnd(10)} ${c.ended}${c.endedAt ? ` ${c.endedAt.slice(0, 10)}` : ''}${c.note ? ` (${c.note})` : ''}`);
        }
        out(`${rows.length} row(s)`);
      });
    });
}
