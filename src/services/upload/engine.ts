/**
 * The upload engine: verified hand-outs into Entra through Graph, exactly once, resumable.
 *
 * For each hand-out: resolve the employee, check their OATH methods against Entra's limit of
 * five, create the device with `assignTo` (or, when the serial is already in the tenant and
 * nobody holds it, assign and activate it in one call), then activate it with the code the token
 * shows now, computed from its seed at the offset measured at the desk, under the name given at
 * the desk. `--unassigned` creates devices without a holder (self-service enrolment) and stops.
 *
 * Exactly once: progress goes to the ledger before and after every call that changes the tenant.
 * A token found in any stage but `pending` is looked up in the tenant before anything is sent, so
 * a run killed between a request and the write of its answer creates nothing twice; a serial
 * already in the tenant (409, or found) is adopted, never created again; one held by somebody
 * else is reported, never moved. Tokens of one person go one after another (the limit of five is
 * checked and used in order); different people go in parallel, bounded.
 */
import { Refusal } from '../../core/errors.js';
import { encodeBase32 } from '../../core/secretCodec.js';
import { codeAtStep, timeStep } from '../../core/totp.js';
import { GraphRefusal } from '../../graph/errors.js';
import type { HardwareOathApi } from '../../graph/hardwareOath.js';
import { MAX_OATH_METHODS_PER_USER, type GraphUser, type HardwareOathDevice, type HashFunction } from '../../graph/types.js';
import type { HandOutToUpload, UploadLedger, UploadProgress } from './ledger.js';

export type UploadMode = 'assign' | 'unassigned';

export interface UploadCounts {
  total: number;
  done: number;
  failed: number;
  /** Not finished and not failed: the next run picks them up. */
  left: number;
}

export type TokenOutcome = 'activated' | 'staged' | 'already-done' | 'failed' | 'left';

export interface TokenReport {
  serial: string;
  upn: string;
  outcome: TokenOutcome;
  deviceId?: string;
  /** For failed and left: a stable code and what to do. */
  code?: string;
  reason?: string;
}

export interface UploadResult {
  /** "uploaded" only when every token is activated (or staged, with --unassigned). */
  status: 'uploaded' | 'partly uploaded';
  counts: UploadCounts;
  tokens: TokenReport[];
  /** Set when the run stopped early for everyone (sign-in expired, permission missing). */
  stoppedBy?: { code: string; message: string };
}

export interface UploadEngineOptions {
  api: HardwareOathApi;
  ledger: UploadLedger;
  mode?: UploadMode;
  /** People worked on at once (default 4); the client bounds requests in flight on its own. */
  concurrency?: number;
  now?: () => number;
  onProgress?: (counts: UploadCounts) => void;
}

/** A token-level refusal of the engine's own (limit reached, held by someone else): stored as failed. */
class TokenFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Graph answers after which the next run may well succeed: leave the token as it stands. */
const TRANSIENT = new Set(['throttled', 'unavailable', 'unreachable', 'uncertain', 'unexpected']);
/** Graph answers that would fail every token alike: stop the run. */
const STOPPING = new Set(['sign-in-expired', 'permission-missing']);

/** How many times one token may go round create/look/activate in a run before it is left for the next. */
const MAX_ROUNDS = 4;

export class UploadEngine {
  readonly #api: HardwareOathApi;
  readonly #ledger: UploadLedger;
  readonly #mode: UploadMode;
  readonly #concurrency: number;
  readonly #now: () => number;
  readonly #onProgress: (counts: UploadCounts) => void;
  readonly #users = new Map<string, Promise<GraphUser>>();
  /** The last progress written for each token in this run, so a failure keeps what was learnt. */
  readonly #latest = new Map<string, UploadProgress>();
  #stoppedBy: GraphRefusal | undefined;

  constructor(options: UploadEngineOptions) {
    this.#api = options.api;
    this.#ledger = options.ledger;
    this.#mode = options.mode ?? 'assign';
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#now = options.now ?? Date.now;
    this.#onProgress = options.onProgress ?? (() => {});
  }

