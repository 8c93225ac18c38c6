/**
 * Sealing the seeds of a large import on a worker thread while the parser is still reading, so
 * AES-GCM and parsing overlap (store/sealPool.ts runs the worker).
 */
import type { SeedRecord } from '../formats/types.js';
import type { Inventory } from '../store/db.js';

const SEAL_BATCH = 2048;

/** Seals records in batches on a worker as the parser hands them over. */
export class BackgroundSealer {
  readonly #pool;
  readonly #done: Array<Promise<void>> = [];
  readonly sealed = new Map<SeedRecord, Buffer>();
  #batch: SeedRecord[] = [];

  constructor(inventory: Inventory) {
    this.#pool = inventory.vault.sealPool();
  }

  add = (record: SeedRecord): void => {
    this.#batch.push(record);
    if (this.#batch.length >= SEAL_BATCH) this.#flush();
  };

  #flush(): void {
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0) return;
    const done = this.#pool.seal(batch.map((r) => r.serial), batch.map((r) => r.secret)).then((sealed) => {
      batch.forEach((record, i) => this.sealed.set(record, sealed[i]!));
    });
    // The parser is still running when a batch fails: its rejection is taken up by finish() or
    // abandon(), so it must not count as unhandled in the meantime (Node would end the process).
    done.catch(() => {});
    this.#done.push(done);
  }

  async finish(): Promise<Map<SeedRecord, Buffer>> {
    this.#flush();
    try {
      await Promise.all(this.#done);
    } finally {
      await this.#pool.close();
    }
    return this.sealed;
  }

  async abandon(): Promise<void> {
    await Promise.allSettled(this.#done);
    await this.#pool.close();
  }
}

