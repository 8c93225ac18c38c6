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
import { readAllBytes } from './byteSource.js';
import {
  SerialsSeen,
  repeatedSerialReason,
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
import type {
  ByteSource,
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
  const serials = new SerialsSeen(options);
  const tally = new WarningTally();
  const names = defaultNames(options);
  items.forEach((item, index) => {
    const outcome = readItem(item, index, { options, serials, tally, names });
    if ('reason' in outcome) result.rejects.push(outcome);
    else {
      if (options.keepRecords !== false) result.records.push(outcome);
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
  if (first) return { where, serial: serial.value, reason: repeatedSerialReason('graph-json', serial.value, first) };
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

  const interval = token.timeIntervalInSeconds;
  // Only a number or its text is converted: Number() of any other JSON value can throw ({"toString": null}).
  const period = typeof interval === 'number' || typeof interval === 'string' ? Number(interval) : Number.NaN;
  if (interval === undefined || interval === null) {
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
