/**
 * Entra ID OATH token CSV ("Azure MFA CSV"): the file vendors ship with the UPN column empty, and
 * the file tokendesk hands back with the UPNs filled in for the admin centre upload.
 *
 *   upn,serial number,secret key,time interval,manufacturer,model
 *
 * Entra's rules (DESIGN.md section 2): Base32 secrets, 30 or 60 s, TOTP, 6 digits, SHA-1 only.
 *
 * Vendors also ship the same file without the upn column (Deepnet and others:
 * "serial number,secret key,time interval,manufacturer,model"); the importer reads both. Empty
 * manufacturer or model cells take the --manufacturer/--model values (ParseOptions).
 */
import { normaliseUpn, upnProblem } from '../core/identity.js';
import { encodeBase32 } from '../core/secretCodec.js';
import { csvCell, readCsvRecordBatches } from './csv.js';
import type { CsvRecord } from './csv.js';
import {
  SerialsSeen,
  repeatedSerialReason,
  WarningTally,
  checkName,
  checkSeedLength,
  checkSerial,
  defaultNames,
  describeWhere,
  noteHashLength,
  readSecret,
} from './seedRules.js';
import { headLines, splitSimpleCsvLine } from './sniff.js';
import { SeedFileError } from './types.js';
import type { BatchExporter, BatchReadBack, BatchRow, ByteSource, ParseOptions, ParseResult, SeedImporter, SeedRecord } from './types.js';
import { defineExporter, fromPieces } from './batchExporter.js';
import { entraFieldProblem } from './entraRules.js';
import { formulaCell } from './exportRules.js';
import type { ExportPieces } from './exportRules.js';

export const ENTRA_CSV_COLUMNS = ['upn', 'serial number', 'secret key', 'time interval', 'manufacturer', 'model'] as const;
type EntraColumn = (typeof ENTRA_CSV_COLUMNS)[number];
export const ENTRA_CSV_HEADER = ENTRA_CSV_COLUMNS.join(',');

export { ENTRA_MAX_SECRET_CHARS } from './entraRules.js';

/** Header names compare case-insensitively, trimmed; "timeinterval" is an older spelling Microsoft used. */
function columnName(cell: string): string {
  const name = cell.trim().toLowerCase().replace(/\s+/g, ' ');
  return name === 'timeinterval' ? 'time interval' : name;
}

/** The columns a vendor file may leave out: the UPN (vendor files without pre-assignments). */
const OPTIONAL_COLUMNS: readonly EntraColumn[] = ['upn'];

type Positions = Record<EntraColumn, number | undefined> & { count: number };

/** Where each Entra column is in this file, or what is missing when the cells are not the header. */
function headerPositions(cells: readonly string[]): Positions | { missing: string[] } {
  const names = cells.map(columnName);
  const positions = { count: names.length } as Positions;
  const missing: string[] = [];
  for (const column of ENTRA_CSV_COLUMNS) {
    const index = names.indexOf(column);
    if (index !== -1 && names.lastIndexOf(column) === index) positions[column] = index;
    else if (index !== -1 || !OPTIONAL_COLUMNS.includes(column)) missing.push(column);
  }
  const expected = ENTRA_CSV_COLUMNS.filter((column) => positions[column] !== undefined).length;
  if (missing.length > 0 || names.length !== expected) return { missing };
  return positions;
}

function wrongHeader(record: CsvRecord, missing: string[]): SeedFileError {
  // Never echo the line: a file without a header starts with a row holding a secret.
  const detail = missing.length > 0 ? `missing: ${missing.join(', ')}` : `it has ${record.cells.length} columns, not 5 or 6`;
  return new SeedFileError(
    `Line ${record.line} is not the Entra CSV header (${detail}). The file must start with the line ` +
      `"${ENTRA_CSV_HEADER}" (the upn column may be left out).`,
    { line: record.line },
  );
}

