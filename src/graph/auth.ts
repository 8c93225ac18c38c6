/**
 * Three ways to a bearer token for Microsoft Graph:
 * - `--access-token-file F`: a token obtained elsewhere (`az account get-access-token --resource-type ms-graph`);
 * - device-code sign-in with @azure/msal-node: prints a URL and a code, a person signs in on any browser;
 * - an app registration with a certificate, for unattended runs (client credentials with a signed assertion).
 * MSAL's token cache is kept in one file, sealed by functions the caller passes in (the home's data
 * key), written atomically with mode 0600: a copied cache file alone gives no sign-in.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { X509Certificate as X509 } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import {
  ConfidentialClientApplication,
  PublicClientApplication,
  type AuthenticationResult,
  type Configuration,
  type ICachePlugin,
  type INetworkModule,
  type TokenCacheContext,
} from '@azure/msal-node';
import { Refusal } from '../core/errors.js';
import type { TokenSource } from './client.js';
import { REQUIRED_PERMISSIONS } from './errors.js';
import { DEFAULT_GRAPH_URL, DEFAULT_LOGIN_AUTHORITY_HOST } from './types.js';

/** Seals and opens the cache file's bytes; the caller uses the home's data key (this layer cannot reach the store). */
export interface CacheSealer {
  seal(plain: Buffer): Buffer;
  /** Throws when the bytes were not sealed with this key or were changed. */
  open(sealed: Buffer): Buffer;
}

export interface SignInOptions {
  /** Tenant id or domain ("contoso.onmicrosoft.com"). */
  tenant: string;
  /** The app registration's client id. */
  clientId: string;
  /** Default https://login.microsoftonline.com; a sovereign cloud's login host. */
  loginAuthority?: string;
  /** The Graph the token is for; its origin is the scope's resource. Default https://graph.microsoft.com/beta. */
  graphUrl?: string;
  /** Where the sealed MSAL cache lives (in the home) and how to seal it. */
  cache?: { path: string; sealer: CacheSealer };
  /** MSAL's HTTP, replaced in tests (and behind unusual proxies). */
  networkClient?: INetworkModule;
}

export interface DeviceCodePrompt {
  verificationUri: string;
  userCode: string;
  /** Microsoft's own sentence: "To sign in, use a web browser to open … and enter the code …". */
  message: string;
  expiresInSeconds: number;
}

/** Microsoft Graph's app id, which some tokens carry as their audience instead of the URL. */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

// ---------------------------------------------------------------------------------------------
// --access-token-file

/** A token from a file, checked for expiry and audience when it is a JWT; it cannot renew itself. */
export function tokenFromFile(path: string, options: { now?: () => number; graphUrl?: string } = {}): TokenSource {
  const advice = `put a fresh token in ${path} (az account get-access-token --resource-type ms-graph --query accessToken -o tsv > ${path})`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new Refusal('graph-token-file', `Cannot read the access token file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}): ${advice}`);
  }
  const token = text.replace(/^Bearer\s+/i, '');
  if (token === '' || /\s/.test(token)) {
    throw new Refusal('graph-token-file', `${path} must hold exactly one access token on one line: ${advice}`);
  }
  const claims = jwtClaims(token);
  if (claims) {
    const now = (options.now ?? Date.now)();
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= now + 60_000) {
      throw new Refusal('graph-token-file', `The access token in ${path} expired at ${new Date(claims.exp * 1000).toISOString()}: ${advice}`);
    }
    const graphOrigin = new URL(options.graphUrl ?? DEFAULT_GRAPH_URL).origin;
    const audiences = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
    if (audiences.length > 0 && !audiences.some((a) => a === GRAPH_APP_ID || (typeof a === 'string' && a.replace(/\/+$/, '') === graphOrigin))) {
      throw new Refusal('graph-token-file', `The access token in ${path} is for ${audiences.join(', ')}, not for Microsoft Graph (${graphOrigin}): ${advice}`);
    }
  }
  return { token: async () => token, advice };
}

interface JwtClaims {
  exp?: number;
  aud?: string | string[];
}

/** The payload of a JWT, unverified (Graph verifies it); null for an opaque token. */
function jwtClaims(token: string): JwtClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    return payload && typeof payload === 'object' ? (payload as JwtClaims) : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The sealed MSAL cache

/** MSAL's cache plugin over one sealed file: read before each access, written atomically (0600) after a change. */
export function sealedCachePlugin(path: string, sealer: CacheSealer): ICachePlugin {
  return {
    async beforeCacheAccess(context: TokenCacheContext): Promise<void> {
      let sealed: Buffer;
      try {
        sealed = readFileSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      let plain: Buffer;
      try {
        plain = sealer.open(sealed);
      } catch {
        throw new Refusal('graph-cache-unreadable', `The sign-in cache ${path} cannot be opened with this home's key (another home's, or changed): delete it and sign in again`);
      }
      context.tokenCache.deserialize(plain.toString('utf8'));
      plain.fill(0);
    },
    async afterCacheAccess(context: TokenCacheContext): Promise<void> {
      if (!context.cacheHasChanged) return;
      const plain = Buffer.from(context.tokenCache.serialize(), 'utf8');
      try {
        writeFileAtomic(path, sealer.seal(plain));
      } finally {
        plain.fill(0);
      }
    },
  };
}

/** Temp file beside the target (mode 0600 from its creation), fsync, rename, fsync the folder. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
  try {
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some file systems cannot fsync a folder; the rename is still atomic.
  }
}

/** The file's permission bits, for a doctor-style check ("0600"). */
export function fileMode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8).padStart(4, '0');
}

