import type { Command } from 'commander';
import { listAudit, verifyAudit } from '../services/auditTrail.js';
import { out, printJson, withHome, withInventory, withJson } from './shared.js';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the hash-chained audit trail');

  withJson(withHome(audit.command('verify')))
    .description('check the hash chain; names the first row that was edited, deleted or reordered')
    .action(async (options: { home?: string; json?: boolean }) => {
      await withInventory(options, (inventory) => {
        const report = verifyAudit(inventory);
        if (options.json) printJson(report);
        else if (report.ok) out(`Audit trail intact: ${report.rows} entries, head #${report.head.seq} ${report.head.hash.slice(0, 16)}...`);
        else out(`Audit trail BROKEN at entry #${report.firstBroken!.seq}: ${report.firstBroken!.problem}. Entries up to #${report.head.seq} are intact.`);
        return report.ok ? 0 : 1;
      });
    });

  withJson(withHome(audit.command('list')))
    .description('list audit entries')
    .option('--since <time>', 'only entries at or after this ISO time, e.g. 2026-11-29')
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10))
    .action(async (options: { home?: string; json?: boolean; since?: string; limit?: number }) => {
      await withInventory(options, (inventory) => {
        const rows = listAudit(inventory, { since: options.since, limit: options.limit });
        if (options.json) return printJson({ ok: true, entries: rows.map((r) => ({ ...r, subject: JSON.parse(r.subject) as unknown })) });
        for (const r of rows) out(`#${String(r.seq).padEnd(5)} ${r.at}  ${r.deskId}  ${r.actor.padEnd(16)} ${r.action.padEnd(14)} ${r.subject}`);
        if (rows.length === 0) out('No audit entries.');
      });
    });
}
