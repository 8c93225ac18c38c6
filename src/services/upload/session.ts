/**
 * What `upload` and `reconcile` share: the tenant's name as the ledger keys it, a Graph client
 * pointed where the command line says, and one log line per Graph event (never a body, never a
 * header value: nothing in an event can hold a seed or a code).
 */
import { UsageError } from '../../core/errors.js';
import { GraphClient, normaliseGraphUrl, type GraphClientOptions, type GraphEvent, type TokenSource } from '../../graph/client.js';
import { HardwareOathApi } from '../../graph/hardwareOath.js';
import { DEFAULT_GRAPH_URL } from '../../graph/types.js';

export type { GraphEvent } from '../../graph/client.js';
export { DEFAULT_GRAPH_URL } from '../../graph/types.js';

export interface GraphSessionOptions {
  tokens: TokenSource;
  /** Default https://graph.microsoft.com/beta: a sovereign cloud's Graph, or a test server on 127.0.0.1. */
  graphUrl?: string;
  onEvent?: (event: GraphEvent) => void;
  /** Tests: sleep, fetch, back-off, attempts. */
  client?: Partial<GraphClientOptions>;
}

export function graphSession(options: GraphSessionOptions): HardwareOathApi {
  return new HardwareOathApi(
    new GraphClient({ graphUrl: options.graphUrl ?? DEFAULT_GRAPH_URL, tokens: options.tokens, onEvent: options.onEvent, ...options.client }),
  );
}

/** Checked before anything else runs, so a typo in --graph-url is a usage error, not a failed token. */
export function checkGraphUrl(raw: string | undefined): string {
  if (raw === undefined) return DEFAULT_GRAPH_URL;
  try {
    return normaliseGraphUrl(raw);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * The tenant as the ledger keys it: its id (a GUID) or a verified domain, lower case. The same
 * tenant named both ways keeps two ledgers, so the README says to pick one.
 */
export function tenantKey(raw: string): string {
  const tenant = raw.trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9.-]{0,252}$/.test(tenant)) {
    throw new UsageError(`--tenant must be the tenant's id or domain, e.g. contoso.onmicrosoft.com (got "${raw.slice(0, 60)}")`);
  }
  return tenant;
}

/** One line for --verbose: "POST /beta/directory/... -> 201", "retry GET /beta/users/... after 429, waiting 2000 ms". */
export function describeGraphEvent(event: GraphEvent): string {
  const call = `${event.method} ${event.path}`;
  switch (event.kind) {
    case 'response':
      return `${call} -> ${event.status}${event.attempt > 1 ? ` (try ${event.attempt})` : ''}`;
    case 'retry':
      return `retry ${call}${event.status ? ` after ${event.status}` : ''}, waiting ${event.waitMs ?? 0} ms`;
    case 'lost':
      return `${call}: no answer (${event.cause ?? 'connection lost'}), try ${event.attempt}`;
  }
}
