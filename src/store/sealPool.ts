/**
 * Sealing many seeds at once (imports, key rotation) on a worker thread, so AES-GCM runs while the
 * main thread parses the file. Produces exactly what SeedVault.seal produces (same function, run in
 * the worker from its source text: the worker imports nothing of ours, so it loads from source in
 * tests and from dist/ alike).
 */
import { Worker } from 'node:worker_threads';
import { sealSeed } from './sealSeed.js';

interface Job {
  resolve: (sealed: Buffer[]) => void;
  reject: (error: Error) => void;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createCipheriv, createSecretKey, randomBytes } = require('node:crypto');
const sealSeed = ${sealSeed.toString()};
const key = createSecretKey(Buffer.from(workerData.key));
parentPort.on('message', ({ id, serials, secrets }) => {
  try {
    const nonces = randomBytes(12 * serials.length);
    const sealed = serials.map((serial, i) => sealSeed(createCipheriv, key, nonces.subarray(i * 12, i * 12 + 12), serial, secrets[i]));
    parentPort.postMessage({ id, sealed });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message) });
  }
});
`;

export class SealPool {
  readonly #worker: Worker;
  readonly #jobs = new Map<number, Job>();
  #nextId = 0;
  #failure: Error | null = null;

  constructor(dataKey: Uint8Array) {
    // A small heap: the worker holds a few chunks at a time, and an unbounded heap grows lazily
    // with the garbage of a million seals (hundreds of MB of RSS for nothing).
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { key: dataKey }, resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 } });
    this.#worker.on('message', (message: { id: number; sealed?: Uint8Array[]; error?: string }) => {
      const job = this.#jobs.get(message.id);
      if (!job) return;
      this.#jobs.delete(message.id);
      if (message.error !== undefined || !message.sealed) job.reject(new Error(`sealing seeds failed: ${message.error}`));
      else job.resolve(message.sealed.map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength)));
    });
    this.#worker.on('error', (error) => this.#failAll(error));
    this.#worker.on('exit', (code) => {
      if (this.#jobs.size > 0) this.#failAll(new Error(`the sealing worker stopped (exit ${code})`));
    });
  }

  /** Seals a batch in order; the result's i-th value belongs to serials[i]. */
  seal(serials: string[], secrets: Uint8Array[]): Promise<Buffer[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#jobs.set(id, { resolve, reject });
      this.#worker.postMessage({ id, serials, secrets });
    });
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }

  #failAll(error: Error): void {
    this.#failure = error;
    for (const job of this.#jobs.values()) job.reject(error);
    this.#jobs.clear();
  }
}
