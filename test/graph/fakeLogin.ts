/**
 * The login authority beside the test Graph: enough of the Microsoft identity platform for
 * @azure/msal-node's real device-code and client-certificate flows.
 * - OpenID metadata: {authority}/v2.0/.well-known/openid-configuration
 * - device authorization (RFC 8628; https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code):
 *   POST {authority}/oauth2/v2.0/devicecode -> user_code, device_code, verification_uri, expires_in, interval, message;
 *   polling the token endpoint answers 400 authorization_pending until a person "signs in" (approve()).
 * - client credentials with a certificate (https://learn.microsoft.com/entra/identity-platform/certificate-credentials):
 *   the client_assertion JWT's signature is checked against the registered certificate.
 * MSAL insists on https authorities, so tests give it https://login.tokendesk.test/<tenant> and a
 * network client that carries those requests here (see loginNetwork()).
 */
import { createHash, randomUUID, verify, constants, X509Certificate } from 'node:crypto';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { Answer, FakeGraph } from './fakeGraph.js';

export const TEST_AUTHORITY_HOST = 'https://login.tokendesk.test';

interface DeviceCodeGrant {
  userCode: string;
  clientId: string;
  scope: string;
  expiresAt: number;
  approvedBy: string | null;
}

export class FakeLogin {
  readonly #graph: FakeGraph;
  readonly #apps = new Map<string, { certificate?: X509Certificate }>();
  readonly #deviceCodes = new Map<string, DeviceCodeGrant>();
  readonly #refreshTokens = new Map<string, { clientId: string; upn: string; scope: string }>();
  /** What the token endpoint was asked, by grant type. */
  readonly grants: string[] = [];
  /** Polls answered authorization_pending. */
  pendingPolls = 0;
  /** Seconds between polls, as told to MSAL. */
  interval = 0.05;

  constructor(graph: FakeGraph) {
    this.#graph = graph;
  }

  registerApp(clientId: string, certificatePem?: string): void {
    this.#apps.set(clientId, { certificate: certificatePem ? new X509Certificate(certificatePem) : undefined });
  }

