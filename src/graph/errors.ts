/**
 * Graph's answers turned into refusals a person can act on. Graph's error body is
 * `{"error":{"code","message","innerError":{"request-id","date"}}}`
 * (https://learn.microsoft.com/graph/errors); its message is "not to be displayed to the user
 * directly", so ours leads and Graph's code and request id follow for a support ticket.
 */
import { Refusal } from '../core/errors.js';

/** What went wrong, in the words the upload engine branches on. */
export type GraphFailureKind =
  | 'sign-in-expired'
  | 'permission-missing'
  | 'not-found'
  | 'conflict'
  | 'bad-request'
  | 'throttled'
  | 'unavailable'
  | 'unreachable'
  /** The request may or may not have been applied (connection cut, timeout, 5xx on a write): look before trying again. */
  | 'uncertain'
  | 'unexpected';

/** What the caller was doing, so a refusal can say it; and what a 404/409/400 means there. */
export interface GraphCallContext {
  /** "creating token 0042", "looking up maria@contoso.com". */
  action: string;
  notFound?: string;
  conflict?: string;
  badRequest?: string;
}

export const REQUIRED_PERMISSIONS = ['Policy.ReadWrite.AuthenticationMethod', 'UserAuthenticationMethod.ReadWrite.All'] as const;

const PERMISSION_ADVICE =
  `it needs the Graph permissions ${REQUIRED_PERMISSIONS.join(' and ')} ` +
  '(delegated for device-code sign-in, application for a certificate), and a person signing in needs the Entra roles ' +
  'Authentication Policy Administrator plus Authentication Administrator ' +
  '(Privileged Authentication Administrator for tokens of admin users). ' +
  'Ask a Global Administrator to grant them, then run the same command again';

export const RERUN_ADVICE = 'run the same command again: tokens already finished are not sent twice';

export class GraphRefusal extends Refusal {
  constructor(
    readonly kind: GraphFailureKind,
    message: string,
    readonly status?: number,
    readonly graphCode?: string,
    readonly requestId?: string,
  ) {
    super(`graph-${kind}`, message, { status, graphCode, requestId });
    this.name = 'GraphRefusal';
  }

  /** True when the change may have happened although no answer said so. */
  get uncertain(): boolean {
    return this.kind === 'uncertain';
  }
}

export interface GraphErrorBody {
  code?: string;
  message?: string;
  requestId?: string;
}

/** Reads Graph's error body; anything else (an HTML proxy page, nothing) gives an empty one. */
export function parseGraphError(text: string): GraphErrorBody {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; innerError?: Record<string, unknown>; innererror?: Record<string, unknown> } };
    const error = parsed.error;
    if (!error || typeof error !== 'object') return {};
    const inner = error.innerError ?? error.innererror ?? {};
    const requestId = inner['request-id'] ?? inner['requestId'];
    return {
      code: typeof error.code === 'string' ? error.code : undefined,
      message: typeof error.message === 'string' ? error.message : undefined,
      requestId: typeof requestId === 'string' ? requestId : undefined,
    };
  } catch {
    return {};
  }
}

/** Removes any value we sent that must not be shown (a seed, a code) from Graph's own words. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[hidden]');
  return out;
}

function trailer(body: GraphErrorBody, secrets: readonly string[]): string {
  const parts: string[] = [];
  if (body.code) parts.push(`Graph code ${body.code}`);
  if (body.message) parts.push(`"${scrub(body.message, secrets).slice(0, 200)}"`);
  if (body.requestId) parts.push(`request id ${body.requestId}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** The refusal for a final HTTP answer (retries, if any, are over). */
export function refusalForStatus(
  status: number,
  body: GraphErrorBody,
  context: GraphCallContext,
  secrets: readonly string[] = [],
  tokenAdvice = 'sign in again',
): GraphRefusal {
  const tail = trailer(body, secrets);
  const make = (kind: GraphFailureKind, text: string) => new GraphRefusal(kind, text + tail, status, body.code, body.requestId);
  switch (status) {
    case 401:
      return make('sign-in-expired', `Microsoft Graph did not accept the sign-in while ${context.action}: the access token has expired or is not for Graph; ${tokenAdvice}, then ${RERUN_ADVICE}`);
    case 403:
      return make('permission-missing', `Microsoft Graph refused ${context.action}: the signed-in account or app lacks a permission or role; ${PERMISSION_ADVICE}`);
    case 404:
      return make('not-found', context.notFound ?? `Microsoft Graph found nothing while ${context.action}`);
    case 409:
      return make('conflict', context.conflict ?? `Microsoft Graph reported a conflict while ${context.action}`);
    case 429:
      return make('throttled', `Microsoft Graph kept throttling while ${context.action}; wait a few minutes, then ${RERUN_ADVICE}`);
    default:
      if (status === 400 || status === 422) {
        return make('bad-request', context.badRequest ?? `Microsoft Graph refused the request as invalid while ${context.action}`);
      }
      if (status >= 500) {
        return make('unavailable', `Microsoft Graph was unavailable (HTTP ${status}) while ${context.action}; ${RERUN_ADVICE}`);
      }
      return make('unexpected', `Microsoft Graph answered HTTP ${status} while ${context.action}`);
  }
}

/** The refusal for a request whose answer never came (connection cut, timeout). */
export function refusalForLostAnswer(context: GraphCallContext, cause: string, applied: 'no' | 'maybe'): GraphRefusal {
  return applied === 'no'
    ? new GraphRefusal('unreachable', `Cannot reach Microsoft Graph while ${context.action} (${cause}): check the network, any proxy and --graph-url, then ${RERUN_ADVICE}`)
    : new GraphRefusal('uncertain', `The connection to Microsoft Graph broke while ${context.action} (${cause}), so it is not known whether the change was made; ${RERUN_ADVICE}: it looks first`);
}
