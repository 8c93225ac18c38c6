import type { Command } from 'commander';
import { BATCH_FORMATS, type BatchFormat } from '../formats/types.js';
import { exportBatch } from '../services/exportBatch.js';
import { cliActor, oneOf, out, printJson, withHome, withInventory, withJson } from './shared.js';

export function registerExport(program: Command): void {
  withJson(withHome(program.command('export')))
    .description('write a new batch of verified hand-outs not yet exported, for upload to the identity provider')
    .option('--format <format>', `one of ${BATCH_FORMATS.join(', ')}`, 'entra-csv')
    .option('--out <dir>', 'folder for the batch file and its manifest (default: HOME/exports)')
    .option('--skip-unsupported', 'leave tokens this format cannot carry waiting instead of refusing')
    .action(async (options: { home?: string; json?: boolean; format: string; out?: string; skipUnsupported?: boolean }) => {
      await withInventory(options, (inventory) => {
        const format = oneOf<BatchFormat>(options.format, BATCH_FORMATS, '--format');
        const result = exportBatch(inventory, { format, outDir: options.out, skipUnsupported: options.skipUnsupported, actor: cliActor() });
        if (options.json) return printJson({ ok: true, ...result });
        if (!result.manifest) {
          out('Nothing to export: no verified hand-outs are waiting. Nothing was written.');
        } else {
          out(`Batch ${result.manifest.batch}: ${result.manifest.count} token(s) in ${format}`);
          out(`  file      ${result.filePath}`);
          out(`  manifest  ${result.manifestPath}`);
          out(`  sha256    ${result.manifest.sha256}`);
          out('The file holds seeds: move it to the identity provider and delete it from removable media after upload.');
        }
        for (const left of result.leftWaiting) out(`  left waiting: ${left.serial} (${left.reason})`);
      });
    });
}
