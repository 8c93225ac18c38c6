/**
 * Upload engine test support: an in-memory ledger, hand-outs with real seeds, and a kill switch
 * that ends a run at an await point the way a killed process would: from that moment every
 * ledger write and every request fails, a request in flight may or may not have reached Graph,
 * and a ledger write at the kill point may or may not have been stored.
 */
import { randomBytes } from 'node:crypto';
import type { HashAlgorithm } from '../../../src/core/algorithms.js';
import type { HandOutToUpload, UploadLedger, UploadProgress } from '../../../src/services/upload/ledger.js';
import { seededRandom } from '../../graph/faults.js';

export class MemoryLedger implements UploadLedger {
  readonly rows = new Map<string, UploadProgress>();
  writes = 0;

  read(serial: string): UploadProgress | undefined {
    const row = this.rows.get(serial);
    return row ? structuredClone(row) : undefined;
  }

  write(progress: UploadProgress): void {
    this.writes++;
    this.rows.set(progress.serial, structuredClone(progress));
  }
}

export class Killed extends Error {
  constructor() {
    super('killed');
  }
}

/** Counts await points; at the chosen one the "process" dies. */
export class KillSwitch {
  #left: number;
  dead = false;
  readonly #random: () => number;

  constructor(afterOperations: number, seed: number) {
    this.#left = afterOperations;
    this.#random = seededRandom(seed);
  }

  /** Called at each await point; true when the process dies here. */
  tick(): boolean {
    if (this.dead) return true;
    if (--this.#left <= 0) this.dead = true;
    return this.dead;
  }

  coin(): boolean {
    return this.#random() < 0.5;
  }

  ledger(inner: UploadLedger): UploadLedger {
    return {
      read: async (serial) => {
        if (this.tick()) throw new Killed();
        return inner.read(serial);
      },
      write: async (progress) => {
        if (this.dead) throw new Killed();
        if (this.tick()) {
          if (this.coin()) await inner.write(progress); // died just after the write reached the disk
          throw new Killed();
        }
        await inner.write(progress);
      },
    };
  }

  fetch(inner: typeof fetch = fetch): typeof fetch {
    return (async (url: string | URL | Request, init?: RequestInit) => {
      if (this.dead) throw new Killed();
      if (this.tick()) {
        if (this.coin()) await inner(url, init).catch(() => undefined); // sent, the answer never read
        throw new Killed();
      }
      const response = await inner(url, init);
      if (this.dead) throw new Killed(); // died while the answer was on its way
      return response;
    }) as typeof fetch;
  }
}

export interface PlannedHandOut extends HandOutToUpload {
  secret: Uint8Array;
}

export function handOut(serial: string, upn: string, options: Partial<{ offsetSteps: number; algorithm: HashAlgorithm; period: number; digits: number; displayName: string }> = {}): PlannedHandOut {
  const secret = new Uint8Array(randomBytes(20));
  return {
    serial,
    upn,
    displayName: options.displayName ?? `Token of ${upn.split('@')[0]}`,
    manufacturer: 'Token2',
    model: 'C202',
    algorithm: options.algorithm ?? 'SHA1',
    period: options.period ?? 30,
    digits: options.digits ?? 6,
    offsetSteps: options.offsetSteps ?? 0,
    secret,
    seed: () => secret.slice(),
  };
}
