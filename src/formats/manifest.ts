/**
 * The manifest beside every batch file: which batch, desk and format, how many tokens, the sha256
 * of the file, who made it and the audit chain head at that moment; for an encrypted batch the
 * `.age` file too; for a merge its sources; and for files that do not say who gets each token
 * (graph-json layout 2) the `assignments`, one entry per token.
 *
 * One type, one writer, one parser, for the export, rewrite, void, decrypt and merge alike. The text
 * is JSON.stringify(manifest, null, 2) + "\n" with the keys in the order below, so a manifest
 * written again from the same facts has the same bytes. Keys that older versions did not write
 * (`layout`, `assignments`) are left out when they would say nothing (layout 1, no assignments),
 * so those manifests come out as they were.
 */
import type { ManifestAssignment, ManifestFacts } from './types.js';

export const MANIFEST_SUFFIX = '.manifest.json';

/** tokendesk-<batch>.manifest.json */
export function manifestFileName(batchName: string): string {
  return `tokendesk-${batchName}${MANIFEST_SUFFIX}`;
}

export interface AuditHead {
  seq: number;
  hash: string;
}

export interface EncryptedFileInfo {
  /** Standard age v1, binary: `age -d -i key.txt FILE` decrypts it too. */
  format: 'age';
  /** The file actually written: `<file>.age`. */
  file: string;
  /** Of the encrypted file. */
  sha256: string;
  /** The public keys it was encrypted to; any one of their identities decrypts it. */
  recipients: string[];
}

/** A batch exported at a desk. */
export interface BatchManifest {
  batch: string;
  deskId: string;
  format: string;
  /** Present on removal batches only: the file lists tokens the identity provider must forget. */
  kind?: 'removal';
  /** The file's layout within its format, when not 1 (graph-json 2: the Graph body alone). */
  layout?: number;
  /** The batch file's name; for an encrypted batch, the name `batch decrypt` gives the plaintext. */
  file: string;
  count: number;
  /** Of the plaintext batch file, encrypted or not. */
  sha256: string;
  createdAt: string;
  createdBy: string;
  /** The audit chain head after this export, to match the upload to the trail. */
  auditHead: AuditHead;
  /** Present when the batch file was written only encrypted. */
  encrypted?: EncryptedFileInfo;
  /** Who gets each token, when the file does not say (in file order). */
  assignments?: ManifestAssignment[];
}

export interface MergeSource {
  batch: string;
  deskId: string | null;
  file: string;
  sha256: string;
  count: number;
}

/** Several desks' batches merged into one upload (`batch merge`). */
export interface MergeManifest {
  /** merge-<yyyymmdd>-<first 8 hex of its sha256>. */
  batch: string;
  merge: true;
  format: string;
  layout?: number;
  file: string;
  count: number;
  sha256: string;
  createdAt: string;
  sources: MergeSource[];
  assignments?: ManifestAssignment[];
}

export type Manifest = BatchManifest | MergeManifest;

const BATCH_KEYS = ['batch', 'deskId', 'format', 'kind', 'layout', 'file', 'count', 'sha256', 'createdAt', 'createdBy', 'auditHead', 'encrypted', 'assignments'] as const;
const MERGE_KEYS = ['batch', 'merge', 'format', 'layout', 'file', 'count', 'sha256', 'createdAt', 'sources', 'assignments'] as const;

/** The manifest's fields in the written order, without those that would say nothing. */
function ordered(manifest: Manifest): Record<string, unknown> {
  const source = manifest as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of 'merge' in manifest ? MERGE_KEYS : BATCH_KEYS) {
    const value = source[key];
    if (value === undefined) continue;
    if (key === 'layout' && value === 1) continue;
    out[key] = value;
  }
  return out;
}

/** The whole manifest as text, assignments included (for manifests held in memory). */
export function manifestText(manifest: Manifest): string {
  return `${JSON.stringify(ordered(manifest), null, 2)}\n`;
}

/**
 * A manifest with `assignments` streamed in after the other fields, one entry at a time:
 * `head()`, then `entry()` for each, then `end()`. The bytes equal manifestText() of the whole.
 */
export const manifestStream = {
  /** Everything before the first entry, for a manifest given without its assignments. */
  head(manifest: Manifest): string {
    const { assignments: _ignored, ...rest } = manifest;
    const text = JSON.stringify(ordered(rest as Manifest), null, 2);
    return `${text.slice(0, -2)},\n  "assignments": [`;
  },
  entry(assignment: ManifestAssignment, index: number): string {
    return `${index === 0 ? '' : ','}\n    ${JSON.stringify(assignment, null, 2).replace(/\n/g, '\n    ')}`;
  },
  end(count: number): string {
    return count === 0 ? ']\n}\n' : '\n  ]\n}\n';
  },
};

/** What a format's readBack needs from a manifest. */
export function manifestFacts(manifest: Manifest): ManifestFacts {
  return { layout: manifest.layout ?? 1, assignments: manifest.assignments ?? null };
}

/** A file that is not a tokendesk manifest; the message says which field is wrong. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

const SHA256 = /^[0-9a-f]{64}$/;

/** A file name alone, never a path: a manifest from a USB stick must not point elsewhere. */
function isBareName(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && value !== '.' && value !== '..' && !/[/\\\0]/.test(value);
}

/** Reads a manifest of this or an earlier version; throws ManifestError naming what is wrong. */
export function parseManifest(text: string): Manifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ManifestError('it is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ManifestError('it is not a JSON object');
  const m = parsed as Record<string, unknown>;
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new ManifestError(what);
  };
  need(typeof m.batch === 'string' && m.batch !== '', 'it names no batch');
  need(typeof m.format === 'string' && m.format !== '', 'it names no format');
  need(isBareName(m.file), 'it names no batch file (or names a path)');
  need(Number.isSafeInteger(m.count) && (m.count as number) >= 0, 'its count is not a whole number');
  need(typeof m.sha256 === 'string' && SHA256.test(m.sha256), 'its sha256 is not 64 hex digits');
  need(m.layout === undefined || (Number.isSafeInteger(m.layout) && (m.layout as number) >= 1), 'its layout is not a whole number');
  need(m.assignments === undefined || Array.isArray(m.assignments), 'its assignments are not a list');
  need(typeof m.createdAt === 'string', 'it has no createdAt');
  if (m.merge === true) {
    need(Array.isArray(m.sources), 'a merge manifest without its sources');
    return m as unknown as MergeManifest; // every field a reader relies on was checked above
  }
  need(typeof m.deskId === 'string', 'it names no desk');
  need(typeof m.createdBy === 'string', 'it has no createdBy');
  const head = m.auditHead as Record<string, unknown> | undefined;
  need(head !== null && typeof head === 'object' && Number.isSafeInteger(head.seq) && typeof head.hash === 'string', 'it has no audit head');
  if (m.encrypted !== undefined) {
    const e = m.encrypted as Record<string, unknown> | null;
    need(
      e !== null &&
        typeof e === 'object' &&
        e.format === 'age' &&
        isBareName(e.file) &&
        typeof e.sha256 === 'string' &&
        SHA256.test(e.sha256) &&
        Array.isArray(e.recipients) &&
        e.recipients.every((r) => typeof r === 'string'),
      'its "encrypted" section is damaged',
    );
  }
  return m as unknown as BatchManifest; // every field a reader relies on was checked above
}
