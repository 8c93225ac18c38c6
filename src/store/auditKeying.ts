/**
 * Starting a keyed audit trail: at `init` (keyed from its first row; the head file names "#0",
 * so a trail emptied later, head file and all, shows as a missing head), and once
 * for a home created before the trail was keyed, at its first open by this version: in one write
 * transaction the key record is stored (keyed from the next row, naming the last legacy row), the
 * key check is re-sealed as v2 ("this home's trail is keyed"), and an `audit-keyed` entry is
 * appended. From then on the legacy rows are anchored: the first keyed row names their last hash.
 *
 * A home is keyed only when everything says it never was: a v1 key check (v2 cannot be made
 * without the key), no key record and no head file. A v2 check or a head file without a record
 * means the record was removed: nothing is re-keyed over that evidence, `audit verify` reports it.
 */
import { existsSync } from 'node:fs';
import { writeAuditKeys } from './auditKeys.js';
import { writeHeadFile } from './auditHead.js';
import { GENESIS_HASH } from './auditLog.js';
import type { HomePaths } from './home.js';
import type { SeedVault } from './seedVault.js';
import type { Store } from './store.js';

/** Who the audit log names for what tokendesk does by itself. */
const SYSTEM_ACTOR = 'tokendesk';

/** At init, inside its write transaction: the trail is keyed from its first row. */
export function startKeyedTrail(store: Store, vault: SeedVault): void {
  writeAuditKeys(store.meta, vault, { keyedFrom: 1, legacyHead: null, retired: [] });
}

/** At init, after the commit: the head file of an empty trail. */
export function writeFirstHead(paths: HomePaths, vault: SeedVault): void {
  writeHeadFile(paths.auditHead, { seq: 0, mac: GENESIS_HASH, at: new Date().toISOString() }, vault.auditKey());
}

/** At open: keys an older home's trail, once (see the top of this file). */
export function keyAuditTrail(store: Store, vault: SeedVault, paths: HomePaths, deskId: string): void {
  const { meta } = store;
  if (meta.get('audit_keys') !== undefined) return;
  const check = meta.keyCheck();
  if (check === undefined || vault.keyCheckVersion(check) !== 1 || existsSync(paths.auditHead)) return;
  store.write(() => {
    // Another process may have keyed it while this one waited for the lock.
    if (meta.get('audit_keys') !== undefined) return;
    const head = store.audit.head();
    writeAuditKeys(meta, vault, { keyedFrom: head.seq + 1, legacyHead: head.seq > 0 ? head : null, retired: [] });
    meta.put('key_check', vault.keyCheck());
    store.audit.append({ actor: SYSTEM_ACTOR, deskId, action: 'audit-keyed', subject: { legacyUpTo: head.seq, legacyHead: head.hash } });
  });
}
