/**
 * Encrypted seed deliveries, opened in memory: a PGP message (to the customer's key, or with a
 * password) or a password-protected ZIP, possibly one inside the other. What comes out are the seed
 * files' bytes, which the normal importers then read (detectFormat + importers[format].parse).
 *
 *   const files = await openDelivery('box.zip.gpg', bytes, { pgpPrivateKeys: [keyFile], password });
 *   for (const file of files) parse(detectFormat(file.bytes), [file.bytes], ...)
 *
 * A file that is not a delivery comes back as itself, so callers can always go through here.
 */
import { DeliveryError, MAX_DELIVERED_BYTES, MAX_NESTING, deliveryKind } from './delivery.js';
import type { DeliveredFile, DeliveryKeys } from './delivery.js';
import { openPgp } from './pgp.js';
import { openZip } from './zip.js';

export { DeliveryError, MAX_DELIVERED_BYTES, MAX_DELIVERED_FILES, deliveryKind } from './delivery.js';
export type { DeliveredFile, DeliveryKeys, DeliveryKind, DeliveryProblem } from './delivery.js';

export interface DeliveryLimits {
  /** The most the opened files may hold together (default MAX_DELIVERED_BYTES). */
  maxBytes?: number;
}

export async function openDelivery(fileName: string, bytes: Uint8Array, keys: DeliveryKeys = {}, limits: DeliveryLimits = {}): Promise<DeliveredFile[]> {
  return open({ name: fileName, path: fileName, bytes }, keys, 0, limits.maxBytes ?? MAX_DELIVERED_BYTES);
}

async function open(file: DeliveredFile, keys: DeliveryKeys, depth: number, maxBytes: number): Promise<DeliveredFile[]> {
  const kind = deliveryKind(file.bytes);
  if (kind === null) return [file];
  if (depth >= MAX_NESTING) {
    throw new DeliveryError('unsupported', `${file.path} is nested more than ${MAX_NESTING} deep (an archive in an archive in an archive...): unpack it by hand.`);
  }
  const inner = kind === 'pgp' ? [await openPgp(file.path, file.bytes, keys, maxBytes)] : await openZip(file.path, file.bytes, keys, maxBytes);
  const out: DeliveredFile[] = [];
  for (const child of inner) out.push(...(await open(child, keys, depth + 1, maxBytes)));
  return out;
}
