/**
 * Microsoft Graph hardware OATH JSON, the way Token2 and other vendors ship it and the way the
 * Graph bulk-create call takes it:
 *
 *   [ {"serialNumber", "secretKey", "manufacturer", "model", "timeIntervalInSeconds", "hashFunction"} ]
 *   {"@context": "#$delta", "value": [ ...the same objects... ]}
 *
 * The importer reads the whole file: JSON cannot be taken apart item by item without a streaming
 * JSON parser, and one token is about 250 bytes, so the 64 MB cap is room for some 250,000 tokens
 * (far beyond one shipment) while bounding memory (parsed objects take several times the bytes).
 */
import { encodeBase32 } from '../core/secretCodec.js';
import { readAllBytes } from './byteSource.js';
import { entraFieldProblem } from './entraRules.js';
import {
  SerialsSeen,
  WarningTally,
  checkName,
  checkSeedLength,
  checkSerial,
  defaultNames,
  describeWhere,
  hasControlCharacters,
  noteHashLength,
  readSecret,
} from './seedRules.js';
import { headText } from './sniff.js';
import { SeedFileError } from './types.js';
import { layeredExporter } from './batchExporter.js';
import type {
  BatchExporter,
  BatchFileWriter,
  BatchReadBack,
  BatchRow,
  ByteSource,
  ManifestAssignment,
  ManifestFacts,
  HashAlgorithm,
  ParseOptions,
  ParseResult,
  Reject,
  SeedImporter,
  SeedRecord,
} from './types.js';

export const MAX_GRAPH_JSON_BYTES = 64 * 1024 * 1024;

export async function parseGraphJson(source: ByteSource, options: ParseOptions = {}): Promise<ParseResult> {
  const bytes = await readAllBytes(source, {
    maxBytes: MAX_GRAPH_JSON_BYTES,
    what: 'This Graph JSON file',
    onProgress: options.onProgress,
  });
  const document = parseDocument(bytes);
  const items = tokenList(document);

  const result: ParseResult = { format: 'graph-json', records: [], rejects: [], skipped: [], warnings: [] };
  const serials = new SerialsSeen();
  const tally = new WarningTally();
  const names = defaultNames(options);
  items.forEach((item, index) => {
    const outcome = readItem(item, index, { options, serials, tally, names });
    if ('reason' in outcome) result.rejects.push(outcome);
    else {
      result.records.push(outcome);
      options.onRecord?.(outcome);
    }
  });
  tally.flushInto(result.warnings);
  return result;
}

function parseDocument(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) throw new SeedFileError('The file is empty: expected a Graph JSON array of tokens.');
  let text: string;
  try {
    if (bytes.indexOf(0) !== -1) throw new Error('NUL');
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SeedFileError('This is not a text JSON file (it holds binary data). If it is zipped or GPG-encrypted, unpack it first.');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8's message can quote the text around the error, which may be a secret: report a line only.
    const position = /position (\d+)/.exec(String((error as Error).message));
    // An error at the very end (V8: "Unterminated string", "Expected ... at position <end>") is a cut file.
    if (position && Number(position[1]) < text.trimEnd().length) {
      const line = text.slice(0, Number(position[1])).split('\n').length;
      throw new SeedFileError(`The file is not valid JSON: the error is on line ${line}. Fix that line, or ask the vendor to send the file again.`, { line });
    }
    throw new SeedFileError('The file is not valid JSON: it ends before the JSON is complete (cut short?). Ask the vendor to send it again.');
  }
}

function tokenList(document: unknown): unknown[] {
  if (Array.isArray(document)) return document;
  if (document !== null && typeof document === 'object' && Array.isArray((document as { value?: unknown }).value)) {
    return (document as { value: unknown[] }).value;
  }
  throw new SeedFileError(
    'This JSON is not a Graph token list: expected an array of tokens, or {"@context": "#$delta", "value": [...]}.',
  );
}

interface ItemContext {
  options: ParseOptions;
  serials: SerialsSeen;
  tally: WarningTally;
  names: { manufacturer: string; model: string };
}

