/**
 * `--format auto`: which seed format a file is, judged from its first bytes, never its name.
 * Checked from the most to the least specific shape, so a CSV that happens to start with "<"
 * cannot pass for XML and an Entra header wins over the looser OATH CSV look.
 */
import { entraCsvImporter } from './entraCsv.js';
import { graphJsonImporter } from './graphJson.js';
import { oathCsvImporter } from './oathCsv.js';
import { pskcImporter } from './pskc.js';
import type { SeedFormat, SeedImporter } from './types.js';

/** How much of a file detection looks at. */
export const DETECT_HEAD_BYTES = 64 * 1024;

const CANDIDATES: ReadonlyArray<{ importer: SeedImporter; looksFor: string }> = [
  { importer: pskcImporter, looksFor: 'pskc (XML with a <KeyContainer> element)' },
  { importer: graphJsonImporter, looksFor: 'graph-json (a JSON array or object)' },
  { importer: entraCsvImporter, looksFor: 'entra-csv (the header "upn,serial number,secret key,time interval,manufacturer,model")' },
  { importer: oathCsvImporter, looksFor: 'oath-csv ("# version:" line, or rows of serial, hex seed, totp|hotp)' },
];

export type Detection = { format: SeedFormat } | { format: null; tried: string[] };

export function detectFormat(head: Uint8Array): Detection {
  const sample = head.byteLength > DETECT_HEAD_BYTES ? head.subarray(0, DETECT_HEAD_BYTES) : head;
  for (const { importer } of CANDIDATES) {
    if (importer.sniff(sample)) return { format: importer.format };
  }
  return { format: null, tried: CANDIDATES.map(({ looksFor }) => looksFor) };
}
