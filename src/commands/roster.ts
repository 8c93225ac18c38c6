import type { Command } from 'commander';
import { DEFAULT_SEARCH_LIMIT, importRoster, rosterSize, searchRoster, type RosterImportReport } from '../services/roster.js';
import { limitOption } from './options.js';
import { asAdmin, out, printJson, withHome, withInventory, withJson, withSignIn } from './shared.js';

interface RosterOptions {
  home?: string;
  json?: boolean;
}

export function registerRoster(program: Command): void {
  const roster = program.command('roster').description('the people tokens are handed out to (type-ahead and badge scans at the kiosk)');

  withSignIn(withJson(withHome(roster.command('import'))))
    .description('import or update people from a CSV: upn, display name, employee id and/or badge (all or nothing)')
    .argument('<file>', 'the roster CSV')
    .option('--dry-run', 'check the file and print the report; write nothing')
    .action(async (file: string, options: RosterOptions & { dryRun?: boolean }) => {
      await asAdmin(options, async (inventory, actor) => {
        const report = await importRoster(inventory, { file, actor, dryRun: options.dryRun });
        const ok = report.rejects.length === 0;
        if (options.json) printJson({ ok, ...report, rosterSize: rosterSize(inventory) });
        else printReport(report, rosterSize(inventory));
        return ok ? 0 : 1;
      });
    });

  withJson(withHome(roster.command('search')))
    .description('find people as the kiosk type-ahead does: start of the UPN or of any word of the name')
    .argument('<text>')
    .option('--limit <n>', `at most this many, 1 to 100 (default ${DEFAULT_SEARCH_LIMIT})`, limitOption(100))
    .action(async (text: string, options: RosterOptions & { limit?: number }) => {
      await withInventory(options, (inventory) => {
        const people = searchRoster(inventory, text, options.limit);
        if (options.json) return printJson({ ok: true, people });
        if (people.length === 0) return out(rosterSize(inventory) === 0 ? 'The roster is empty: `tokendesk roster import FILE`.' : 'Nobody matches.');
        for (const p of people) out(`${p.upn.padEnd(40)} ${p.displayName}${p.badge ? `  badge ${p.badge}` : ''}${p.employeeId ? `  id ${p.employeeId}` : ''}`);
      });
    });
}

function printReport(report: RosterImportReport, size: number): void {
  out(`${report.dryRun ? 'Dry run of the roster import of' : 'Roster import of'} ${report.file}`);
  out(`  people read   ${report.people + report.rejects.length}`);
  if (report.rejects.length === 0) {
    out(`  new           ${report.added}`);
    out(`  updated       ${report.updated}`);
    out(`  unchanged     ${report.unchanged}`);
  }
  out(`  bad lines     ${report.rejects.length}`);
  if (report.rejects.length > 0) {
    out('');
    for (const r of report.rejects.slice(0, 20)) out(`  line ${r.line}: ${r.reason}`);
    if (report.rejects.length > 20) out(`  ... and ${report.rejects.length - 20} more (use --json for all)`);
  }
  for (const w of report.warnings) out(`  warning: ${w.message}`);
  out('');
  if (report.rejects.length > 0) out('Refused: fix the lines above and import the file again; nothing was imported.');
  else if (report.dryRun) out('Dry run: nothing was written.');
  else out(`Done: the roster holds ${size} people.`);
}
