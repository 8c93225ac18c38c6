/**
 * The one skeleton every batch file goes through, new, encrypted or written again:
 *
 *   1. stage: stream the rows into a temp file beside the target, before the write lock (at a
 *      million rows that takes seconds, and the desk keeps handing out meanwhile);
 *   2. under the write lock (BEGIN IMMEDIATE, synchronous=FULL): sweep what interrupted exports
 *      left, put the file in place, record the batch, put the manifest in place, commit.
 *
 * Nothing is recorded until both files are durable (temp, fsync, rename, fsync folder), and the
 * commit is the moment the batch exists. A crash before it leaves the database as it was, plus at
 * worst complete files under a batch name the database does not know, which the next sweep sets
 * aside; a failure before it takes away the files this export put in place. Replacing a file with
 * the batch's own bytes (a rewrite) needs no undoing.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import {
  ASSIGNMENT_LIST_FORMATS,
  assignmentListPieces,
  manifestStream,
  manifestText,
  type AssignmentTarget,
  type BatchManifest,
  type BatchRow,
  type EncryptedFileInfo,
  type ExportOptions,
  type Manifest,
} from '../../formats/index.js';
import type { Inventory } from '../../store/db.js';
import { TempFile } from '../../store/atomicFile.js';
import { shredFile } from '../../store/shred.js';
import type { RowStream, StoredBatchRow } from '../../store/batchRepo.js';
import { encryptBlocks } from './encryption.js';
import { sweepUnderLock, type OrphanReport } from './orphans.js';
import { BlockWriter, renderBatch, renderInto, type RenderPlan, type Rendered } from './render.js';
import type { ExportFaults } from './types.js';

/** A batch file streamed to a temp file, with the manifest's assignments beside it when the format has them. */
export interface Staged {
  file: TempFile;
  /** Manifest assignment entries (text between `[` and `]`), or null. */
  assignments: TempFile | null;
  /** LinOTP and multiOTP: who gets which token (`.assign.csv`, no seed), or null. */
  companion?: TempFile | null;
  rendered: Rendered;
  /** For an encrypted file: the recipients and the sha256 of the `.age` bytes. */
  encryption: { recipients: string[]; sha256: string } | null;
  discard(): void;
}

/** The temp files one batch is streamed into: the file, and the manifest's assignments when its layout keeps them there. */
class Stage {
  readonly file: TempFile;
  readonly plan: RenderPlan;
  #assignments: TempFile | null = null;
  #writer: BlockWriter | null = null;
  #companion: TempFile | null = null;
  #companionWriter: BlockWriter | null = null;

