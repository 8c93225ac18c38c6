/**
 * One measured run in a fresh process, so its peak memory is its own:
 *   import-child.js import FILE HOME   -> importSeeds of the file
 *   import-child.js floor FILE HOME    -> the raw prepared insert of the same rows
 * Prints one JSON line: {ms, maxRssMb, rows}.
 */
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { openInventory } from '../src/store/db.js';
import { importSeeds } from '../src/services/importSeeds.js';
import { decodeBase32 } from '../src/core/secretCodec.js';

const [mode, file, home] = process.argv.slice(2) as [string, string, string];
const inventory = openInventory(home);

let ms: number;
let rows: number;
if (mode === 'import') {
  const start = performance.now();
  const report = await importSeeds(inventory, { file, actor: { name: 'bench', role: 'admin' } });
  ms = performance.now() - start;
  rows = report.added;
  if (!report.committed) throw new Error(`import refused: ${report.refusal}`);
} else {
  // The floor: rows already split and decoded (that part is not timed), one sealed-size blob each,
  // inserted with one prepared statement in one transaction, as better-sqlite3's docs advise.
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(','));
  const blobs = lines.map((cells) => randomBytes(12 + decodeBase32(cells[2]!)!.length + 16));
  const importId = Number(
    inventory.sqlite
      .prepare("INSERT INTO imports (file_name, file_size, sha256, format, added, already_present, rejected, skipped, imported_at, imported_by) VALUES ('floor', 0, 'x', 'entra-csv', 0, 0, 0, 0, '', '')")
      .run().lastInsertRowid,
  );
  const insert = inventory.sqlite.prepare(
    'INSERT INTO tokens (serial, sealed_secret, algorithm, digits, period, manufacturer, model, drift_steps, preassigned_upn, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const start = performance.now();
  inventory.sqlite.transaction(() => {
    lines.forEach((c, i) => insert.run(c[1]!, blobs[i]!, 'SHA1', 6, Number(c[3]), c[4]!, c[5]!, 0, null, importId));
  })();
  ms = performance.now() - start;
  rows = lines.length;
}
inventory.close();
process.stdout.write(`${JSON.stringify({ ms, rows, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