export async function parseEntraCsv(source: ByteSource, options: ParseOptions = {}): Promise<ParseResult> {
  const result: ParseResult = { format: 'entra-csv', records: [], rejects: [], skipped: [], warnings: [] };
  const algorithm = options.hash ?? 'SHA1';
  const encoding = options.secretEncoding ?? 'auto';
  const serials = new SerialsSeen(options);
  const tally = new WarningTally();
  const names = defaultNames(options);
  let columns: Positions | null = null;

  const batches = readCsvRecordBatches(source, { kind: 'Entra CSV', warnings: result.warnings, onProgress: options.onProgress });
  for await (const batch of batches) for (const record of batch) {
    if (columns === null) {
      const positions = headerPositions(record.cells);
      if ('missing' in positions || record.problem) throw wrongHeader(record, 'missing' in positions ? positions.missing : []);
      columns = positions;
      continue;
    }
    if (record.cells.every((cell) => cell.trim() === '')) continue; // ",,,,," rows Excel leaves at the end
    const outcome = readRow(record, columns, { algorithm, encoding, serials, tally, names, options });
    if ('reason' in outcome) result.rejects.push(outcome);
    else {
      if (options.keepRecords !== false) result.records.push(outcome);
      options.onRecord?.(outcome);
    }
  }
  if (columns === null) {
    throw new SeedFileError(`The file is empty: an Entra CSV starts with the header "${ENTRA_CSV_HEADER}".`);
  }
  tally.flushInto(result.warnings);
  return result;
}

interface RowContext {
  algorithm: SeedRecord['algorithm'];
  encoding: NonNullable<ParseOptions['secretEncoding']>;
  serials: SerialsSeen;
  tally: WarningTally;
  names: { manufacturer: string; model: string };
  options: ParseOptions;
}

function readRow(
  record: CsvRecord,
  columns: Positions,
  context: RowContext,
): SeedRecord | { where: { line: number }; serial?: string; reason: string } {
  const where = { line: record.line };
  if (record.problem) return { where, reason: record.problem };
  if (record.cells.length !== columns.count) {
    return { where, reason: `the row has ${record.cells.length} cells; the header has ${columns.count} (a comma inside an unquoted cell?)` };
  }
  const cell = (column: EntraColumn) => {
    const index = columns[column];
    return index === undefined ? '' : (record.cells[index] ?? '').trim();
  };

  const serial = checkSerial(cell('serial number'));
  if (!serial.ok) return { where, reason: serial.problem };
  const first = context.serials.earlier(serial.value, where);
  if (first) return { where, serial: serial.value, reason: repeatedSerialReason('entra-csv', serial.value, first) };
  const reject = (reason: string) => ({ where, serial: serial.value, reason });

  const secret = readSecret(cell('secret key'), context.encoding);
  if (!secret.ok) return reject(secret.problem);
  if (secret.value.readAs === 'hex' && context.encoding === 'auto') {
    context.tally.note('hex', where, (count, firstHex) =>
      `${count} secret(s) are not Base32 but are hex, and were read as hex (first: ${describeWhere(firstHex)}). ` +
        'If that is wrong, import again with --secret-encoding base32.',
    );
  }
  noteHashLength(context.tally, secret.value.secret, context.algorithm, where);

  const interval = cell('time interval');
  if (interval === '') return reject('the time interval is missing');
  if (interval !== '30' && interval !== '60') {
    const shown = /^\d{1,6}$/.test(interval) ? `${interval} seconds` : 'not a number of seconds';
    return reject(`the time interval is ${shown}; Entra takes 30 or 60`);
  }

  let upn: string | undefined;
  const rawUpn = cell('upn');
  if (rawUpn !== '') {
    const problem = upnProblem(rawUpn);
    if (problem !== null) return reject(`UPN: ${problem}`);
    upn = normaliseUpn(rawUpn);
  }
  const manufacturer = cell('manufacturer') || context.names.manufacturer;
  const model = cell('model') || context.names.model;
  const badName = checkName('manufacturer', manufacturer) ?? checkName('model', model);
  if (badName !== null) return reject(badName);
  // The length policy comes after the row's shape: a row with a wrong interval says that first.
  const length = checkSeedLength(secret.value.secret, context.options);
  if (length !== null) return reject(length);

  const seed: SeedRecord = {
    serial: serial.value,
    secret: secret.value.secret,
    algorithm: context.algorithm,
    digits: 6,
    period: Number(interval),
    manufacturer,
    model,
    where,
  };
  if (upn !== undefined) seed.upn = upn;
  return seed;
}

