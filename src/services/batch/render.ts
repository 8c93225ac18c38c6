/**
 * From stored hand-outs to the bytes of a batch file, one row at a time: open the seed, hand the
 * row to the format's writer, wipe the seed, go on. The bytes leave in blocks, hashed on the way
 * (the manifest's sha256), so memory stays flat however many rows there are. For formats that keep
 * who gets each token in the manifest, those entries are written out as they come too.
 */
import { createHash } from 'node:crypto';
import { Refusal } from '../../core/errors.js';
import { formatsThatCarry, manifestStream, type BatchExporter, type BatchFormat, type BatchRow, type Chunk, type ExportOptions } from '../../formats/index.js';
import type { StoredBatchRow } from '../../store/batchRepo.js';

/** Bytes per block handed on (and per write to disk). */
export const BLOCK_BYTES = 64 * 1024;

/** Opens a sealed seed (the home's vault; a counting stand-in in tests). */
export interface SeedOpener {
  open(serial: string, sealed: Uint8Array): Uint8Array;
}

export interface RenderPlan {
  exporter: BatchExporter;
  layout: number;
  vault: SeedOpener;
  /** Leave rows the format cannot carry out; otherwise stop writing at the first and list them all. */
  skipUnsupported: boolean;
  /** A purged seed is refused in words for a new batch, or for a batch written again. */
  purpose: 'export' | 'rewrite';
  /** Receives the manifest's assignment entries as text, for layouts that keep them there. */
  assignments?: (text: string) => void;
  /** Receives each row written (the companion assignment list of LinOTP and multiOTP batches); never keeps the seed. */
  companion?: (row: BatchRow, index: number) => void;
  /** What the format reads besides the rows (privacyIDEA realm and resolver...). */
  options?: ExportOptions;
  /** Which name of the holder goes in user columns (privacyIDEA, LinOTP, multiOTP): default the UPN. */
  userName?: UserNameSource;
}

/** True when the rows must carry the holder's roster columns (user names other than the UPN). */
export function needsRoster(plan: Pick<RenderPlan, 'userName'>): boolean {
  return (plan.userName ?? 'upn') !== 'upn';
}

export const USER_NAME_SOURCES = ['upn', 'login', 'employee-id'] as const;
export type UserNameSource = (typeof USER_NAME_SOURCES)[number];

export interface Rendered {
  /** Rows written. */
  count: number;
  /** Of the file's bytes. */
  sha256: string;
  /** The hand-outs written, in file order: the commit marks exactly these. */
  assignmentIds: number[];
  /** Rows the format cannot carry (left out, or the reason to refuse). */
  unsupported: Array<{ serial: string; reason: string }>;
  /** The formats that could carry every one of them. */
  carriers: BatchFormat[];
  /** True when the writer kept who gets each token for the manifest. */
  hasAssignments: boolean;
}