const HASH_FUNCTIONS: Record<string, HashAlgorithm> = { hmacsha1: 'SHA1', hmacsha256: 'SHA256' };

function readItem(item: unknown, index: number, context: ItemContext): SeedRecord | Reject {
  // The key id is the element's 0-based index, as jq and the Graph batch response count them.
  const where = { keyId: String(index) };
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return { where, reason: `element ${index} is not a token object` };
  }
  const token = item as Record<string, unknown>;

  let rawSerial = token.serialNumber;
  if (typeof rawSerial === 'number' && Number.isSafeInteger(rawSerial) && rawSerial >= 0) {
    context.tally.note('numeric-serial', where, (count, first) =>
      `${count} serial number(s) are JSON numbers, not strings (first: ${describeWhere(first)}): ` +
        'any leading zeros were lost before tokendesk saw them. Check them against the labels.',
    );
    rawSerial = String(rawSerial);
  }
  if (typeof rawSerial !== 'string') return { where, reason: 'serialNumber is missing or not a string' };
  const serial = checkSerial(rawSerial);
  if (!serial.ok) return { where, reason: serial.problem };
  const first = context.serials.earlier(serial.value, where);
  if (first) return { where, serial: serial.value, reason: `serial ${serial.value} already appears as element ${first.keyId}` };
  const reject = (reason: string): Reject => ({ where, serial: serial.value, reason });

  if (typeof token.secretKey !== 'string') return reject('secretKey is missing or not a string');
  const secret = readSecret(token.secretKey, context.options.secretEncoding ?? 'auto');
  if (!secret.ok) return reject(secret.problem);
  if (secret.value.readAs === 'hex' && (context.options.secretEncoding ?? 'auto') === 'auto') {
    context.tally.note('hex', where, (count, firstHex) =>
      `${count} secretKey value(s) are not Base32 but are hex, and were read as hex (first: ${describeWhere(firstHex)}). ` +
        'If that is wrong, import again with --secret-encoding base32.',
    );
  }

  const period = Number(token.timeIntervalInSeconds);
  if (token.timeIntervalInSeconds === undefined || token.timeIntervalInSeconds === null) {
    return reject('timeIntervalInSeconds is missing');
  }
  if ((typeof token.timeIntervalInSeconds !== 'number' && typeof token.timeIntervalInSeconds !== 'string') || (period !== 30 && period !== 60)) {
    return reject('timeIntervalInSeconds must be 30 or 60');
  }

  let algorithm: HashAlgorithm = context.options.hash ?? 'SHA1';
  if (token.hashFunction !== undefined && token.hashFunction !== null) {
    const named = typeof token.hashFunction === 'string' ? HASH_FUNCTIONS[token.hashFunction.trim().toLowerCase()] : undefined;
    if (named === undefined) return reject('hashFunction must be hmacsha1 or hmacsha256');
    algorithm = named;
  }
  noteHashLength(context.tally, secret.value.secret, algorithm, where);

  const text = (name: 'manufacturer' | 'model'): string | null => {
    const value = token[name];
    if (value === undefined || value === null) return '';
    return typeof value === 'string' && !hasControlCharacters(value) ? value.trim() : null;
  };
  const manufacturer = text('manufacturer');
  const model = text('model');
  if (manufacturer === null || model === null) return reject('manufacturer or model is not plain text');
  const badName = checkName('manufacturer', manufacturer || context.names.manufacturer) ?? checkName('model', model || context.names.model);
  if (badName !== null) return reject(badName);
  const length = checkSeedLength(secret.value.secret, context.options);
  if (length !== null) return reject(length);

  return {
    serial: serial.value,
    secret: secret.value.secret,
    algorithm,
    digits: 6,
    period,
    manufacturer: manufacturer || context.names.manufacturer,
    model: model || context.names.model,
    where,
  };
}

export const graphJsonImporter: SeedImporter = {
  format: 'graph-json',
  sniff(head: Uint8Array): boolean {
    const start = headText(head).trimStart();
    return start.startsWith('[') || start.startsWith('{');
  },
  parse: parseGraphJson,
};