export const entraCsvImporter: SeedImporter = {
  format: 'entra-csv',
  sniff(head: Uint8Array): boolean {
    const firstLine = headLines(head, 1)[0] ?? '';
    return !('missing' in headerPositions(splitSimpleCsvLine(firstLine)));
  },
  parse: parseEntraCsv,
};

/* ---------------------------------------------------------------- export */

/**
 * Line ends: LF. Microsoft shows this file only as an inline example on learn.microsoft.com
 * ("Upload hardware OATH tokens in CSV format"); there is no sample file whose bytes say CRLF or LF,
 * so we write LF (plain UTF-8, no BOM, quotes only where a cell needs them). If an upload ever
 * refuses LF, this constant is the one place to change.
 */
const LINE_END = '\n';

function whyEntraCannotTake(row: BatchRow): string | null {
  // Only SHA-256 has another way in (Graph); for the rest, say that no Entra upload takes them.
  if (row.algorithm === 'SHA256') return 'it uses SHA-256; Entra CSV takes SHA-1 only (graph-json takes SHA-256)';
  if (row.algorithm === 'SHA512') return 'it uses SHA-512; Entra takes SHA-1 (CSV) or SHA-256 (graph-json), so no Entra upload can carry it';
  if (row.digits !== 6) return `it shows ${row.digits}-digit codes; Entra takes 6-digit tokens only, in CSV and in graph-json alike`;
  if (row.period !== 30 && row.period !== 60) return `its time step is ${row.period} s; Entra takes 30 or 60 s, in CSV and in graph-json alike`;
  if (row.upn.trim() === '') return 'it has no UPN; every row of an Entra CSV upload needs one';
  return entraFieldProblem(row) ?? formulaCell({ UPN: row.upn, serial: row.serial, manufacturer: row.manufacturer, model: row.model });
}

export const entraCsvPieces: ExportPieces = {
  header: () => `${ENTRA_CSV_HEADER}${LINE_END}`,
  row(row) {
    return [row.upn, row.serial, encodeBase32(row.secret), String(row.period), row.manufacturer, row.model].map(csvCell).join(',') + LINE_END;
  },
  footer: () => '',
};

export const entraCsvExporter: BatchExporter = defineExporter({
  format: 'entra-csv',
  fileExtension: 'csv',
  description: 'Entra admin centre CSV upload (SHA-1, 6 digits, 30/60 s only)',
  whyNot: whyEntraCannotTake,
  ...fromPieces(entraCsvPieces),
  readBack: readEntraCsvBatch,
});

/** An Entra CSV batch read back (merge): every row must name its UPN. */
async function readEntraCsvBatch(bytes: Uint8Array): Promise<BatchReadBack> {
  const problems: BatchReadBack['problems'] = [];
  let parsed: ParseResult;
  try {
    parsed = await parseEntraCsv([bytes], { secretEncoding: 'base32' });
  } catch (error) {
    if (error instanceof SeedFileError) return { rows: [], problems: [{ message: `it is not an entra-csv batch: ${error.message}` }] };
    throw error;
  }
  for (const reject of parsed.rejects) problems.push({ message: `line ${reject.where.line ?? '?'}: ${reject.reason}`, serial: reject.serial });
  if (problems.length > 0) return { rows: [], problems };
  const rows: BatchRow[] = [];
  for (const r of parsed.records) {
    if (!r.upn) {
      problems.push({ message: `serial ${r.serial} has no UPN (a vendor seed file, not a batch?)`, serial: r.serial });
      continue;
    }
    rows.push({ upn: r.upn, serial: r.serial, secret: r.secret, algorithm: r.algorithm, digits: r.digits, period: r.period, manufacturer: r.manufacturer, model: r.model, displayName: '', offsetSteps: 0, verifiedAt: '' });
  }
  return { rows, problems };
}
