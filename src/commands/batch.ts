import type { Command } from 'commander';
import { listBatches } from '../services/batches.js';
import { out, printJson, withHome, withInventory, withJson } from './shared.js';

export function registerBatch(program: Command): void {
  const batch = program.command('batch').description('exported batches');

  withJson(withHome(batch.command('list')))
    .description('list batches, newest first')
    .action(async (options: { home?: string; json?: boolean }) => {
      await withInventory(options, (inventory) => {
        const rows = listBatches(inventory);
        if (options.json) return printJson({ ok: true, batches: rows });
        if (rows.length === 0) return out('No batches yet: `tokendesk export` makes one from verified hand-outs.');
        out(`${'BATCH'.padEnd(28)} ${'FORMAT'.padEnd(10)} ${'TOKENS'.padStart(6)}  ${'STATUS'.padEnd(9)} CREATED`);
        for (const b of rows) {
          out(`${b.name.padEnd(28)} ${b.format.padEnd(10)} ${String(b.rowCount).padStart(6)}  ${b.status.padEnd(9)} ${b.createdAt} by ${b.createdBy}`);
        }
      });
    });
}