  async run(handOuts: readonly HandOutToUpload[]): Promise<UploadResult> {
    const reports = new Map<string, TokenReport>();
    const counts: UploadCounts = { total: handOuts.length, done: 0, failed: 0, left: handOuts.length };
    this.#onProgress({ ...counts });

    // One queue per person (per token with --unassigned), worked by a bounded pool.
    const groups = new Map<string, HandOutToUpload[]>();
    for (const handOut of handOuts) {
      const key = this.#mode === 'assign' ? handOut.upn.toLowerCase() : handOut.serial;
      groups.set(key, [...(groups.get(key) ?? []), handOut]);
    }
    const queue = [...groups.values()];
    let fatal: unknown;

    const worker = async () => {
      for (let group = queue.shift(); group && fatal === undefined; group = queue.shift()) {
        for (const handOut of group) {
          if (fatal !== undefined) return;
          let report: TokenReport;
          try {
            report = this.#stoppedBy ? leftBy(handOut, this.#stoppedBy) : await this.#one(handOut);
          } catch (error) {
            fatal ??= error;
            return;
          }
          reports.set(handOut.serial, report);
          if (report.outcome === 'failed') counts.failed++;
          else if (report.outcome !== 'left') counts.done++;
          counts.left = counts.total - counts.done - counts.failed;
          this.#onProgress({ ...counts });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, queue.length || 1) }, worker));
    if (fatal !== undefined) throw fatal;

    const tokens = handOuts.map((h) => reports.get(h.serial) ?? leftBy(h, this.#stoppedBy));
    const final: UploadCounts = {
      total: tokens.length,
      done: tokens.filter((t) => t.outcome === 'activated' || t.outcome === 'staged' || t.outcome === 'already-done').length,
      failed: tokens.filter((t) => t.outcome === 'failed').length,
      left: tokens.filter((t) => t.outcome === 'left').length,
    };
    return {
      status: final.done === final.total ? 'uploaded' : 'partly uploaded',
      counts: final,
      tokens,
      ...(this.#stoppedBy ? { stoppedBy: { code: this.#stoppedBy.code, message: this.#stoppedBy.message } } : {}),
    };
  }

  async #one(handOut: HandOutToUpload): Promise<TokenReport> {
    const stored = await this.#ledger.read(handOut.serial);
    const progress: UploadProgress = stored ?? { serial: handOut.serial, stage: 'pending', calls: 0 };
    const finished = this.#mode === 'assign' ? progress.stage === 'activated' : progress.stage === 'staged' || progress.stage === 'activated';
    if (finished) return { serial: handOut.serial, upn: handOut.upn, outcome: 'already-done', deviceId: progress.deviceId };

    const unsupported = unsupportedReason(handOut, this.#mode);
    if (unsupported) return this.#fail(handOut, progress, 'graph-unsupported-token', unsupported);

    try {
      return this.#mode === 'assign' ? await this.#assignAndActivate(handOut, progress) : await this.#stage(handOut, progress);
    } catch (error) {
      const latest = this.#latest.get(handOut.serial) ?? progress;
      if (error instanceof TokenFailure) return this.#fail(handOut, latest, error.code, error.message);
      // The desk's own refusal about this token (its seed purged or damaged): the others go on.
      if (error instanceof Refusal && !(error instanceof GraphRefusal)) return this.#fail(handOut, latest, error.code, error.message);
      if (!(error instanceof GraphRefusal)) throw error;
      if (STOPPING.has(error.kind)) {
        this.#stoppedBy ??= error;
        return leftBy(handOut, error, latest.deviceId);
      }
      if (TRANSIENT.has(error.kind)) return leftBy(handOut, error, latest.deviceId);
      return this.#fail(handOut, latest, error.code, error.message);
    }
  }

  /** The assign mode: converge the tenant on "this device, held by this person, activated". */
  async #assignAndActivate(handOut: HandOutToUpload, start: UploadProgress): Promise<TokenReport> {
    let progress = start;
    const user = await this.#user(handOut.upn);
    // Pending: nothing was ever sent, so no lookup (a serial already in the tenant answers 409).
    let device: HardwareOathDevice | null | undefined = progress.stage === 'pending' ? undefined : await this.#lookUp(handOut, progress);

    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (!device) {
        await this.#ensureRoom(user, handOut);
        progress = await this.#save({ ...progress, stage: 'creating', userId: user.id, calls: progress.calls + 1 });
        const created = await this.#create(handOut, user.id);
        if (created === 'look') {
          device = await this.#lookUp(handOut, progress);
          continue;
        }
        device = created;
        progress = await this.#save({ ...progress, stage: 'created', deviceId: device.id });
      }

      const holder = device.assignedTo;
      if (holder && holder.id !== user.id) {
        const name = holder.displayName ? `${holder.displayName} (${holder.id})` : holder.id;
        throw new TokenFailure('graph-held-by-someone-else',
          `Token ${handOut.serial} is already assigned in the tenant to ${name}, not to ${handOut.upn}: it was not moved; find out who has it (tokendesk reconcile), unassign it in Entra if the desk's record is right, then run again`);
      }
      if (holder && device.status === 'activated') {
        progress = await this.#save({ ...progress, stage: 'activated', userId: user.id, deviceId: device.id });
        return { serial: handOut.serial, upn: handOut.upn, outcome: 'activated', deviceId: device.id };
      }

      if (!holder) await this.#ensureRoom(user, handOut);
      progress = await this.#save({ ...progress, stage: 'activating', userId: user.id, deviceId: device.id, calls: progress.calls + 1 });
      const code = await this.#codeNow(handOut);
      try {
        // Per the Entra guide the method's id is the device's id once assigned.
        if (holder) await this.#api.activate(user.id, device.id, code, handOut.displayName, handOut.serial);
        else await this.#api.assignAndActivate(user.id, device.id, code, handOut.displayName, handOut.serial);
      } catch (error) {
        if (error instanceof GraphRefusal && error.kind === 'uncertain') {
          device = await this.#lookUp(handOut, progress);
          continue;
        }
        if (error instanceof GraphRefusal && error.kind === 'bad-request') {
          // A second look tells "already activated by a lost answer" from "this code is wrong".
          const now = await this.#lookUp(handOut, progress);
          if (now && now.status === 'activated' && now.assignedTo?.id === user.id) {
            device = now;
            continue;
          }
          throw new TokenFailure('graph-code-rejected',
            `Entra did not accept the code computed for token ${handOut.serial} (clock offset measured at the desk: ${handOut.offsetSteps} steps): ` +
            'its clock may have drifted further since, or the seed file does not match the token; ask the employee to activate it at My Security Info with a live code, or check the token at the desk');
        }
        throw error;
      }
      progress = await this.#save({ ...progress, stage: 'activated' });
      return { serial: handOut.serial, upn: handOut.upn, outcome: 'activated', deviceId: device.id };
    }
    return leftBy(handOut, new GraphRefusal('uncertain', `Token ${handOut.serial} did not settle in ${MAX_ROUNDS} tries in this run; run the same command again`), progress.deviceId);
  }

  /** The --unassigned mode: the device exists in the tenant, held by nobody yet (or enrolled by its employee since). */
  async #stage(handOut: HandOutToUpload, start: UploadProgress): Promise<TokenReport> {
    let progress = start;
    let device: HardwareOathDevice | null | undefined = progress.stage === 'pending' ? undefined : await this.#lookUp(handOut, progress);
    for (let round = 0; round < MAX_ROUNDS && !device; round++) {
      progress = await this.#save({ ...progress, stage: 'creating', calls: progress.calls + 1 });
      const created = await this.#create(handOut, undefined);
      device = created === 'look' ? await this.#lookUp(handOut, progress) : created;
    }
    if (!device) return leftBy(handOut, new GraphRefusal('uncertain', `Token ${handOut.serial} did not settle in this run; run the same command again`));
    await this.#save({ ...progress, stage: 'staged', deviceId: device.id });
    return { serial: handOut.serial, upn: handOut.upn, outcome: 'staged', deviceId: device.id };
  }

  /** Create; on a conflict or a lost answer the caller looks the serial up instead. */
  async #create(handOut: HandOutToUpload, assignTo: string | undefined): Promise<HardwareOathDevice | 'look'> {
    const seed = await handOut.seed();
    try {
      return await this.#api.createDevice({
        serialNumber: handOut.serial,
        manufacturer: handOut.manufacturer,
        model: handOut.model,
        secretKey: encodeBase32(seed),
        timeIntervalInSeconds: handOut.period as 30 | 60,
        hashFunction: hashFunctionOf(handOut),
        ...(assignTo ? { displayName: handOut.displayName, assignTo: { id: assignTo } } : {}),
      });
    } catch (error) {
      if (error instanceof GraphRefusal && (error.kind === 'conflict' || error.kind === 'uncertain')) return 'look';
      throw error;
    } finally {
      seed.fill(0);
    }
  }

