/**
 * The graph-json batch: what tokendesk writes for Microsoft Graph (the import of vendors' Graph JSON
 * files is graphJson.ts). Layout 2 is exactly the bulk-create body; layout 1 (older batches) kept a
 * "tokendesk" member with the assignments, and stays writable so those batches rewrite byte for byte.
 */
import { encodeBase32 } from '../core/secretCodec.js';
import { layeredExporter } from './batchExporter.js';
import { entraFieldProblem } from './entraRules.js';
import { parseGraphJson } from './graphJson.js';
import { SeedFileError } from './types.js';
import type { BatchExporter, BatchFileWriter, BatchReadBack, BatchRow, ManifestAssignment, ManifestFacts, SeedRecord } from './types.js';

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
