/**
 * The files a batch wrote, after the fact: recorded at every export and rewrite (batch_files), so
 * that a purge shreds every plaintext copy of the seeds it can still reach and names the rest, and
 * a void takes away everything the batch left (it must not be uploaded by mistake).
 *
 * A file is touched only when it is still the batch's own: the batch file's sha256, the .age file's
 * sha256 from its manifest, a manifest that names the batch. Anything else under a recorded path is
 * left and named. Batches exported before batch_files existed are looked for in HOME/exports.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseManifest } from '../../formats/index.js';
import type { BatchFileRole } from '../../store/batchFileRepo.js';
import type { BatchRecord } from '../../store/batchRepo.js';
import type { Inventory } from '../../store/db.js';
import { shredFile, type ShredOptions } from '../../store/shred.js';
import { readManifestFile } from './manifestFiles.js';
import { AGE_SUFFIX, manifestFileName } from './names.js';

export interface BatchFileView {
  path: string;
  role: BatchFileRole;
  holdsSeeds: boolean;
}

export interface LeftFile extends BatchFileView {
  /** Why tokendesk could not remove it: what the admin must check. */
  reason: string;
}

export interface FilesOutcome {
  /** Overwritten with zeros, then deleted. */
  removed: string[];
  /** Already deleted by someone else. */
  alreadyGone: string[];
  /** Copies tokendesk could not remove: the admin must. */
  left: LeftFile[];
  /** Files kept on purpose (no seed in plain text: the manifest, an encrypted .age file). */
  kept: BatchFileView[];
}

/** Inside the caller's write: a batch's file was (re)written at `path`. */
export function recordBatchFile(inventory: Inventory, batchId: number, path: string, role: BatchFileRole, at: string, holdsSeeds = role === 'body'): void {
  inventory.store.batchFiles.record({ batchId, path: resolve(path), role, holdsSeeds, writtenAt: at });
}

interface Known extends BatchFileView {
  id: number | null;
}

/** The batch's files not yet removed: as recorded, or for an older batch, those under its names in HOME/exports. */
function knownFiles(inventory: Inventory, batch: BatchRecord): Known[] {
  const recorded = inventory.store.batchFiles.ofBatch(batch.id);
  if (recorded.length > 0) {
    return recorded.filter((f) => f.removedAt === null).map((f) => ({ id: f.id, path: f.path, role: f.role as BatchFileRole, holdsSeeds: f.holdsSeeds }));
  }
  const dir = resolve(inventory.paths.exports);
  const candidates: Known[] = [
    { id: null, path: join(dir, batch.fileName), role: 'body', holdsSeeds: true },
    { id: null, path: join(dir, `${batch.fileName}${AGE_SUFFIX}`), role: 'encrypted', holdsSeeds: false },
    { id: null, path: join(dir, manifestFileName(batch.name)), role: 'manifest', holdsSeeds: false },
  ];
  return candidates.filter((c) => existsSync(c.path));
}

/** What makes a file this batch's own, by its role. */
function ownership(batch: BatchRecord, file: Known, all: Known[]): ShredOptions | { refuse: string } {
  switch (file.role) {
    case 'body':
      return { sha256: batch.sha256 };
    case 'manifest':
      return { accept: (bytes) => (namesBatch(bytes, batch.name) ? null : 'it is not the manifest of this batch any more: not touched') };
    case 'encrypted': {
      const sha256 = encryptedSha256(batch, file, all);
      return sha256 ? { sha256 } : { refuse: 'its manifest is not beside it, so it cannot be told apart from another file: not touched; delete it by hand' };
    }
    default:
      // Companion lists and checklists: no seed, written under the batch's name; the name is the check.
      return {};
  }
}

function namesBatch(bytes: Buffer, name: string): boolean {
  try {
    const manifest = parseManifest(bytes.toString('utf8'));
    return 'batch' in manifest && manifest.batch === name;
  } catch {
    return false;
  }
}

/** The sha256 of the .age file, from the manifest written beside it. */
function encryptedSha256(batch: BatchRecord, file: Known, all: Known[]): string | null {
  const beside = all.find((f) => f.role === 'manifest' && dirname(f.path) === dirname(file.path))?.path ?? join(dirname(file.path), manifestFileName(batch.name));
  const read = readManifestFile(beside);
  if (!('manifest' in read) || !('encrypted' in read.manifest) || read.manifest.batch !== batch.name) return null;
  return read.manifest.encrypted?.sha256 ?? null;
}

/**
 * Shreds the batch's files: `seeds` only those holding seeds in plain text (purge: the manifest and
 * any .age file stay), `all` every one (void). Marks what is gone in batch_files; never throws for a
 * file it could not remove: it names it.
 */
export function removeBatchFiles(inventory: Inventory, batch: BatchRecord, which: 'seeds' | 'all', at: string): FilesOutcome {
  const outcome: FilesOutcome = { removed: [], alreadyGone: [], left: [], kept: [] };
  const files = knownFiles(inventory, batch);
  const done: number[] = [];
  // Encrypted files are checked against a manifest beside them: shred them before any manifest.
  const order = (f: Known) => (f.role === 'manifest' ? 1 : 0);
  for (const file of [...files].sort((a, b) => order(a) - order(b))) {
    const view: BatchFileView = { path: file.path, role: file.role, holdsSeeds: file.holdsSeeds };
    if (which === 'seeds' && !file.holdsSeeds) {
      if (existsSync(file.path)) outcome.kept.push(view);
      continue;
    }
    const rule = ownership(batch, file, files);
    if ('refuse' in rule) {
      if (existsSync(file.path)) outcome.left.push({ ...view, reason: rule.refuse });
      continue;
    }
    const result = shredFile(file.path, rule);
    if (result.outcome === 'left') {
      outcome.left.push({ ...view, reason: result.reason });
      continue;
    }
    (result.outcome === 'removed' ? outcome.removed : outcome.alreadyGone).push(file.path);
    if (file.id !== null) done.push(file.id);
  }
  if (done.length > 0) inventory.store.write(() => done.forEach((id) => inventory.store.batchFiles.markRemoved(id, at)));
  return outcome;
}

export interface SeedCopyLeft {
  batch: string;
  path: string;
  /** void: the batch will never be uploaded; purged: its seeds left the database already. */
  why: 'void' | 'purged';
  /** False when its folder cannot be reached now (a stick not plugged in): it may still be there. */
  present: boolean;
}

/**
 * Plaintext batch files tokendesk wrote that should be gone and may not be: those of void batches
 * and of batches whose seeds were purged (for `doctor`). Files still expected (a batch not yet
 * uploaded, or uploaded without a purge) are not listed.
 */
export function seedCopiesLeft(inventory: Inventory): SeedCopyLeft[] {
  const { store } = inventory;
  const left: SeedCopyLeft[] = [];
  const batches = new Map<number, BatchRecord | undefined>();
  for (const file of store.batchFiles.seedCopiesLeft()) {
    if (!batches.has(file.batchId)) batches.set(file.batchId, store.batches.byId(file.batchId));
    const batch = batches.get(file.batchId);
    if (!batch) continue;
    const why = batch.status === 'void' ? 'void' : store.batches.seedState(batch.id).purged > 0 ? 'purged' : null;
    if (why === null) continue;
    const reachable = existsSync(dirname(file.path));
    if (reachable && !existsSync(file.path)) continue; // deleted by hand: nothing left
    left.push({ batch: batch.name, path: file.path, why, present: reachable });
  }
  return left;
}