  /** The tenant's device for this token: by the id we stored, else by serial. */
  async #lookUp(handOut: HandOutToUpload, progress: UploadProgress): Promise<HardwareOathDevice | null> {
    if (progress.deviceId) {
      const byId = await this.#api.getDevice(progress.deviceId);
      if (byId) return byId;
    }
    const found = await this.#api.findDevicesBySerial(handOut.serial);
    if (found.length > 1) {
      throw new TokenFailure('graph-duplicate-serial', `Token ${handOut.serial} is in the tenant ${found.length} times: remove the extra copies in Entra (tokendesk reconcile lists them), then run again`);
    }
    return found[0] ?? null;
  }

  /** Entra allows five OATH methods per person; a sixth is refused before anything is created. */
  async #ensureRoom(user: GraphUser, handOut: HandOutToUpload): Promise<void> {
    const count = await this.#api.countOathMethods(user.id);
    if (count >= MAX_OATH_METHODS_PER_USER) {
      throw new TokenFailure('graph-method-limit',
        `${handOut.upn} already has ${count} OATH sign-in methods (hardware tokens or authenticator apps), Entra's limit is ${MAX_OATH_METHODS_PER_USER}: ` +
        `remove one they no longer use (Entra admin centre, or My Security Info), then run again for token ${handOut.serial}`);
    }
  }

  #user(upn: string): Promise<GraphUser> {
    const key = upn.toLowerCase();
    let user = this.#users.get(key);
    if (!user) {
      user = this.#api.getUser(upn);
      this.#users.set(key, user);
      user.catch(() => this.#users.delete(key));
    }
    return user;
  }

  /** The code the token shows now: its own clock runs offsetSteps ahead of ours. */
  async #codeNow(handOut: HandOutToUpload): Promise<string> {
    const seed = await handOut.seed();
    try {
      const step = timeStep(this.#now(), handOut.period) + handOut.offsetSteps;
      return codeAtStep({ secret: seed, algorithm: handOut.algorithm, digits: handOut.digits, period: handOut.period }, step);
    } finally {
      seed.fill(0);
    }
  }

  async #save(progress: UploadProgress): Promise<UploadProgress> {
    await this.#ledger.write(progress);
    this.#latest.set(progress.serial, progress);
    return progress;
  }

  async #fail(handOut: HandOutToUpload, progress: UploadProgress, code: string, reason: string): Promise<TokenReport> {
    await this.#save({ ...progress, stage: 'failed', failure: { code, reason } });
    return { serial: handOut.serial, upn: handOut.upn, outcome: 'failed', deviceId: progress.deviceId, code, reason };
  }
}

