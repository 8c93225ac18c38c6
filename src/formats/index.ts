/**
 * The seed formats tokendesk reads and the batch formats it writes, by name.
 */
import { entraCsvExporter, entraCsvImporter } from './entraCsv.js';
import { graphJsonExporter, graphJsonImporter } from './graphJson.js';
import { oathCsvExporter, oathCsvImporter } from './oathCsv.js';
import { pskcImporter } from './pskc.js';
import { BATCH_FORMATS, type BatchExporter, type BatchFormat, type BatchRow, type SeedFormat, type SeedImporter } from './types.js';

export const importers: Record<SeedFormat, SeedImporter> = {
  'entra-csv': entraCsvImporter,
  'graph-json': graphJsonImporter,
  pskc: pskcImporter,
  'oath-csv': oathCsvImporter,
};

export const exporters: Record<BatchFormat, BatchExporter> = {
  'entra-csv': entraCsvExporter,
  'graph-json': graphJsonExporter,
  'oath-csv': oathCsvExporter,
};

/** The formats that can carry this row, in BATCH_FORMATS order (what a refusal suggests instead). */
export function formatsThatCarry(row: BatchRow): BatchFormat[] {
  return BATCH_FORMATS.filter((format) => exporters[format].whyNot(row) === null);
}

export { defineExporter, layeredExporter } from './batchExporter.js';
export * from './manifest.js';
export { detectFormat, DETECT_HEAD_BYTES } from './detect.js';
export type { Detection } from './detect.js';
export { readCsvRecords } from './csv.js';
export type { CsvRecord } from './csv.js';
export * from './types.js';
