/**
 * HTTP to Microsoft Graph on Node's fetch: JSON in and out, `@odata.nextLink` paging, a bounded
 * number of requests in flight, and retries that never risk doing a change twice.
 *
 * Retry rules (https://learn.microsoft.com/graph/throttling, https://learn.microsoft.com/graph/errors):
 * - 429 and 503 mean "not done, come back later": every request is retried after Retry-After
 *   (seconds or an HTTP date), or after exponential back-off with full jitter when there is none.
 *   A 429 also pauses every other request of this client until the wait is over.
 * - 500, 502, 504, a timeout or a connection cut after the request left: reads and deletes are
 *   retried; a POST or PATCH is not, because it may have been applied. It fails as `uncertain`
 *   and the caller looks at the tenant before trying again.
 * - A connection that was never made (refused, unknown host) is retried for every method.
 * - 401: a token source that can renew is asked once; otherwise the person is told to sign in again.
 */
import { randomUUID } from 'node:crypto';
import { GraphRefusal, parseGraphError, refusalForLostAnswer, refusalForStatus, type GraphCallContext } from './errors.js';
import { DEFAULT_GRAPH_URL } from './types.js';

export interface TokenSource {
  /** A bearer token for Graph. */
  token(): Promise<string>;
  /** After a 401: a fresh token, or null when this source cannot renew (a token file). */
  renew?(): Promise<string | null>;
  /** What to tell a person when Graph does not accept the token ("sign in again", "put a fresh token in F"). */
  readonly advice: string;
}

/** One line for a log: never a body, never a header value. */
export interface GraphEvent {
  kind: 'response' | 'retry' | 'lost';
  method: string;
  path: string;
  attempt: number;
  status?: number;
  waitMs?: number;
  cause?: string;
}

export interface GraphClientOptions {
  /** Default https://graph.microsoft.com/beta; a sovereign cloud's Graph, or a test server. */
  graphUrl?: string;
  tokens: TokenSource;
  fetch?: typeof globalThis.fetch;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Tries per request, the first included (default 6). */
  maxAttempts?: number;
  /** Back-off without Retry-After: first wait and cap (defaults 500 ms, 30 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A Retry-After longer than this ends the run with a refusal instead (default 10 min). */
  maxRetryAfterMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onEvent?: (event: GraphEvent) => void;
}

export interface GraphRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Below the Graph URL: "/users/…". */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  context: GraphCallContext;
  /** Values in the body that must never be echoed (seed, code). */
  secrets?: readonly string[];
}

export interface GraphResponse<T> {
  status: number;
  body: T | undefined;
}

