import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { BATCH_FORMATS, type BatchFormat } from '../formats/types.js';
import { exportBatch, normaliseSince, type OrphanReport } from '../services/exportBatch.js';
import { asAdmin, oneOf, out, printJson, withHome, withJson, withSignIn } from './shared.js';

interface ExportOptions {
  home?: string;
  json?: boolean;
  format?: string;
  out?: string;
  since?: string;
  desk?: string;
  batch?: string;
  skipUnsupported?: boolean;
}

export function registerExport(program: Command): void {
  withSignIn(withJson(withHome(program.command('export'))))
    .description('write a new batch of verified hand-outs not yet exported, for upload to the identity provider')
    .option('--format <format>', `one of ${BATCH_FORMATS.join(', ')} (default: entra-csv; with --batch: the batch's own)`)
    .option('--out <dir>', 'folder for the batch file and its manifest (default: HOME/exports)')
    .option('--since <time>', 'only hand-outs verified at or after this time, e.g. 2026-11-29 or 2026-11-29T08:00:00Z')
    .option('--desk <id>', 'only hand-outs made at this desk id')
    .option('--batch <id>', 'write this existing batch (name or number) again, byte for byte as first exported')
    .option('--skip-unsupported', 'leave tokens this format cannot carry waiting instead of refusing')
    .action(async (options: ExportOptions) => {
      await asAdmin(options, (inventory, actor) => {
        const format = options.format === undefined ? undefined : oneOf<BatchFormat>(options.format, BATCH_FORMATS, '--format');
        if (options.since !== undefined) {
          try {
            normaliseSince(options.since);
          } catch (error) {
            throw new UsageError((error as Error).message);
          }
        }
        if (options.batch !== undefined && (options.since !== undefined || options.desk !== undefined || options.skipUnsupported)) {
          throw new UsageError('--batch writes an existing batch again as it was: it cannot be combined with --since, --desk or --skip-unsupported');
        }
        const result = exportBatch(inventory, {
          format,
          outDir: options.out,
          since: options.since,
          desk: options.desk,
          batch: options.batch,
          skipUnsupported: options.skipUnsupported,
          actor,
        });
        if (options.json) return printJson({ ok: true, ...result });
        printOrphans(result.orphaned);
        if (!result.manifest) {
          const filtered = options.since !== undefined || options.desk !== undefined ? ' that match --since/--desk' : '';
          out(`Nothing to export: no verified hand-outs${filtered} are waiting. Nothing was written.`);
        } else {
          const m = result.manifest;
          out(result.rewritten ? `Batch ${m.batch} written again, byte for byte: ${m.count} token(s) in ${m.format}` : `Batch ${m.batch}: ${m.count} token(s) in ${m.format}`);
          out(`  file      ${result.filePath}`);
          out(`  manifest  ${result.manifestPath}`);
          out(`  sha256    ${m.sha256}`);
          out('The file holds seeds: move it to the identity provider and delete it from removable media after upload.');
          out(`After the upload: tokendesk batch mark-uploaded ${m.batch} --purge-seeds`);
        }
        for (const left of result.leftWaiting) out(`  left waiting: ${left.serial} (${left.reason})`);
      });
    });
}

export function printOrphans(report: OrphanReport): void {
  for (const moved of report.moved) {
    out(`Set aside ${moved.from} -> ${moved.to}: an interrupted export left it and no batch of that name was recorded.`);
  }
  if (report.moved.length > 0) out('  Those files hold seeds: delete them once you have checked them. Their hand-outs are still waiting.');
  for (const temp of report.removedTemps) out(`Removed the temp file ${temp} of an interrupted export.`);
}
