/**
 * What seed importers produce and batch exporters consume. Formats are pure: bytes in, records out
 * (or records in, bytes out). They never touch the database, the key or the clock.
 */

import type { HashAlgorithm } from '../core/algorithms.js';

export type { HashAlgorithm } from '../core/algorithms.js';

export const SEED_FORMATS = ['entra-csv', 'graph-json', 'pskc', 'oath-csv'] as const;
export type SeedFormat = (typeof SEED_FORMATS)[number];

export const BATCH_FORMATS = ['entra-csv', 'graph-json', 'oath-csv', 'linotp-csv', 'multiotp-csv'] as const;
export type BatchFormat = (typeof BATCH_FORMATS)[number];

/** One token's seed as read from a vendor file. */
export interface SeedRecord {
  /** Opaque, trimmed; leading zeros kept. */
  serial: string;
  /** Raw secret bytes (never printed, never logged). */
  secret: Uint8Array;
  algorithm: HashAlgorithm;
  digits: number;
  /** Seconds per time step. */
  period: number;
  manufacturer: string;
  model: string;
  /** Starting clock offset in time steps, where the file states one (PSKC TimeDrift). */
  driftSteps?: number;
  /** A UPN named by the file: a pre-assignment that still needs a verified code at the desk. */
  upn?: string;
  /** Where the record came from, for reports: 1-based line number or a key id. */
  where: Where;
}

export interface Where {
  line?: number;
  keyId?: string;
}

/** A row or key that could not be read; refuses nothing by itself, the report lists it. */
export interface Reject {
  where: Where;
  serial?: string;
  reason: string;
}

/** A key that was read but is not something tokendesk handles (HOTP, OCRA, PIN...). */
export interface Skipped {
  where: Where;
  serial?: string;
  reason: string;
}

export interface ParseWarning {
  where?: Where;
  message: string;
}

export interface ParseResult {
  format: SeedFormat;
  records: SeedRecord[];
  rejects: Reject[];
  skipped: Skipped[];
  warnings: ParseWarning[];
}

export interface ParseOptions {
  /** Force how secrets are read (CSV formats); default: Base32, with a hex fallback that warns. */
  secretEncoding?: 'auto' | 'base32' | 'hex';
  /** Hash for formats that carry none (Entra CSV); default SHA1. */
  hash?: HashAlgorithm;
  /** PSKC pre-shared key. */
  psk?: Uint8Array;
  /** PSKC password for PBKDF2. */
  password?: string;
  /** Accept seeds shorter than 128 bits (RFC 4226 asks for at least 128); the import audits it. */
  allowShortSeeds?: boolean;
  /**
   * Manufacturer and model for tokens whose file names none (OATH CSV, PSKC without DeviceInfo,
   * vendor files with empty cells). Graph requires both; the CLI passes --manufacturer/--model.
   */
  manufacturer?: string;
  model?: string;
  /** Called with bytes consumed so far, for progress display. */
  onProgress?: (bytesRead: number) => void;
  /**
   * Called with each record as soon as it is read (before the file is finished), so the import can
   * start sealing while the parser goes on. A later duplicate rejects only itself, so a record passed
   * here stays valid; the caller still decides on the whole file at the end.
   */
  onRecord?: (record: SeedRecord) => void;
  /**
   * false: each record goes to `onRecord` only and `records` in the result stays empty, so a
   * streaming import holds a bounded number of records whatever the file's size. Default true.
   */
  keepRecords?: boolean;
  /**
   * 'caller': the parser does not remember the file's serials; the caller rejects a repeated
   * serial itself (a streaming import does it on disk, so a million serials are not held in
   * memory). Default 'reject': a later row with a serial seen before is rejected by the parser.
   */
  duplicates?: 'reject' | 'caller';
}

/**
 * A file that as a whole cannot be read (wrong header, not this format, wrong key, unsupported
 * encryption). The message names the file position and says what to do; it never echoes secrets.
 */
export class SeedFileError extends Error {
  constructor(
    message: string,
    readonly where?: Where,
  ) {
    super(message);
    this.name = 'SeedFileError';
  }
}

/** A byte source: a file stream, or a buffer in tests. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface SeedImporter {
  format: SeedFormat;
  /** Does this look like our format? Decided from the first bytes (up to 64 KiB), not a file name. */
  sniff(head: Uint8Array): boolean;
  parse(source: ByteSource, options?: ParseOptions): Promise<ParseResult>;
}

/** One verified assignment leaving the kiosk in a batch. */
export interface BatchRow {
  upn: string;
  serial: string;
  secret: Uint8Array;
  algorithm: HashAlgorithm;
  digits: number;
  period: number;
  manufacturer: string;
  model: string;
  displayName: string;
  /** Measured clock offset of the token at hand-out, in time steps. */
  offsetSteps: number;
  verifiedAt: string;
  /**
   * The name a target other than Entra knows the user by (privacyIDEA/LinOTP resolver login,
   * multiOTP account name), chosen by the caller: e.g. the roster's login column. Absent: the UPN.
   * An empty string means the caller looked and found none: the row is refused, never written blank.
   */
  userName?: string;
}

