/**
 * Fault injection for the test Graph server: scripted ("the 3rd POST to …/activate gets a 429")
 * or at random from a seed, so a failing run can be replayed exactly.
 */

export type FaultKind =
  /** 401 InvalidAuthenticationToken, as for an expired token. */
  | 'expired-token'
  /** 403 Authorization_RequestDenied, as for a missing role or permission. */
  | 'missing-role'
  /** 429 with Retry-After. */
  | 'throttle'
  /** 503 with Retry-After. */
  | 'unavailable'
  | 'server-error'
  | 'bad-gateway'
  | 'gateway-timeout'
  /** The connection is closed before the server looks at the request: nothing changes. */
  | 'cut-before'
  /** The server applies the request, then closes the connection without answering. */
  | 'cut-after'
  /** 400 on an activation, whatever the code. */
  | 'invalid-code';

export interface ScriptedFault {
  kind: FaultKind;
  method?: string;
  path?: RegExp;
  /** The first matching request that gets it, counting from 1 (default 1). */
  nth?: number;
  /** How many matching requests in a row get it (default 1). */
  times?: number;
  retryAfterSeconds?: number;
}

export interface RandomFaults {
  seed: number;
  /** Chance per request, 0..1. */
  rate: number;
  kinds: readonly FaultKind[];
  /** Only requests matching this (default: every Graph request). */
  path?: RegExp;
  retryAfterSeconds?: number;
}

export interface FaultDecision {
  kind: FaultKind;
  retryAfterSeconds: number;
}

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultPlan {
  readonly #scripted: Array<ScriptedFault & { seen: number }> = [];
  #random: (RandomFaults & { next: () => number }) | undefined;
  readonly injected = new Map<FaultKind, number>();

  script(...faults: ScriptedFault[]): this {
    for (const fault of faults) this.#scripted.push({ ...fault, seen: 0 });
    return this;
  }

  randomly(faults: RandomFaults | undefined): this {
    this.#random = faults ? { ...faults, next: seededRandom(faults.seed) } : undefined;
    return this;
  }

  clear(): void {
    this.#scripted.length = 0;
    this.#random = undefined;
  }

  decide(method: string, path: string): FaultDecision | null {
    // Every scripted fault counts every request it matches, so "nth" means the nth such request.
    let fired: FaultDecision | null = null;
    for (const fault of this.#scripted) {
      if (fault.method && fault.method !== method) continue;
      if (fault.path && !fault.path.test(path)) continue;
      fault.seen++;
      const first = fault.nth ?? 1;
      if (!fired && fault.seen >= first && fault.seen < first + (fault.times ?? 1)) fired = { kind: fault.kind, retryAfterSeconds: fault.retryAfterSeconds ?? 1 };
    }
    if (fired) return this.#count(fired);
    const random = this.#random;
    if (random && (!random.path || random.path.test(path)) && random.next() < random.rate) {
      const kind = random.kinds[Math.floor(random.next() * random.kinds.length)]!;
      return this.#count({ kind, retryAfterSeconds: random.retryAfterSeconds ?? 1 });
    }
    return null;
  }

  #count(decision: FaultDecision): FaultDecision {
    this.injected.set(decision.kind, (this.injected.get(decision.kind) ?? 0) + 1);
    return decision;
  }
}
