/**
 * What the upload engine needs from the desk's records, and nothing more: each token's progress,
 * read before it is worked on and written before and after every call to Graph. The lead wires
 * this to SQLite; tests use a map. A write must be durable when it returns (the engine may be
 * killed right after it), and it stores no seed and no code.
 */
import type { HashAlgorithm } from '../../core/algorithms.js';

/**
 * Where a token stands in the tenant, as far as the desk knows:
 * pending (nothing sent) -> creating (create sent, answer not yet stored) -> created ->
 * activating (activation sent) -> activated; `staged` ends an --unassigned upload (created,
 * nobody assigned); `failed` holds a reason a person must act on; `removed`: the desk's removal
 * was carried out (or the row belongs to an earlier hand-out of the token). A run that starts on
 * a token in any stage other than pending looks at the tenant first, so a lost answer never
 * leads to a second device.
 */
export type UploadStage = 'pending' | 'creating' | 'created' | 'activating' | 'activated' | 'staged' | 'failed' | 'removed';

export const UPLOAD_STAGES: readonly UploadStage[] = ['pending', 'creating', 'created', 'activating', 'activated', 'staged', 'failed', 'removed'];

export interface UploadProgress {
  serial: string;
  stage: UploadStage;
  /** The holder's Entra object id, once resolved. */
  userId?: string;
  /** The device's id in the tenant, once known. */
  deviceId?: string;
  /** Set with stage `failed`: a stable code and a sentence saying what to do. */
  failure?: { code: string; reason: string };
  /** Calls sent for this token over all runs, for the report. */
  calls: number;
}

export interface UploadLedger {
  read(serial: string): UploadProgress | undefined | Promise<UploadProgress | undefined>;
  write(progress: UploadProgress): void | Promise<void>;
}

/** One verified hand-out to put into the tenant. */
export interface HandOutToUpload {
  serial: string;
  /** The employee's UPN; unused by an --unassigned upload. */
  upn: string;
  /** The name given at the desk: the method's display name in Entra. */
  displayName: string;
  manufacturer: string;
  model: string;
  algorithm: HashAlgorithm;
  /** Seconds per code: 30 or 60. */
  period: number;
  digits: number;
  /** The token's clock offset measured at the desk, in steps (positive: the token runs fast). */
  offsetSteps: number;
  /**
   * The seed, asked for only when a call needs it (create, activate). The engine wipes the bytes
   * it is given when done, so return a copy. A Refusal thrown here (seed purged, damaged) fails
   * this token only.
   */
  seed(): Uint8Array | Promise<Uint8Array>;
}