function leftBy(handOut: HandOutToUpload, why: GraphRefusal | undefined, deviceId?: string): TokenReport {
  return {
    serial: handOut.serial,
    upn: handOut.upn,
    outcome: 'left',
    ...(deviceId ? { deviceId } : {}),
    code: why?.code ?? 'graph-not-reached',
    reason: why?.message ?? 'the run stopped before this token',
  };
}

function hashFunctionOf(handOut: HandOutToUpload): HashFunction {
  return handOut.algorithm === 'SHA256' ? 'hmacsha256' : 'hmacsha1';
}

/** Graph takes TOTP with 6 digits, 30 or 60 s, SHA-1 or SHA-256 (hardwareOathTokenAuthenticationMethodDevice). */
function unsupportedReason(handOut: HandOutToUpload, mode: UploadMode): string | null {
  if (handOut.algorithm === 'SHA512') return `Token ${handOut.serial} uses SHA-512, which Entra does not take (SHA-1 or SHA-256 only): keep it for another identity provider`;
  if (handOut.period !== 30 && handOut.period !== 60) return `Token ${handOut.serial} changes its code every ${handOut.period} s; Entra takes 30 or 60 s only`;
  if (handOut.digits !== 6) return `Token ${handOut.serial} shows ${handOut.digits} digits; Entra takes 6-digit codes only`;
  if (mode === 'assign' && handOut.upn.trim() === '') return `Token ${handOut.serial} has no employee recorded: hand it out at the desk first, or upload with --unassigned`;
  return null;
}