/** What `render` takes besides the rows: the export's options and, for a rewrite, an older layout. */
export type RenderOptions = ExportOptions & { layout?: number };

/** What an export needs beyond the rows; every field optional, each format reads its own. */
export interface ExportOptions {
  /** privacyIDEA / LinOTP realm the users are looked up in (OATH CSV v2 user columns, LinOTP assignments). */
  realm?: string;
  /** privacyIDEA resolver; empty lets privacyIDEA search the realm's resolvers in priority order. */
  resolver?: string;
}

/*
 * How a batch exporter is built
 * -----------------------------
 * A batch file is written as a stream: `header()`, then `row(row, index)` for each row in file
 * order, then `footer(count)`. The export reads one hand-out from the database, decrypts its seed,
 * hands it to `row`, wipes the seed and goes on, so a million hand-outs never sit in memory at once.
 * Each piece is text (written as UTF-8) or bytes. Same rows, same bytes: no clock, no randomness,
 * nothing but the rows (a batch is written again byte for byte from its stored rows).
 *
 * Before a row is written, `whyNot(row)` says whether the target can take it at all (null: it can),
 * in words for the admin ("it uses SHA-256; Entra CSV takes SHA-1 only"). The export leaves such
 * rows waiting, or refuses naming them and a format that can carry them.
 *
 * The simplest exporter is one call (see formats/batchExporter.ts):
 *
 *   export const myExporter = defineExporter({
 *     format: 'my-csv', fileExtension: 'csv', description: 'What it is for, in one line',
 *     whyNot: (row) => (row.digits !== 6 ? 'it shows 8-digit codes; my system takes 6' : null),
 *     header: () => 'serial,seed\n',
 *     row: (row) => `${row.serial},${encodeHex(row.secret)}\n`,
 *     footer: () => '',
 *   });
 *
 * and an entry in BATCH_FORMATS and in formats/index.ts. `render(rows)` and `unsupported(rows)`
 * come with it. The rest is optional:
 *  - a format whose file has changed keeps its older layouts writable (`layouts`, newest first),
 *    so batches exported before still come out byte for byte (graph-json);
 *  - a writer's `assignment(row, index)`: who gets the token, for files that do not say it
 *    themselves; the export writes these into the batch's manifest (graph-json: the file is
 *    exactly Graph's bulk-create body, so the UPNs travel beside it);
 *  - `readBack(bytes, manifest)`: reads a batch file of the format back into rows, which makes the
 *    format mergeable (`batch merge`).
 */

/** A piece of a batch file: text is written as UTF-8. */
export type Chunk = string | Uint8Array;

/** Who gets one token, as a manifest carries it for files that do not say (JSON values only). */
export type ManifestAssignment = Record<string, string | number>;

/** Writes one batch file, a row at a time. A fresh writer per file: it may count or remember. */
export interface BatchFileWriter {
  header(): Chunk;
  /** `index` is the row's 0-based position in the file. */
  row(row: BatchRow, index: number): Chunk;
  /** `count` rows were written. */
  footer(count: number): Chunk;
  /** Who gets this token, for the manifest (only layouts whose file does not say). */
  assignment?(row: BatchRow, index: number): ManifestAssignment;
  /**
   * Rules over the whole file (multiOTP: one token per user, serials distinct in any case): why
   * this row, which `whyNot` accepted, cannot join the rows admitted before it; null admits it.
   */
  conflict?(row: BatchRow): string | null;
}

/** What `readBack` needs from a batch's manifest (formats/manifest.ts reads the manifest). */
export interface ManifestFacts {
  /** The file's layout within its format; 1 when the manifest names none. */
  layout: number;
  /** The manifest's `assignments`, unread: the format reads its own. */
  assignments: readonly unknown[] | null;
}

export interface BatchReadBack {
  rows: BatchRow[];
  /** What could not be read, in words naming element or line and serial; never a secret. */
  problems: Array<{ message: string; serial?: string }>;
}

/** An exporter refuses rows the target cannot take, naming them, rather than writing a bad file. */
export interface BatchExporter {
  readonly format: BatchFormat;
  readonly fileExtension: string;
  /** One line for people choosing a format (the kiosk's Batches screen, `--help`). */
  readonly description: string;
  /** The layout new batches get: 1 unless the format's file changed since it was first written. */
  readonly layout: number;
  /** Every layout `writer` still writes, newest first. */
  readonly layouts: readonly number[];
  /** Why the target cannot take this row, in words for the admin; null when it can. */
  whyNot(row: BatchRow, options?: ExportOptions): string | null;
  /** A writer for one file in `layout` (default: the current one), with this export's options. */
  writer(layout?: number, options?: ExportOptions): BatchFileWriter;
  /** Rows this format cannot carry, each with the reason (e.g. SHA-256 in Entra CSV). */
  unsupported(rows: readonly BatchRow[], options?: ExportOptions): Array<{ serial: string; reason: string }>;
  /** The exact bytes of the batch file, in memory. Deterministic: same rows, same bytes. */
  render(rows: readonly BatchRow[], options?: RenderOptions): Uint8Array;
  /** A batch file of this format read back into rows (what makes it mergeable). */
  readBack?(bytes: Uint8Array, manifest: ManifestFacts): Promise<BatchReadBack>;
}
