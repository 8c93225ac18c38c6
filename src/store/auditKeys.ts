/**
 * The record of how this home's audit trail is keyed, kept in `meta` as a note sealed under the
 * current data key (so it can be neither read, edited nor swapped without the key):
 *   keyedFrom   the first keyed row (1 for homes created keyed; the `audit-keyed` row for older ones)
 *   legacyHead  the last legacy row, as it was when the trail was keyed (null: there was none)
 *   retired     the audit key of every earlier key epoch, oldest first (a rotation adds one)
 *
 * Why keep retired audit keys rather than re-authenticate old rows under the new key: rewriting
 * the trail at each rotation would let whoever rotates rewrite history with it, and old rows
 * would need the append-only triggers switched off. The retired keys are audit keys only
 * (derived one way from old data keys), so keeping them opens no old seed.
 */
import type { ChainKeys } from './auditLog.js';
import type { MetaRepo } from './metaRepo.js';
import type { SeedVault } from './seedVault.js';

const NOTE = 'audit-keys';

export interface AuditKeyRecord {
  keyedFrom: number;
  legacyHead: { seq: number; hash: string } | null;
  retired: Uint8Array[];
}

export type AuditKeyState = { state: 'missing' } | { state: 'damaged' } | { state: 'ok'; record: AuditKeyRecord };

export function readAuditKeys(meta: MetaRepo, vault: SeedVault): AuditKeyState {
  const sealed = meta.get('audit_keys');
  if (sealed === undefined) return { state: 'missing' };
  const body = vault.openNote(NOTE, sealed);
  if (!body) return { state: 'damaged' };
  try {
    const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as { keyedFrom: number; legacyHead: AuditKeyRecord['legacyHead']; retired: string[] };
    return {
      state: 'ok',
      record: { keyedFrom: parsed.keyedFrom, legacyHead: parsed.legacyHead, retired: parsed.retired.map((k) => new Uint8Array(Buffer.from(k, 'base64'))) },
    };
  } catch {
    return { state: 'damaged' };
  }
}

/** Inside the write transaction that changes it (keying, rotation). */
export function writeAuditKeys(meta: MetaRepo, vault: SeedVault, record: AuditKeyRecord): void {
  const body = JSON.stringify({
    keyedFrom: record.keyedFrom,
    legacyHead: record.legacyHead,
    retired: record.retired.map((k) => Buffer.from(k).toString('base64')),
  });
  meta.put('audit_keys', vault.sealNote(NOTE, Buffer.from(body, 'utf8')));
}

/** What checkChain needs: every epoch's key, the current one (this vault's) last. */
export function chainKeysOf(record: AuditKeyRecord, vault: SeedVault): ChainKeys {
  return { keyedFrom: record.keyedFrom, keys: [...record.retired, vault.auditKey()] };
}
