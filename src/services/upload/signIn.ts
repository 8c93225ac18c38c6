/**
 * Signing in to Microsoft Graph for `upload` and `reconcile`, as the command line asked:
 * a token file, an app registration's certificate, or device code (an admin signs in on any
 * browser). Device code keeps MSAL's cache in HOME/graph-token-cache, sealed under the home's data
 * key as a named note (so a copied cache file, or one moved to another home, opens nowhere) and
 * written 0600. MSAL is loaded only when a sign-in needs it: every other command starts without it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INetworkModule } from '@azure/msal-node';
import { Refusal, UsageError } from '../../core/errors.js';
import type { CacheSealer, DeviceCodePrompt } from '../../graph/auth.js';
import type { TokenSource } from '../../graph/client.js';
import type { Inventory } from '../../store/db.js';

export type { DeviceCodePrompt } from '../../graph/auth.js';
export type { TokenSource } from '../../graph/client.js';

/** The sealed MSAL cache in the home. */
export const TOKEN_CACHE_FILE = 'graph-token-cache';
const CACHE_NOTE = 'graph-token-cache/v1';

export interface SignInRequest {
  tenant: string;
  clientId?: string;
  graphUrl?: string;
  /** Default https://login.microsoftonline.com; a sovereign cloud's login host. */
  loginAuthority?: string;
  accessTokenFile?: string;
  /** PEM files of an app registration's certificate and its private key (unattended runs). */
  certificateFile?: string;
  privateKeyFile?: string;
  /** Device code: where to show the URL and the code (stderr, so --json stays one document). */
  showDeviceCode?: (prompt: DeviceCodePrompt) => void;
  /** MSAL's HTTP, replaced in tests (and behind unusual proxies). */
  networkClient?: INetworkModule;
}

/** Which way the command line asked to sign in; a usage error when it named none or two. */
export function signInWay(request: SignInRequest): 'token-file' | 'certificate' | 'device-code' {
  const certificate = request.certificateFile !== undefined || request.privateKeyFile !== undefined;
  if (request.accessTokenFile !== undefined && (certificate || request.clientId !== undefined)) {
    throw new UsageError('--access-token-file already holds a sign-in: leave out --client-id, --certificate and --private-key');
  }
  if (request.accessTokenFile !== undefined) return 'token-file';
  if (certificate) {
    if (request.certificateFile === undefined || request.privateKeyFile === undefined) {
      throw new UsageError('a certificate sign-in needs both --certificate FILE and --private-key FILE (PEM), with --client-id');
    }
    if (request.clientId === undefined) throw new UsageError('a certificate sign-in needs --client-id: the app registration the certificate belongs to');
    return 'certificate';
  }
  if (request.clientId !== undefined) return 'device-code';
  throw new UsageError(
    'say how to sign in to Microsoft Graph: --client-id ID (device code: a URL and a code to open on any browser), ' +
      '--client-id ID --certificate F --private-key F (an app registration, unattended), or --access-token-file F (a token from elsewhere)',
  );
}

/** A bearer-token source for Graph, the way the request asks. */
export async function signInToGraph(inventory: Inventory, request: SignInRequest): Promise<TokenSource> {
  const way = signInWay(request);
  const auth = await import('../../graph/auth.js');
  if (way === 'token-file') return auth.tokenFromFile(request.accessTokenFile!, { graphUrl: request.graphUrl });
  const common = {
    tenant: request.tenant,
    clientId: request.clientId!,
    graphUrl: request.graphUrl,
    loginAuthority: request.loginAuthority,
    networkClient: request.networkClient,
  };
  if (way === 'certificate') {
    const certificatePem = readPem(request.certificateFile!, '--certificate');
    const privateKeyPem = readPem(request.privateKeyFile!, '--private-key');
    return auth.certificateSignIn({ ...common, certificate: { certificatePem, privateKeyPem } });
  }
  return auth.deviceCodeSignIn({
    ...common,
    cache: { path: tokenCachePath(inventory), sealer: homeSealer(inventory) },
    show: request.showDeviceCode ?? (() => {}),
  });
}

export function tokenCachePath(inventory: Inventory): string {
  return join(inventory.paths.dir, TOKEN_CACHE_FILE);
}

/** The cache's bytes sealed under the home's data key, as a note named for the cache. */
export function homeSealer(inventory: Inventory): CacheSealer {
  return {
    seal: (plain) => Buffer.from(inventory.vault.sealNote(CACHE_NOTE, plain), 'utf8'),
    open: (sealed) => {
      const opened = inventory.vault.openNote(CACHE_NOTE, sealed.toString('utf8'));
      if (!opened) throw new Error('not sealed under this home\'s key');
      return Buffer.from(opened);
    },
  };
}

function readPem(path: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Refusal('graph-certificate', `Cannot read ${flag} ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}): give the PEM file of the app registration's certificate and its private key`);
  }
  if (!text.includes('-----BEGIN')) throw new Refusal('graph-certificate', `${flag} ${path} is not a PEM file (it has no -----BEGIN line)`);
  return text;
}