// ---------------------------------------------------------------------------------------------
// MSAL: device code and certificate

function msalConfig(options: SignInOptions, extraAuth: Partial<Configuration['auth']> = {}): Configuration {
  const host = (options.loginAuthority ?? DEFAULT_LOGIN_AUTHORITY_HOST).replace(/\/+$/, '');
  return {
    auth: {
      clientId: options.clientId,
      authority: `${host}/${options.tenant}`,
      // Trusting the configured host skips instance discovery at login.microsoftonline.com, so a
      // sovereign cloud (or a test authority) is asked only about itself.
      knownAuthorities: [new URL(host).host],
      ...extraAuth,
    },
    cache: options.cache ? { cachePlugin: sealedCachePlugin(options.cache.path, options.cache.sealer) } : undefined,
    system: options.networkClient ? { networkClient: options.networkClient } : undefined,
  };
}

function graphResource(options: SignInOptions): string {
  return new URL(options.graphUrl ?? DEFAULT_GRAPH_URL).origin;
}

/** The delegated scopes an admin consents to for device-code sign-in. */
export function delegatedScopes(options: Pick<SignInOptions, 'graphUrl'>): string[] {
  const resource = new URL(options.graphUrl ?? DEFAULT_GRAPH_URL).origin;
  return REQUIRED_PERMISSIONS.map((p) => `${resource}/${p}`);
}

function signInRefusal(what: string, error: unknown): Refusal {
  if (error instanceof Refusal) return error;
  const code = (error as { errorCode?: unknown }).errorCode;
  const known = typeof code === 'string' ? code : 'error';
  const advice: Record<string, string> = {
    expired_token: 'the code expired before anyone signed in: run the command again and sign in within the time shown',
    authorization_declined: 'the sign-in was declined in the browser',
    invalid_client: 'the app registration does not accept this client id or certificate: check --client-id and that the certificate is uploaded to the app registration',
    unauthorized_client: 'the app registration does not allow this sign-in: enable "Allow public client flows" for device code, or check the client id',
    invalid_grant: 'the saved sign-in is no longer valid: sign in again',
  };
  return new Refusal('graph-sign-in', `${what} failed (${known}): ${advice[known] ?? 'check the tenant, --client-id and the network, then try again'}`);
}

/**
 * Device-code sign-in: a saved account in the sealed cache is used silently when it still works;
 * otherwise `show` gets the URL and code to print, and this waits until the person has signed in.
 */
export async function deviceCodeSignIn(options: SignInOptions & { show: (prompt: DeviceCodePrompt) => void }): Promise<TokenSource> {
  const app = new PublicClientApplication(msalConfig(options));
  const scopes = delegatedScopes(options);
  const cache = app.getTokenCache();

  const silent = async (forceRefresh: boolean): Promise<AuthenticationResult | null> => {
    const [account] = await cache.getAllAccounts();
    if (!account) return null;
    try {
      return await app.acquireTokenSilent({ account, scopes, forceRefresh });
    } catch {
      return null;
    }
  };
  const interactive = async (): Promise<AuthenticationResult> => {
    try {
      const result = await app.acquireTokenByDeviceCode({
        scopes,
        deviceCodeCallback: (response) =>
          options.show({ verificationUri: response.verificationUri, userCode: response.userCode, message: response.message, expiresInSeconds: response.expiresIn }),
      });
      if (!result) throw new Refusal('graph-sign-in', 'Device-code sign-in ended without a token: run the command again');
      return result;
    } catch (error) {
      throw signInRefusal('Device-code sign-in', error);
    }
  };

  return {
    advice: 'sign in again',
    token: async () => ((await silent(false)) ?? (await interactive())).accessToken,
    renew: async () => (await silent(true))?.accessToken ?? null,
  };
}

export interface CertificateCredential {
  /** PEM of the private key (PKCS#8 or RSA). */
  privateKeyPem: string;
  /** PEM of the certificate uploaded to the app registration. */
  certificatePem: string;
}

/** App-only sign-in with a certificate (client credentials, RFC 7523 assertion signed with the key). */
export async function certificateSignIn(options: SignInOptions & { certificate: CertificateCredential }): Promise<TokenSource> {
  let thumbprintSha256: string;
  let x5c: string;
  try {
    const certificate = new X509(options.certificate.certificatePem);
    thumbprintSha256 = certificate.fingerprint256.replaceAll(':', '').toLowerCase();
    x5c = certificate.raw.toString('base64');
  } catch {
    throw new Refusal('graph-certificate', 'The certificate is not a readable PEM certificate: give the .pem (or .crt) file uploaded to the app registration');
  }
  const app = new ConfidentialClientApplication(
    msalConfig(options, { clientCertificate: { thumbprintSha256, privateKey: options.certificate.privateKeyPem, x5c } }),
  );
  const scopes = [`${graphResource(options)}/.default`];
  const acquire = async (): Promise<string> => {
    try {
      const result = await app.acquireTokenByClientCredential({ scopes });
      if (!result) throw new Refusal('graph-sign-in', 'Certificate sign-in ended without a token: try again');
      return result.accessToken;
    } catch (error) {
      throw signInRefusal('Certificate sign-in', error);
    }
  };
  return { advice: 'check the app registration\'s certificate and permissions', token: acquire, renew: acquire };
}
