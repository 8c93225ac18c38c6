/**
 * The streaming part of an import: records from the parser are sealed a chunk at a time (on a
 * worker thread for large files, so AES-GCM overlaps parsing) and staged in the store's private
 * temp table as each chunk comes back, in file order. At most MAX_CHUNKS_IN_FLIGHT chunks are
 * being sealed at once: `drain()` (awaited by the byte source between chunks of the file) holds
 * the parser back until the sealer catches up, so memory stays bounded whatever the file's size.
 * Plaintext seeds are wiped once sealed.
 */
import { repeatedSerialReason } from '../formats/seedRules.js';
import type { Reject, SeedFormat, SeedRecord } from '../formats/types.js';
import type { Inventory } from '../store/db.js';
import type { ImportStaging, StagedToken } from '../store/importRepo.js';
import type { SealPool } from '../store/sealPool.js';

/** Records sealed and staged together. */
export const STAGE_CHUNK = 2048;
/** Chunks handed to the sealer and not yet staged, at most (back-pressure past this). */
export const MAX_CHUNKS_IN_FLIGHT = 4;

export interface ImportGroup {
  manufacturer: string;
  model: string;
  algorithm: SeedRecord['algorithm'];
  digits: number;
  period: number;
  count: number;
}

type GroupKey = Pick<ImportGroup, 'manufacturer' | 'model' | 'algorithm' | 'digits' | 'period'>;
const groupKey = (r: GroupKey) => `${r.manufacturer}\u0000${r.model}\u0000${r.algorithm}\u0000${r.digits}\u0000${r.period}`;

export class ImportPipeline {
  readonly #inventory: Inventory;
  readonly #staging: ImportStaging;
  readonly #pool: SealPool | null;
  #batch: SeedRecord[] = [];
  #inFlight: Array<Promise<void>> = [];
  #failure: unknown = null;
  readonly #groups = new Map<string, ImportGroup>();
  /** Records handed over so far. */
  records = 0;
  /** Of them, how many name a UPN (pre-assignments). */
  preassigned = 0;
  /** Rows rejected for repeating a serial of the file (found on disk by the staging table), in file order. */
  readonly duplicates: Reject[] = [];
  readonly #format: SeedFormat;

  constructor(inventory: Inventory, staging: ImportStaging, options: { background: boolean; format: SeedFormat }) {
    this.#inventory = inventory;
    this.#format = options.format;
    this.#staging = staging;
    this.#pool = options.background ? inventory.vault.sealPool() : null;
  }

  /** The parser's onRecord: counts and groups the record, and sends a full chunk to be sealed. */
  add = (record: SeedRecord): void => {
    this.#count(record, 1);
    this.#batch.push(record);
    if (this.#batch.length >= STAGE_CHUNK) this.#flush();
  };

  /** Resolves once fewer than MAX_CHUNKS_IN_FLIGHT chunks are waiting to be sealed; rejects if sealing failed. */
  async drain(): Promise<void> {
    while (this.#inFlight.length >= MAX_CHUNKS_IN_FLIGHT) await this.#inFlight[0];
    if (this.#failure !== null) throw this.#failure;
  }

  /** Seals and stages what is left; then every record handed over is staged. */
  async finish(): Promise<void> {
    this.#flush();
    try {
      while (this.#inFlight.length > 0) await this.#inFlight[0];
      if (this.#failure !== null) throw this.#failure;
    } finally {
      await this.#pool?.close();
    }
  }

  /** After a failure: waits for the sealer to stop; what it sealed is dropped with the staging table. */
  async abandon(): Promise<void> {
    this.#batch = [];
    await Promise.allSettled(this.#inFlight);
    await this.#pool?.close();
  }

  /** The new tokens by kind, minus those found already in stock (`alreadyThere`). */
  groups(alreadyThere: readonly GroupKey[] = []): ImportGroup[] {
    const groups = new Map([...this.#groups].map(([key, g]) => [key, { ...g }]));
    for (const r of alreadyThere) {
      const group = groups.get(groupKey(r));
      if (group && --group.count === 0) groups.delete(groupKey(r));
    }
    return [...groups.values()].sort((a, b) => b.count - a.count);
  }

  #count(record: SeedRecord, by: 1 | -1): void {
    this.records += by;
    if (record.upn) this.preassigned += by;
    const key = groupKey(record);
    const group = this.#groups.get(key);
    if (group) group.count += by;
    else this.#groups.set(key, { manufacturer: record.manufacturer, model: record.model, algorithm: record.algorithm, digits: record.digits, period: record.period, count: 1 });
    if (group && group.count === 0) this.#groups.delete(key);
  }

  #flush(): void {
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0) return;
    if (this.#pool === null) {
      // Small files: sealed here and now, no worker to start.
      const vault = this.#inventory.vault;
      this.#stage(batch, batch.map((r) => vault.seal(r.serial, r.secret)));
      return;
    }
    const done = this.#pool
      .seal(batch.map((r) => r.serial), batch.map((r) => r.secret))
      .then((sealed) => this.#stage(batch, sealed))
      .catch((error: unknown) => {
        this.#failure ??= error;
      })
      .finally(() => {
        this.#inFlight.splice(this.#inFlight.indexOf(done), 1);
      });
    this.#inFlight.push(done);
  }

  #stage(batch: readonly SeedRecord[], sealed: readonly Buffer[]): void {
    if (this.#failure !== null) return;
    const rows: StagedToken[] = batch.map((r, i) => ({
      serial: r.serial,
      sealedSecret: sealed[i]!,
      algorithm: r.algorithm,
      digits: r.digits,
      period: r.period,
      manufacturer: r.manufacturer,
      model: r.model,
      driftSteps: r.driftSteps ?? 0,
      preassignedUpn: r.upn ?? null,
      line: r.where.line ?? null,
      keyId: r.where.keyId ?? null,
    }));
    for (const { index, first } of this.#staging.add(rows)) {
      const record = batch[index]!;
      this.#count(record, -1);
      const firstWhere = { ...(first.line !== null ? { line: first.line } : {}), ...(first.keyId !== null ? { keyId: first.keyId } : {}) };
      this.duplicates.push({ where: record.where, serial: record.serial, reason: repeatedSerialReason(this.#format, record.serial, firstWhere) });
    }
    for (const r of batch) r.secret.fill(0);
  }
}