  constructor(private readonly target: string, plan: RenderPlan) {
    this.file = new TempFile(target);
    const listTarget = ASSIGNMENT_LIST_FORMATS[plan.exporter.format];
    this.plan = {
      ...plan,
      assignments: (text) => this.#assignment(text),
      ...(listTarget ? { companion: this.#companionFor(listTarget, plan.options ?? {}) } : {}),
    };
  }

  /** The assignment list streamed beside the file: its header now, a line per row written. */
  #companionFor(target: AssignmentTarget, options: ExportOptions): (row: BatchRow, index: number) => void {
    const pieces = assignmentListPieces(target);
    const temp = (this.#companion = new TempFile(`${this.target}.assign`));
    const writer = (this.#companionWriter = new BlockWriter((bytes) => temp.write(bytes)));
    writer.add(pieces.header(options) as string);
    return (row, index) => writer.add(pieces.row(row, index, options) as string);
  }

  #assignment(text: string): void {
    if (this.#writer === null) {
      const temp = (this.#assignments = new TempFile(`${this.target}.assignments`));
      this.#writer = new BlockWriter((bytes) => temp.write(bytes));
    }
    this.#writer.add(text);
  }

  /** Everything durable and closed: ready for the lock. */
  staged(rendered: Rendered, encryption: Staged['encryption']): Staged {
    this.#writer?.flush();
    this.#companionWriter?.flush();
    this.file.finish();
    this.#assignments?.finish();
    this.#companion?.finish();
    return { file: this.file, assignments: this.#assignments, companion: this.#companion, rendered, encryption, discard: () => this.discard() };
  }

  /** A temp file never put in place held the batch's seeds (in the clear, or age bytes): overwritten, then removed. */
  discard(): void {
    try {
      this.file.finish();
      shredFile(this.file.path);
    } catch {
      // Could not be overwritten (disk full?): it is still removed below.
    }
    this.file.discard();
    this.#assignments?.discard();
    this.#companion?.discard();
  }
}

/** Streams `rows` into a temp file beside `target`; the rows are closed whatever happens. */
export function stagePlain(target: string, rows: RowStream<StoredBatchRow>, plan: RenderPlan): Staged {
  let stage: Stage | null = null;
  try {
    stage = new Stage(target, plan);
    const file = stage.file;
    return stage.staged(
      renderInto(rows, stage.plan, (block) => file.write(block)),
      null,
    );
  } catch (error) {
    stage?.discard();
    throw error;
  } finally {
    rows.close();
  }
}

/**
 * Streams `rows` through age to the recipients into a temp file beside `target`: only encrypted
 * bytes reach the disk. `rows` should be read on a connection of their own (the stream awaits).
 */
export async function stageEncrypted(target: string, rows: RowStream<StoredBatchRow>, plan: RenderPlan, recipients: string[]): Promise<Staged> {
  let stage: Stage | null = null;
  try {
    stage = new Stage(target, plan);
    const file = stage.file;
    const hash = createHash('sha256');
    let rendered: Rendered | null = null;
    for await (const block of encryptBlocks(renderBatch(rows, stage.plan), recipients, (value) => (rendered = value))) {
      file.write(block);
      hash.update(block);
    }
    if (rendered === null) throw new Error('the encrypted stream ended before the batch did');
    return stage.staged(rendered, { recipients, sha256: hash.digest('hex') });
  } catch (error) {
    stage?.discard();
    throw error;
  } finally {
    rows.close();
  }
}

export interface LockedExport {
  orphaned: OrphanReport;
  /** Puts the staged file in place under `target`. */
  placeFile(staged: Staged, target: string, options: { exclusive: boolean }): void;
  /** Puts the staged assignment list (LinOTP, multiOTP) in place under `target`; false when there is none. */
  placeCompanion(staged: Staged, target: string, options: { exclusive: boolean }): boolean;
  /** Writes the manifest, its streamed assignments included, and puts it in place. */
  publishManifest(target: string, manifest: Manifest, staged: Staged, options: { exclusive: boolean }): void;
}

/**
 * Runs `commit` under the write lock with synchronous=FULL, after sweeping HOME/exports and
 * `outDir`. Files it created are removed again if it throws.
 */
export function commitUnderLock<T>(inventory: Inventory, options: { outDir: string; faults?: ExportFaults }, commit: (locked: LockedExport) => T): T {
  const { store } = inventory;
  const { outDir, faults } = options;
  const created: string[] = [];
  // Files this export created are taken away again on roll-back; one it replaced held the batch's own bytes.
  const remember = (target: string) => {
    const existed = existsSync(target);
    return (path: string) => {
      if (!existed) created.push(path);
    };
  };
  let result: T;
  try {
    result = store.durably(() =>
      store.write(() => {
        faults?.at('locked');
        mkdirSync(outDir, { recursive: true, mode: 0o700 });
        const locked: LockedExport = {
          orphaned: sweepUnderLock(inventory, [outDir]),
          placeFile(staged, target, { exclusive }) {
            staged.file.placeAt(target, { exclusive, step: 'file', faults, placed: remember(target) });
          },
          placeCompanion(staged, target, { exclusive }) {
            if (!staged.companion) return false;
            staged.companion.placeAt(target, { exclusive, placed: remember(target) });
            return true;
          },
          publishManifest(target, manifest, staged, { exclusive }) {
            const temp = new TempFile(target);
            try {
              if (staged.assignments) {
                temp.write(Buffer.from(manifestStream.head(manifest), 'utf8'));
                temp.append(staged.assignments.path);
                temp.write(Buffer.from(manifestStream.end(staged.rendered.count), 'utf8'));
              } else {
                temp.write(Buffer.from(manifestText(manifest), 'utf8'));
              }
              temp.placeAt(target, { exclusive, step: 'manifest', faults, placed: remember(target) });
            } finally {
              temp.discard();
            }
          },
        };
        return commit(locked);
      }),
    );
  } catch (error) {
    // Rolled back: take away what this export put in place, so nothing changed.
    for (const path of created) if (existsSync(path)) unlinkSync(path);
    throw error;
  }
  // Committed: from here on a crash leaves a complete batch.
  faults?.at('committed');
  return result;
}

/** The manifest as the file says it: layout 1 is not written. */
export function withoutLayoutOne(manifest: BatchManifest): BatchManifest {
  if (manifest.layout !== 1) return manifest;
  const { layout: _one, ...rest } = manifest;
  return rest;
}

export function encryptedInfo(writtenName: string, staged: Staged): EncryptedFileInfo | undefined {
  if (!staged.encryption) return undefined;
  return { format: 'age', file: writtenName, sha256: staged.encryption.sha256, recipients: staged.encryption.recipients };
}

export function encryptedAuditFields(info: EncryptedFileInfo | undefined): Record<string, unknown> {
  return info ? { encrypted: true, recipients: info.recipients.length, encryptedFile: info.file, encryptedSha256: info.sha256 } : {};
}
