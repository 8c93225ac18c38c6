/**
 * The seed formats tokendesk reads and the batch formats it writes, by name.
 */
import { entraCsvExporter, entraCsvImporter } from './entraCsv.js';
import { graphJsonImporter } from './graphJson.js';
import { graphJsonExporter } from './graphJsonBatch.js';
import { linotpCsvExporter } from './linotpCsv.js';
import { multiotpCsvExporter } from './multiotpCsv.js';
import { oathCsvExporter, oathCsvImporter } from './oathCsv.js';
import { pskcImporter } from './pskc.js';
import { BATCH_FORMATS } from './types.js';
import type { BatchExporter, BatchFormat, BatchRow, ExportOptions, SeedFormat, SeedImporter } from './types.js';

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
  'linotp-csv': linotpCsvExporter,
  'multiotp-csv': multiotpCsvExporter,
};

/** The formats that can carry this row, in BATCH_FORMATS order (what a refusal suggests instead). */
export function formatsThatCarry(row: BatchRow, options: ExportOptions = {}): BatchFormat[] {
  return BATCH_FORMATS.filter((format) => exporters[format].whyNot(row, options) === null);
}

export { defineExporter, layeredExporter } from './batchExporter.js';
export * from './manifest.js';

/**
 * Per row, every batch format and why it cannot carry the row (null: it can). What the export
 * refusal reads to name a format that can take the rows, instead of a fixed one.
 */
export function carriersOf(rows: readonly BatchRow[], options: ExportOptions = {}): Map<string, Record<BatchFormat, string | null>> {
  const answers = new Map<string, Record<BatchFormat, string | null>>();
  for (const row of rows) answers.set(row.serial, {} as Record<BatchFormat, string | null>);
  for (const format of BATCH_FORMATS) {
    const refused = new Map(exporters[format].unsupported(rows, options).map((r) => [r.serial, r.reason]));
    for (const row of rows) answers.get(row.serial)![format] = refused.get(row.serial) ?? null;
  }
  return answers;
}

/** The system each batch format is for: advice stays within the admin's system. */
export const BATCH_TARGETS: Record<BatchFormat, string> = {
  'entra-csv': 'Entra ID',
  'graph-json': 'Entra ID',
  'oath-csv': 'privacyIDEA',
  'linotp-csv': 'LinOTP',
  'multiotp-csv': 'multiOTP',
};

/** Formats for the same system as `asked`, other than it, that can carry every one of these rows. */
export function otherFormatsFor(asked: BatchFormat, rows: readonly BatchRow[], options: ExportOptions = {}): BatchFormat[] {
  return BATCH_FORMATS.filter(
    (format) => format !== asked && BATCH_TARGETS[format] === BATCH_TARGETS[asked] && exporters[format].unsupported(rows, options).length === 0,
  );
}

/**
 * The advice after "N tokens cannot go in <asked>": a format for the same system that can carry
 * them, or that none can as they are (each row's reason then says why). Never names `asked`.
 */
export function exportAdvice(asked: BatchFormat, refusedRows: readonly BatchRow[], options: ExportOptions = {}): string {
  const others = otherFormatsFor(asked, refusedRows, options);
  const them = refusedRows.length === 1 ? 'it' : 'them';
  if (others.length > 0) return `Export ${them} with --format ${others.join(' or --format ')}`;
  return `No other format tokendesk writes for ${BATCH_TARGETS[asked]} can carry ${them} as ${refusedRows.length === 1 ? 'it is' : 'they are'}`;
}

export { detectFormat, DETECT_HEAD_BYTES } from './detect.js';
export type { Detection } from './detect.js';
export { readCsvRecords } from './csv.js';
export type { CsvRecord } from './csv.js';
export { ASSIGNMENT_LIST_FORMATS, ASSIGNMENT_LIST_SUFFIX, assignmentListFileName, assignmentListPieces, renderAssignmentList } from './assignmentList.js';
export { guessDeviceNames } from './deviceNames.js';
export type { AssignmentTarget } from './assignmentList.js';
export * from './types.js';
