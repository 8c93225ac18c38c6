/**
 * The audit head file (HOME/audit-head.json, 0600): the seq and MAC of the newest audit entry,
 * kept outside the database so that deleting the tail of the trail shows. It carries a tag (an
 * HMAC under the audit key) so nobody without the key can write a head for a seq of their choice;
 * someone who saved an older head file can put it back, which is why batch manifests carry heads
 * too and why a copy of this file kept elsewhere is worth having.
 *
 * It is written after the commit of the entry it names (auditRepo.ts flushHead), not inside the
 * transaction: a head written before the commit could name a row that a rollback or a crash never
 * let exist, which would look exactly like truncation and cry wolf. Written after, it can only lag
 * (a crash between commit and write, two processes finishing in the other order): the file then
 * says "the trail reached at least #N", which is all `audit verify` relies on.
 */
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { sameHex } from './auditLog.js';
import { writeFileAtomic } from './atomicFile.js';

export interface AuditHead {
  seq: number;
  /** The entry's hash column: its MAC. */
  mac: string;
  at: string;
}

export type HeadFileState =
  | { state: 'missing' }
  | { state: 'damaged'; reason: string }
  | { state: 'ok'; head: AuditHead; tag: string };

const FORMAT = 'tokendesk-audit-head';

export function headTag(key: Uint8Array, head: AuditHead): string {
  return createHmac('sha256', key).update(`tokendesk/audit-head/v1\n${head.seq}\n${head.mac}\n${head.at}`).digest('hex');
}

export function readHeadFile(file: string): HeadFileState {
  if (!existsSync(file)) return { state: 'missing' };
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const { seq, mac, at, tag } = parsed;
    if (parsed.format !== FORMAT || !Number.isSafeInteger(seq) || (seq as number) < 0 || typeof mac !== 'string' || typeof at !== 'string' || typeof tag !== 'string') {
      return { state: 'damaged', reason: 'it is not a tokendesk audit head file' };
    }
    return { state: 'ok', head: { seq: seq as number, mac, at }, tag };
  } catch (error) {
    return { state: 'damaged', reason: `it is not valid JSON (${(error as Error).message})` };
  }
}

/** True when `tag` was made with one of `keys` (the head may predate a rotation). */
export function headTagValid(keys: readonly Uint8Array[], head: AuditHead, tag: string): boolean {
  return keys.some((key) => sameHex(headTag(key, head), tag));
}

export function writeHeadFile(file: string, head: AuditHead, key: Uint8Array): void {
  const body = { format: FORMAT, version: 1, seq: head.seq, mac: head.mac, at: head.at, tag: headTag(key, head) };
  writeFileAtomic(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
}