/* ---------------------------------------------------------------- export */

/**
 * The batch file is exactly the body of Graph's bulk create (layout 2), so it can be sent as-is:
 *
 *   PATCH /directory/authenticationMethodDevices/hardwareOathDevices
 *   {
 *     "@context": "#$delta",
 *     "value": [
 *       {
 *         "@contentId": "1",
 *         "serialNumber", "manufacturer", "model",
 *         "secretKey": Base32 upper case, no padding,
 *         "timeIntervalInSeconds": 30 | 60 (integer),
 *         "hashFunction": "hmacsha1" | "hmacsha256",
 *         "displayName"
 *       }
 *     ]
 *   }
 *
 * What the next calls need (assign, activate) is in the batch's manifest, one entry per device:
 *   "assignments": [
 *     {
 *       "@contentId": "1",        <- the same id as the device
 *       "serialNumber",
 *       "upn",                    <- POST /users/{upn}/authentication/hardwareOathMethods
 *       "displayName",            <- the name for .../activate
 *       "offsetSteps",            <- the token's measured clock offset at hand-out, in time
 *                                    steps: compute the activation code at now + offset
 *       "verifiedAt"
 *     }
 *   ]
 *
 * Layout 1 (older batches) kept those entries in the file, in a top-level `"tokendesk": {"version":
 * 1, "assignments": [...]}` member after "value"; it is still written for rewrites of batches made
 * in it (byte for byte) and read back for merges.
 *
 * Keys are written in this order, 2-space indent, a final newline: same rows, same bytes, and the
 * same bytes as JSON.stringify(document, null, 2) + "\n" of the whole document.
 */
export const GRAPH_JSON_CONTEXT = '#$delta';

/** The layout new batches get: the file is Graph's body, the assignments travel in the manifest. */
export const GRAPH_JSON_LAYOUT = 2;

function whyGraphCannotTake(row: BatchRow): string | null {
  if (row.algorithm === 'SHA512') return 'it uses SHA-512; Graph takes hmacsha1 or hmacsha256 only';
  if (row.digits !== 6) return `it shows ${row.digits}-digit codes; Graph takes 6-digit tokens only`;
  if (row.period !== 30 && row.period !== 60) return `its time step is ${row.period} s; Graph takes 30 or 60 s`;
  if (row.upn.trim() === '') return 'it has no UPN to assign it to';
  return entraFieldProblem(row);
}

function device(row: BatchRow, index: number) {
  return {
    '@contentId': String(index + 1),
    serialNumber: row.serial,
    manufacturer: row.manufacturer,
    model: row.model,
    secretKey: encodeBase32(row.secret),
    timeIntervalInSeconds: Math.trunc(row.period),
    hashFunction: row.algorithm === 'SHA256' ? 'hmacsha256' : 'hmacsha1',
    displayName: row.displayName,
  };
}

function assignment(row: BatchRow, index: number): ManifestAssignment {
  return {
    '@contentId': String(index + 1),
    serialNumber: row.serial,
    upn: row.upn,
    displayName: row.displayName,
    offsetSteps: row.offsetSteps,
    verifiedAt: row.verifiedAt,
  };
}

/** An array element as JSON.stringify(document, null, 2) lays it out `depth` levels deep. */
function element(value: unknown, index: number, depth: number): string {
  const pad = '  '.repeat(depth);
  return `${index === 0 ? '' : ','}\n${pad}${JSON.stringify(value, null, 2).replace(/\n/g, `\n${pad}`)}`;
}

/** Closes an array opened with "[" whose elements came from `element`. */
function closeArray(count: number, depth: number): string {
  return count === 0 ? ']' : `\n${'  '.repeat(depth)}]`;
}

const OPEN = `{\n  "@context": ${JSON.stringify(GRAPH_JSON_CONTEXT)},\n  "value": [`;

/** Layout 2: Graph's body; who gets each token goes to the manifest. */
function bodyWriter(): BatchFileWriter {
  return {
    header: () => OPEN,
    row: (row, index) => element(device(row, index), index, 2),
    footer: (count) => `${closeArray(count, 1)}\n}\n`,
    assignment,
  };
}

