/**
 * One measured run of the format bench in a fresh process, so its peak memory is its own:
 *   formats-child.js import FILE HOME [PASSWORD]  -> importSeeds of the file (format detected)
 *   formats-child.js floor ROWS HOME              -> the raw prepared insert of the same rows
 * ROWS is a tab-separated list the parent writes beside the seed file:
 *   serial, secret length, algorithm, digits, period
 * Prints one JSON line: {ms, rows, maxRssMb}.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { importSeeds } from '../src/services/importSeeds.js';
import { openInventory } from '../src/store/db.js';

const [mode, file, home, password] = process.argv.slice(2) as [string, string, string, string | undefined];
const inventory = openInventory(home);

let ms: number;
let rows: number;
if (mode === 'import') {
  const start = performance.now();
  const report = await importSeeds(inventory, { file, password, actor: { name: 'bench', role: 'admin' } });
  ms = performance.now() - start;
  rows = report.added;
  if (!report.committed) throw new Error(`import refused: ${report.refusal}`);
} else if (mode === 'floor') {
  // The rows already read and decoded (not timed), one sealed-size blob each, inserted with one
  // prepared statement in one transaction: what the import cannot beat.
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split('\t'));
  const blobs = lines.map((cells) => randomBytes(12 + Number(cells[1]) + 16));
  const importId = Number(
    inventory.sqlite
      .prepare("INSERT INTO imports (file_name, file_size, sha256, format, added, already_present, rejected, skipped, imported_at, imported_by) VALUES ('floor', 0, 'x', 'oath-csv', 0, 0, 0, 0, '', '')")
      .run().lastInsertRowid,
  );
  const insert = inventory.sqlite.prepare(
    'INSERT INTO tokens (serial, sealed_secret, algorithm, digits, period, manufacturer, model, drift_steps, preassigned_upn, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const start = performance.now();
  inventory.sqlite.transaction(() => {
    lines.forEach((c, i) => insert.run(c[0]!, blobs[i]!, c[2]!, Number(c[3]), Number(c[4]), 'Token2', 'C202', 0, null, importId));
  })();
  ms = performance.now() - start;
  rows = lines.length;
} else {
  throw new Error(`unknown mode ${mode}`);
}
inventory.close();
process.stdout.write(`${JSON.stringify({ ms, rows, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
