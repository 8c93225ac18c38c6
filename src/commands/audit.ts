import type { Command } from 'commander';
import { listAudit, verifyAudit, type AuditReport } from '../services/auditTrail.js';
import { limitOption, sinceOption } from './options.js';
import { out, printJson, withHome, withInventory, withJson } from './shared.js';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the authenticated, hash-chained audit trail');

  withJson(withHome(audit.command('verify')))
    .description('check every entry, the head file, the batch manifests and the append-only triggers; exit 1 on any sign of tampering')
    .action(async (options: { home?: string; json?: boolean }) => {
      await withInventory(options, (inventory) => {
        const report = verifyAudit(inventory);
        if (options.json) printJson(report);
        else for (const line of auditSummary(report)) out(line);
        return report.ok ? 0 : 1;
      });
    });

  withJson(withHome(audit.command('list')))
    .description('list audit entries, newest first')
    .option('--since <time>', 'only entries at or after this ISO time, e.g. 2026-11-29', sinceOption)
    .option('--oldest', 'oldest first (with --limit: the oldest entries)')
    .option('--limit <n>', 'at most this many (1 to 1000000)', limitOption(1_000_000))
    .action(async (options: { home?: string; json?: boolean; since?: string; limit?: number; oldest?: boolean }) => {
      await withInventory(options, (inventory) => {
        const rows = listAudit(inventory, { since: options.since, limit: options.limit, newestFirst: !options.oldest });
        if (options.json) return printJson({ ok: true, entries: rows.map((r) => ({ ...r, subject: JSON.parse(r.subject) as unknown })) });
        for (const r of rows) out(`#${String(r.seq).padEnd(5)} ${r.at}  ${r.deskId}  ${r.actor.padEnd(16)} ${r.action.padEnd(14)} ${r.subject}`);
        if (rows.length === 0) out('No audit entries.');
      });
    });
}

/** The verdict in lines a person reads: intact (and how far it is keyed), or every problem found. */
export function auditSummary(report: AuditReport): string[] {
  const legacy = report.legacyUpTo
    ? `; entries #1 to #${report.legacyUpTo} are legacy (written before entries were authenticated: checked as a plain hash chain)`
    : '';
  if (report.ok) {
    return [`Audit trail intact: ${report.rows} entries, head #${report.head.seq} ${report.head.hash.slice(0, 16)}..., each authenticated with this home's key${legacy}.`];
  }
  return [
    `Audit trail BROKEN: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} found${legacy}.`,
    ...report.problems.map((p) => `  - ${p.kind}: ${p.message}`),
    'Keep this database and its backups as evidence; `tokendesk audit list` shows what is left.',
  ];
}