/** The file's bytes, block by block; returns what was written. */
export function* renderBatch(rows: Iterable<StoredBatchRow>, plan: RenderPlan): Generator<Uint8Array, Rendered, undefined> {
  const options = plan.options ?? {};
  const writer = plan.exporter.writer(plan.layout, options);
  const hash = createHash('sha256');
  const assignmentIds: number[] = [];
  const unsupported: Rendered['unsupported'] = [];
  let carriers: BatchFormat[] | null = null;
  let writing = true;
  let block = Buffer.allocUnsafe(BLOCK_BYTES);
  let used = 0;
  const ready: Buffer[] = [];

  const add = (chunk: Chunk) => {
    // Text that surely fits (at most 3 bytes per UTF-16 unit) is encoded straight into the block.
    if (typeof chunk === 'string' && chunk.length * 3 <= BLOCK_BYTES - used) {
      used += block.write(chunk, used, 'utf8');
      return;
    }
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let offset = 0;
    while (offset < bytes.byteLength) {
      const n = Math.min(BLOCK_BYTES - used, bytes.byteLength - offset);
      block.set(bytes.subarray(offset, offset + n), used);
      used += n;
      offset += n;
      if (used === BLOCK_BYTES) {
        hash.update(block);
        ready.push(block);
        block = Buffer.allocUnsafe(BLOCK_BYTES);
        used = 0;
      }
    }
    if (typeof chunk === 'string') bytes.fill(0); // the text of a row holds its seed
  };

  add(writer.header());
  yield* ready.splice(0);
  for (const stored of rows) {
    const row = openRow(stored, plan);
    try {
      const reason = plan.exporter.whyNot(row, options) ?? writer.conflict?.(row) ?? null;
      if (reason !== null) {
        unsupported.push({ serial: row.serial, reason });
        const can = formatsThatCarry(row, options);
        carriers = carriers === null ? can : carriers.filter((f) => can.includes(f));
        if (!plan.skipUnsupported) writing = false; // refused at the end; no need to write on
        continue;
      }
      if (!writing) continue;
      const index = assignmentIds.length;
      add(writer.row(row, index));
      plan.companion?.(row, index);
      if (writer.assignment && plan.assignments) plan.assignments(manifestStream.entry(writer.assignment(row, index), index));
      assignmentIds.push(stored.assignmentId);
    } finally {
      row.secret.fill(0);
    }
    yield* ready.splice(0);
  }
  add(writer.footer(assignmentIds.length));
  if (used > 0) {
    const last = block.subarray(0, used);
    hash.update(last);
    ready.push(last);
  }
  yield* ready.splice(0);
  return {
    count: assignmentIds.length,
    sha256: hash.digest('hex'),
    assignmentIds,
    unsupported,
    carriers: carriers ?? [],
    hasAssignments: writer.assignment !== undefined,
  };
}

/** Renders into `write` synchronously, wiping each block once written; returns what was written. */
export function renderInto(rows: Iterable<StoredBatchRow>, plan: RenderPlan, write: (block: Uint8Array) => void): Rendered {
  const blocks = renderBatch(rows, plan);
  for (;;) {
    const next = blocks.next();
    if (next.done) return next.value;
    write(next.value);
    next.value.fill(0);
  }
}

function openRow(stored: StoredBatchRow, plan: RenderPlan): BatchRow {
  if (stored.sealed === null) {
    throw new Refusal(
      'seed-purged',
      plan.purpose === 'export'
        ? `token ${stored.serial} has no seed any more (purged${stored.purgedAt ? ` ${stored.purgedAt}` : ''}); undo its hand-out. Nothing was written`
        : `token ${stored.serial} has no seed any more; nothing was written`,
    );
  }
  return {
    upn: stored.upn,
    serial: stored.serial,
    secret: plan.vault.open(stored.serial, stored.sealed),
    algorithm: stored.algorithm,
    digits: stored.digits,
    period: stored.period,
    manufacturer: stored.manufacturer,
    model: stored.model,
    displayName: stored.displayName,
    offsetSteps: stored.offsetSteps,
    verifiedAt: stored.verifiedAt,
    ...userNameOf(stored, plan.userName ?? 'upn'),
  };
}

/**
 * The name a non-Entra target knows the holder by: the UPN (no userName: formats use the UPN), or a
 * roster column; a holder the roster has no value for gets '' so the format refuses the row by name.
 */
function userNameOf(stored: StoredBatchRow, source: UserNameSource): { userName?: string } {
  if (source === 'upn') return {};
  return { userName: (source === 'login' ? stored.login : stored.employeeId) ?? '' };
}

/** Text gathered into blocks before it reaches `write` (a write per row would be a system call per row). */
export class BlockWriter {
  #block = Buffer.allocUnsafe(BLOCK_BYTES);
  #used = 0;

  constructor(private readonly write: (bytes: Uint8Array) => void) {}

  add(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    if (this.#used + bytes.byteLength > BLOCK_BYTES) this.flush();
    if (bytes.byteLength > BLOCK_BYTES) return this.write(bytes);
    this.#block.set(bytes, this.#used);
    this.#used += bytes.byteLength;
  }

  flush(): void {
    if (this.#used === 0) return;
    this.write(this.#block.subarray(0, this.#used));
    this.#used = 0;
  }
}