/**
 * Layout 1: Graph's body and a "tokendesk" member with the assignments, after "value". The
 * assignments are held until the footer: this layout is only written again for batches made in it,
 * which were made in memory in the first place.
 */
function legacyWriter(): BatchFileWriter {
  const held: string[] = [];
  return {
    header: () => OPEN,
    row(row, index) {
      held.push(element(assignment(row, index), index, 3));
      return element(device(row, index), index, 2);
    },
    footer: (count) => `${closeArray(count, 1)},\n  "tokendesk": {\n    "version": 1,\n    "assignments": [${held.join('')}${closeArray(count, 2)}\n  }\n}\n`,
  };
}

export const graphJsonExporter: BatchExporter = layeredExporter({
  format: 'graph-json',
  fileExtension: 'json',
  description: 'Microsoft Graph bulk create, assign and activate (SHA-1 or SHA-256)',
  whyNot: whyGraphCannotTake,
  layouts: { 1: legacyWriter, [GRAPH_JSON_LAYOUT]: bodyWriter },
  readBack: readGraphJsonBatch,
});

/**
 * A graph-json batch read back (merge): the devices from the file, who gets each from the
 * manifest's assignments (layout 2) or from the file's "tokendesk" member (layout 1), matched by
 * "@contentId" and serial.
 */
async function readGraphJsonBatch(bytes: Uint8Array, manifest: ManifestFacts): Promise<BatchReadBack> {
  const problems: BatchReadBack['problems'] = [];
  let records: SeedRecord[];
  try {
    const parsed = await parseGraphJson([bytes], { secretEncoding: 'base32' });
    for (const reject of parsed.rejects) problems.push({ message: `element ${reject.where.keyId ?? '?'}: ${reject.reason}`, serial: reject.serial });
    if (problems.length > 0) return { rows: [], problems };
    records = parsed.records;
  } catch (error) {
    if (error instanceof SeedFileError) return { rows: [], problems: [{ message: `it is not a graph-json batch: ${error.message}` }] };
    throw error;
  }
  // parseGraphJson accepted the text: it is JSON with a "value" list.
  const document = JSON.parse(new TextDecoder().decode(bytes)) as { value?: unknown[]; tokendesk?: { assignments?: unknown } };
  const fromFile = manifest.layout < GRAPH_JSON_LAYOUT;
  const listed = fromFile ? document.tokendesk?.assignments : manifest.assignments;
  const where = fromFile ? 'in the file\'s "tokendesk" section' : 'in its manifest';
  const byContentId = new Map<string, Record<string, unknown>>();
  for (const entry of Array.isArray(listed) ? listed : []) {
    if (entry !== null && typeof entry === 'object') byContentId.set(String((entry as Record<string, unknown>)['@contentId']), entry as Record<string, unknown>);
  }
  const rows: BatchRow[] = [];
  records.forEach((r, i) => {
    const item = document.value?.[Number(r.where.keyId ?? i)];
    const dev = item !== null && typeof item === 'object' ? (item as Record<string, unknown>) : {};
    const entry = byContentId.get(String(dev['@contentId']));
    if (!entry || entry.serialNumber !== r.serial || typeof entry.upn !== 'string' || entry.upn === '') {
      problems.push({ message: `serial ${r.serial} has no assignment ${where} (not a tokendesk batch?)`, serial: r.serial });
      return;
    }
    rows.push({
      upn: entry.upn.toLowerCase(),
      serial: r.serial,
      secret: r.secret,
      algorithm: r.algorithm,
      digits: r.digits,
      period: r.period,
      manufacturer: r.manufacturer,
      model: r.model,
      displayName: typeof entry.displayName === 'string' ? entry.displayName : typeof dev.displayName === 'string' ? dev.displayName : '',
      offsetSteps: Number.isSafeInteger(entry.offsetSteps) ? (entry.offsetSteps as number) : 0,
      verifiedAt: typeof entry.verifiedAt === 'string' ? entry.verifiedAt : '',
    });
  });
  return { rows, problems };
}
