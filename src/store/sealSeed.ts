/**
 * The one sealing routine, in a file of its own: SeedVault seals with it on the main thread, and
 * SealPool's worker runs its source text. It imports nothing, so neither of them depends on the other.
 */
import type { createCipheriv, KeyObject } from 'node:crypto';

/**
 * The sealing routine, also run by SealPool's worker from its source text: it may use only
 * its arguments and globals (no imports, no module constants). createCipheriv comes in as an
 * argument because an imported name does not exist in the worker, and test runners rename imports
 * in the source text (vitest: `__vite_ssr_import_0__.createCipheriv`).
 */
export function sealSeed(cipherFor: typeof createCipheriv, key: KeyObject, nonce: Buffer, serial: string, secret: Uint8Array): Buffer {
  const cipher = cipherFor('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from('tokendesk/seed/v1/' + serial, 'utf8'));
  const body = cipher.update(secret);
  cipher.final();
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}
