/**
 * What encrypted seed deliveries have in common: how they are recognised, the keys an admin gives,
 * the files that come out, and the refusal when they do not open. The openers (pgp.ts, zip.ts)
 * work in memory only: no plaintext seed file is ever written to disk, not even to a temp folder.
 */
import { SeedFileError } from '../types.js';

export type DeliveryKind = 'pgp' | 'zip';

/** What the admin gives to open a delivery; each opener reads what it needs. */
export interface DeliveryKeys {
  /** The customer's private key file(s), armored or binary, for PGP messages encrypted to them (--pgp-key). */
  pgpPrivateKeys?: Uint8Array[];
  /** The private key's passphrase, when it has one (--pgp-passphrase-file). */
  pgpKeyPassphrase?: string;
  /** The password of a password-protected ZIP or of a password-only PGP message (--password-file). */
  password?: string;
}

/** One file that came out of a delivery, in memory. */
export interface DeliveredFile {
  /** Its own name: "box.csv". */
  name: string;
  /** Where it came from, for messages: "box.zip.gpg > box.zip > box.csv". */
  path: string;
  bytes: Uint8Array;
}

export type DeliveryProblem =
  | 'needs-key'
  | 'wrong-key'
  | 'needs-passphrase'
  | 'wrong-passphrase'
  | 'needs-password'
  | 'wrong-password'
  | 'damaged'
  | 'unsupported'
  | 'too-large'
  | 'empty';

/** A delivery that does not open. The message names the file and says what to give or ask for. */
export class DeliveryError extends SeedFileError {
  constructor(
    readonly problem: DeliveryProblem,
    message: string,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** The most a delivery may hold once opened: far above any shipment, bounded against bombs. */
export const MAX_DELIVERED_BYTES = 256 * 1024 * 1024;
/** How many files a delivery may hold. */
export const MAX_DELIVERED_FILES = 1000;
/** A ZIP inside a PGP message, say; deeper nesting is refused. */
export const MAX_NESTING = 3;

const ARMOR = '-----BEGIN PGP MESSAGE-----';
/** OpenPGP packets a message can start with: PKESK (1), SKESK (3), compressed (8), SEIPD (18), AEAD (20). */
const PGP_FIRST_PACKETS = new Set([1, 3, 8, 18, 20]);

/** Whether these first bytes are a PGP message or a ZIP archive; null for anything else. */
export function deliveryKind(head: Uint8Array): DeliveryKind | null {
  if (head.byteLength >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) return 'zip';
  const text = new TextDecoder('utf-8').decode(head.subarray(0, 256)).replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith(ARMOR)) return 'pgp';
  const first = head[0];
  if (first === undefined || (first & 0x80) === 0) return null;
  // New packet format: 0b11tttttt; old format: 0b10ttttll.
  const tag = (first & 0x40) !== 0 ? first & 0x3f : (first >> 2) & 0x0f;
  return PGP_FIRST_PACKETS.has(tag) ? 'pgp' : null;
}

/** "box.csv.gpg" -> "box.csv": the inner name when the message does not carry one. */
export function innerNameOf(outer: string): string {
  return outer.replace(/\.(gpg|pgp|asc)$/i, '') || 'delivery';
}
