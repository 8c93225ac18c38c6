/** What an export is asked and what it answers; the steps a crash test can interrupt it at. */
import type { BatchFormat, BatchManifest, ExportOptions } from '../../formats/index.js';
import type { Actor } from '../actor.js';
import type { UserNameSource } from './render.js';
import type { OrphanReport } from './orphans.js';

export interface ExportRequest {
  /** Default entra-csv for a new batch; with `batch`, the batch's own format (a different one is refused). */
  format?: BatchFormat;
  /** Folder for the batch file and manifest; default HOME/exports. */
  outDir?: string;
  /** Leave tokens the format cannot carry waiting, instead of refusing the export. */
  skipUnsupported?: boolean;
  /** Only hand-outs verified at or after this time (ISO 8601, e.g. 2026-11-29 or 2026-11-29T08:00Z). */
  since?: string;
  /** Only hand-outs made at this desk id (homes that took over another desk's database). */
  desk?: string;
  /** Write this existing batch (name like hq-20261129-1, or its number) again instead of a new one. */
  batch?: string | number;
  actor: Actor;
  now?: number;
  /** What the format reads besides the rows (privacyIDEA realm and resolver); kept with the batch for rewrites. */
  options?: ExportOptions;
  /** Which name of the holder goes in the user columns of privacyIDEA/LinOTP/multiOTP files: upn (default), or the roster's login or employee id. */
  userName?: UserNameSource;
  /** Test hook: called at each step; a test kills the process or throws there. */
  faults?: ExportFaults;
}

export interface EncryptedExportRequest extends ExportRequest {
  /** age X25519 recipients (age1...); the batch file is written only encrypted to them. */
  encryptTo: string[];
}

/**
 * The points at which an export can be interrupted, in the order it passes them: the file is
 * streamed to a temp file before the write lock ('rendered'), and under the lock it is put in
 * place, the batch recorded, the manifest put in place, and the commit made.
 */
export const EXPORT_STEPS = [
  'rendered',
  'locked',
  'file-temp-written',
  'file-in-place',
  'manifest-temp-written',
  'manifest-in-place',
  'committed',
] as const;
export type ExportStep = (typeof EXPORT_STEPS)[number];

export interface ExportFaults {
  at(step: ExportStep): void;
}

export interface ExportResult {
  /**
   * The manifest as written, without its `assignments` (the file holds them); null when nothing
   * was waiting.
   */
  manifest: BatchManifest | null;
  /** The file written: for an encrypted batch, the `.age` file (no plaintext is written). */
  filePath?: string;
  manifestPath?: string;
  /** LinOTP and multiOTP batches: who gets which token (`<file>.assign.csv`, no seed), beside the file. */
  assignmentListPath?: string;
  /** Tokens left waiting because the format cannot carry them. */
  leftWaiting: Array<{ serial: string; reason: string }>;
  /** True when an existing batch was written again (`batch`). */
  rewritten: boolean;
  /** Files of earlier interrupted exports that were set aside before this one. */
  orphaned: OrphanReport;
}
