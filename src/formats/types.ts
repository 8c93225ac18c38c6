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

/** What an export needs beyond the rows; every field optional, each format reads its own. */
export interface ExportOptions {
  /** privacyIDEA / LinOTP realm the users are looked up in (OATH CSV v2 user columns, LinOTP assignments). */
  realm?: string;
  /** privacyIDEA resolver; empty lets privacyIDEA search the realm's resolvers in priority order. */
  resolver?: string;
}

/** An exporter refuses rows the target cannot take, naming them, rather than writing a bad file. */
export interface BatchExporter {
  format: BatchFormat;
  fileExtension: string;
  /** Rows this format cannot carry, each with the reason (e.g. SHA-256 in Entra CSV). */
  unsupported(rows: readonly BatchRow[], options?: ExportOptions): Array<{ serial: string; reason: string }>;
  /** The exact bytes of the batch file. Deterministic: same rows, same bytes. */
  render(rows: readonly BatchRow[], options?: ExportOptions): Uint8Array;
}