  /** The person at the browser enters the code and signs in as `upn`. */
  approve(userCode: string, upn: string): void {
    const grant = [...this.#deviceCodes.values()].find((g) => g.userCode === userCode);
    if (!grant) throw new Error(`no device code ${userCode}`);
    grant.approvedBy = upn;
  }

  handle(method: string, url: URL, text: string): Answer {
    const match = url.pathname.match(/^\/login\/([^/]+)\/(.*)$/);
    if (!match) return oauthError(404, 'invalid_request', 'unknown path');
    const [, tenant, rest] = match as unknown as [string, string, string];
    const authority = `${TEST_AUTHORITY_HOST}/${tenant}`;
    if (method === 'GET' && rest === 'v2.0/.well-known/openid-configuration') {
      return {
        status: 200,
        body: {
          issuer: `${TEST_AUTHORITY_HOST}/${tenant}/v2.0`,
          authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
          token_endpoint: `${authority}/oauth2/v2.0/token`,
          device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
          end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
          jwks_uri: `${authority}/discovery/v2.0/keys`,
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        },
      };
    }
    if (method !== 'POST') return oauthError(404, 'invalid_request', 'unknown path');
    const form = new URLSearchParams(text);
    const clientId = form.get('client_id') ?? '';
    if (!this.#apps.has(clientId)) return oauthError(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`);

    if (rest === 'oauth2/v2.0/devicecode') {
      const deviceCode = randomUUID();
      const userCode = randomUUID().slice(0, 8).toUpperCase();
      this.#deviceCodes.set(deviceCode, { userCode, clientId, scope: form.get('scope') ?? '', expiresAt: Date.now() + 900_000, approvedBy: null });
      return {
        status: 200,
        body: {
          user_code: userCode,
          device_code: deviceCode,
          verification_uri: 'https://microsoft.com/devicelogin',
          expires_in: 900,
          interval: this.interval,
          message: `To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ${userCode} to authenticate.`,
        },
      };
    }
    if (rest !== 'oauth2/v2.0/token') return oauthError(404, 'invalid_request', 'unknown path');

    const grantType = form.get('grant_type') ?? '';
    this.grants.push(grantType);
    // RFC 8628 names it urn:ietf:params:oauth:grant-type:device_code; MSAL sends the short "device_code", which Entra takes.
    if (grantType === 'urn:ietf:params:oauth:grant-type:device_code' || grantType === 'device_code') {
      const grant = this.#deviceCodes.get(form.get('device_code') ?? '');
      if (!grant) return oauthError(400, 'invalid_grant', 'AADSTS70000: unknown device code');
      if (Date.now() > grant.expiresAt) return oauthError(400, 'expired_token', 'AADSTS70020: The provided value for the input parameter \'device_code\' is not valid. This device code has expired.');
      if (!grant.approvedBy) {
        this.pendingPolls++;
        return oauthError(400, 'authorization_pending', 'AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
      }
      this.#deviceCodes.delete(form.get('device_code')!);
      return this.#tokens(tenant, clientId, grant.approvedBy, grant.scope, true);
    }
    if (grantType === 'refresh_token') {
      const refresh = this.#refreshTokens.get(form.get('refresh_token') ?? '');
      if (!refresh || refresh.clientId !== clientId) return oauthError(400, 'invalid_grant', 'AADSTS700082: The refresh token has expired.');
      this.#refreshTokens.delete(form.get('refresh_token')!);
      return this.#tokens(tenant, clientId, refresh.upn, refresh.scope, true);
    }
    if (grantType === 'client_credentials') {
      const problem = this.#checkAssertion(form, clientId, `${authority}/oauth2/v2.0/token`);
      if (problem) return oauthError(401, 'invalid_client', problem);
      return this.#tokens(tenant, clientId, null, form.get('scope') ?? '', false);
    }
    return oauthError(400, 'unsupported_grant_type', grantType);
  }

  #tokens(tenant: string, clientId: string, upn: string | null, scope: string, forUser: boolean): Answer {
    const now = Math.floor(Date.now() / 1000);
    const access = unsignedJwt({ aud: this.#graph.origin, exp: now + 3600, iat: now, tid: tenant, appid: clientId, ...(upn ? { upn } : {}) });
    this.#graph.validTokens.add(access);
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: scope.split(' ').filter((s) => s.startsWith('http')).join(' '),
      expires_in: 3600,
      ext_expires_in: 3600,
      access_token: access,
    };
    if (forUser && upn) {
      const oid = createHash('sha256').update(upn).digest('hex').slice(0, 32).replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');
      const tid = '11111111-2222-3333-4444-555555555555';
      const refresh = randomUUID();
      this.#refreshTokens.set(refresh, { clientId, upn, scope });
      body['refresh_token'] = refresh;
      body['id_token'] = unsignedJwt({ aud: clientId, iss: `${TEST_AUTHORITY_HOST}/${tid}/v2.0`, iat: now, nbf: now, exp: now + 3600, tid, oid, sub: oid, preferred_username: upn, name: upn, ver: '2.0' });
      body['client_info'] = Buffer.from(JSON.stringify({ uid: oid, utid: tid })).toString('base64url');
    }
    return { status: 200, body };
  }

  /** RFC 7523 assertion: signature by the registered certificate's key, thumbprint, aud, iss = sub = client id, not expired. */
  #checkAssertion(form: URLSearchParams, clientId: string, tokenEndpoint: string): string | null {
    const certificate = this.#apps.get(clientId)?.certificate;
    if (!certificate) return 'AADSTS7000215: no certificate registered for this application';
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return 'AADSTS7000216: client_assertion_type missing';
    const parts = (form.get('client_assertion') ?? '').split('.');
    if (parts.length !== 3) return 'AADSTS7000216: malformed client_assertion';
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()) as Record<string, string>;
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as Record<string, unknown>;
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2]!, 'base64url');
    const ok =
      header['alg'] === 'PS256'
        ? verify('sha256', signed, { key: certificate.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature)
        : header['alg'] === 'RS256' && verify('sha256', signed, certificate.publicKey, signature);
    if (!ok) return 'AADSTS700027: Client assertion contains an invalid signature.';
    const thumbprint = Buffer.from(certificate.fingerprint256.replaceAll(':', ''), 'hex').toString('base64url');
    if (header['x5t#S256'] !== undefined && header['x5t#S256'] !== thumbprint) return 'AADSTS700027: thumbprint does not match';
    if (claims['aud'] !== tokenEndpoint) return `AADSTS700024: audience ${String(claims['aud'])}`;
    if (claims['iss'] !== clientId || claims['sub'] !== clientId) return 'AADSTS700021: issuer or subject is not the client id';
    if (typeof claims['exp'] !== 'number' || claims['exp'] * 1000 < Date.now()) return 'AADSTS700024: assertion expired';
    return null;
  }
}

function oauthError(status: number, error: string, description: string): Answer {
  return { status, body: { error, error_description: description, error_codes: [Number(description.match(/AADSTS(\d+)/)?.[1] ?? 0)], timestamp: new Date().toISOString(), trace_id: randomUUID(), correlation_id: randomUUID() } };
}

function unsignedJwt(claims: Record<string, unknown>): string {
  const encode = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.sig`;
}

/** MSAL's HTTP for tests: requests to the test authority go to the fake's /login; nothing else is allowed. */
export function loginNetwork(graph: FakeGraph): INetworkModule {
  const carry = async <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> => {
    if (!url.startsWith(`${TEST_AUTHORITY_HOST}/`)) throw new Error(`test network: refusing ${url}`);
    const local = `${graph.origin}/login/${url.slice(TEST_AUTHORITY_HOST.length + 1)}`;
    const response = await fetch(local, { method, headers: options?.headers, body: options?.body });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key] = value));
    return { status: response.status, headers, body: (await response.json()) as T };
  };
  return {
    sendGetRequestAsync: (url, options) => carry('GET', url, options),
    sendPostRequestAsync: (url, options) => carry('POST', url, options),
  };
}