const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class GraphClient {
  readonly graphUrl: string;
  readonly #origin: string;
  readonly #tokens: TokenSource;
  readonly #fetch: typeof globalThis.fetch;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #backoffBaseMs: number;
  readonly #backoffMaxMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #random: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #onEvent: (event: GraphEvent) => void;
  readonly #slots: Semaphore;
  /** Until when every request waits, after a 429 (ms since epoch). */
  #pausedUntil = 0;
  #token: Promise<string> | undefined;

  constructor(options: GraphClientOptions) {
    this.graphUrl = normaliseGraphUrl(options.graphUrl ?? DEFAULT_GRAPH_URL);
    this.#origin = new URL(this.graphUrl).origin;
    this.#tokens = options.tokens;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxAttempts = options.maxAttempts ?? 6;
    this.#backoffBaseMs = options.backoffBaseMs ?? 500;
    this.#backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 600_000;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#onEvent = options.onEvent ?? (() => {});
    this.#slots = new Semaphore(options.concurrency ?? 4);
  }

  async request<T>(request: GraphRequest): Promise<GraphResponse<T>> {
    return this.#send<T>(this.#url(request.path, request.query), request);
  }

  /** Every item of a collection, following `@odata.nextLink` (https://learn.microsoft.com/graph/paging). */
  async listAll<T>(request: Omit<GraphRequest, 'method' | 'body'>): Promise<T[]> {
    const items: T[] = [];
    let url: string | undefined = this.#url(request.path, request.query);
    while (url) {
      const page: GraphResponse<{ value?: T[]; '@odata.nextLink'?: string }> = await this.#send(url, { ...request, method: 'GET' });
      const body = page.body;
      if (!body || !Array.isArray(body.value)) {
        throw new GraphRefusal('unexpected', `Microsoft Graph answered without a list while ${request.context.action}`);
      }
      items.push(...body.value);
      url = body['@odata.nextLink'];
      // The bearer token goes only to the Graph we were pointed at, never to a link's host.
      if (url !== undefined && new URL(url).origin !== this.#origin) {
        throw new GraphRefusal('unexpected', `Microsoft Graph gave a next-page link to another host (${new URL(url).origin}) while ${request.context.action}; nothing was sent there`);
      }
    }
    return items;
  }

  #url(path: string, query?: Record<string, string>): string {
    // OData wants "$filter" literal and spaces as %20, not "+", so URLSearchParams will not do.
    const search = query ? Object.entries(query).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&') : '';
    return `${this.graphUrl}${path}${search ? `?${search}` : ''}`;
  }

  async #bearer(): Promise<string> {
    this.#token ??= this.#tokens.token();
    try {
      return await this.#token;
    } catch (error) {
      this.#token = undefined;
      throw error;
    }
  }

  async #send<T>(url: string, request: GraphRequest): Promise<GraphResponse<T>> {
    const idempotent = request.method === 'GET' || request.method === 'DELETE';
    const secrets = request.secrets ?? [];
    const path = new URL(url).pathname;
    const clientRequestId = randomUUID();
    let renewed = false;

    for (let attempt = 1; ; attempt++) {
      await this.#waitForPause();
      const bearer = await this.#bearer();
      let response: Response;
      let text: string;
      const release = await this.#slots.acquire();
      try {
        response = await this.#fetch(url, {
          method: request.method,
          headers: {
            authorization: `Bearer ${bearer}`,
            accept: 'application/json',
            'client-request-id': clientRequestId,
            ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        text = await response.text();
      } catch (error) {
        const { cause, sent } = describeLostAnswer(error);
        this.#onEvent({ kind: 'lost', method: request.method, path, attempt, cause });
        const retryable = !sent || idempotent;
        if (retryable && attempt < this.#maxAttempts) {
          await this.#backoff(request.method, path, attempt);
          continue;
        }
        throw refusalForLostAnswer(request.context, cause, sent ? 'maybe' : 'no');
      } finally {
        release();
      }

      const status = response.status;
      this.#onEvent({ kind: 'response', method: request.method, path, attempt, status });
      if (status >= 200 && status < 300) {
        return { status, body: parseBody<T>(text, request.context) };
      }

      const graphError = parseGraphError(text);
      if (status === 401 && !renewed && this.#tokens.renew) {
        renewed = true;
        const fresh = await this.#tokens.renew();
        if (fresh) {
          this.#token = Promise.resolve(fresh);
          continue;
        }
      }
      const throttled = status === 429 || status === 503;
      const serverFault = status === 500 || status === 502 || status === 504;
      if ((throttled || (serverFault && idempotent)) && attempt < this.#maxAttempts) {
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
        if (retryAfterMs !== null && retryAfterMs > this.#maxRetryAfterMs) {
          throw new GraphRefusal(
            'throttled',
            `Microsoft Graph asked to wait ${Math.ceil(retryAfterMs / 60_000)} minutes while ${request.context.action}; run the same command again after that`,
            status,
            graphError.code,
            graphError.requestId,
          );
        }
        if (retryAfterMs !== null) {
          this.#onEvent({ kind: 'retry', method: request.method, path, attempt, status, waitMs: retryAfterMs });
          // A 429 holds back every request of this client (Graph counts them all); the wait happens at the loop's top.
          if (status === 429) this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + retryAfterMs);
          else await this.#sleep(retryAfterMs);
        } else {
          await this.#backoff(request.method, path, attempt, status);
        }
        continue;
      }
      if (serverFault && !idempotent) {
        // The write may have landed before the server failed: the caller must look first.
        throw new GraphRefusal(
          'uncertain',
          `Microsoft Graph failed (HTTP ${status}) while ${request.context.action}, so it is not known whether the change was made; run the same command again: it looks first`,
          status,
          graphError.code,
          graphError.requestId,
        );
      }
      throw refusalForStatus(status, graphError, request.context, secrets, this.#tokens.advice);
    }
  }

  async #waitForPause(): Promise<void> {
    const wait = this.#pausedUntil - Date.now();
    if (wait > 0) await this.#sleep(wait);
  }

  async #backoff(method: string, path: string, attempt: number, status?: number): Promise<void> {
    const ceiling = Math.min(this.#backoffMaxMs, this.#backoffBaseMs * 2 ** (attempt - 1));
    const waitMs = Math.round(this.#random() * ceiling);
    this.#onEvent({ kind: 'retry', method, path, attempt, status, waitMs });
    await this.#sleep(waitMs);
  }
}

/** https only, except a loopback address (a test server on this machine). */
export function normaliseGraphUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new GraphRefusal('unexpected', `--graph-url "${raw}" is not a URL; the default is ${DEFAULT_GRAPH_URL}`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new GraphRefusal('unexpected', `--graph-url must start with https:// (got ${url.protocol}//${url.host}): the bearer token must not travel in clear text`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** Milliseconds to wait, from a Retry-After header (delta-seconds or an HTTP date); null when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

function parseBody<T>(text: string, context: GraphCallContext): T | undefined {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new GraphRefusal('unexpected', `Microsoft Graph answered with something that is not JSON while ${context.action}`);
  }
}

/** Why no answer came, and whether the request may have reached Graph. */
function describeLostAnswer(error: unknown): { cause: string; sent: boolean } {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { cause: 'no answer in time', sent: true };
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code && NEVER_SENT.has(code)) return { cause: code, sent: false };
  return { cause: code ?? (error instanceof Error ? error.message : String(error)), sent: true };
}

/** At most n at once, first come first served. */
class Semaphore {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = Math.max(1, size);
  }

  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}
