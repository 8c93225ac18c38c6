/**
 * The audit trail as commands see it: list entries, and verify everything that can show it was
 * tampered with (what `audit verify` and `doctor` report):
 *   - the chain: every entry authenticated (HMAC under the home's key) and linked to the one before
 *     (an edit re-hashed without the key, a forged entry, a deleted or reordered middle entry);
 *   - the end: the head file beside the database and every batch manifest in exports/ name an entry
 *     (seq and MAC) that must still be there, unchanged (a deleted tail, or the whole trail deleted);
 *   - the key record that says from where entries are keyed and with which keys;
 *   - the triggers that refuse UPDATE and DELETE through SQL (dropped, they invite the rest);
 *   - batches in the database whose `export` entry is gone.
 * Entries written before the trail was keyed verify as "legacy, unkeyed up to #N".
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Inventory } from '../store/db.js';
import type { AuditRow, ChainReport } from '../store/auditLog.js';
import { readHeadFile, headTagValid } from '../store/auditHead.js';
import { AUDIT_TRIGGERS } from '../store/auditRepo.js';

export type AuditProblemKind =
  | 'chain-broken'
  | 'truncated'
  | 'key-record-missing'
  | 'key-record-damaged'
  | 'head-missing'
  | 'head-damaged'
  | 'head-forged'
  | 'head-mismatch'
  | 'manifest-mismatch'
  | 'triggers-dropped'
  | 'batch-entry-missing';

export interface AuditProblem {
  kind: AuditProblemKind;
  message: string;
}

export interface AuditReport extends ChainReport {
  /** Everything found; `ok` is true only when this is empty. */
  problems: AuditProblem[];
  /** The last entry in the table (verified or not). */
  last: { seq: number; hash: string };
  /** What the head file names, when it can be read. */
  headFile: { seq: number; mac: string; at: string } | null;
}

export function verifyAudit(inventory: Inventory): AuditReport {
  const { audit, meta } = inventory.store;
  const problems: AuditProblem[] = [];
  const add = (kind: AuditProblemKind, message: string) => problems.push({ kind, message });

  const keyState = audit.keyState();
  if (keyState.state === 'missing') {
    add('key-record-missing', "the audit trail's key record is gone from the database, so its entries cannot be authenticated: it was removed. Restore the database from a backup");
  } else if (keyState.state === 'damaged') {
    add('key-record-damaged', "the audit trail's key record does not open with this home's key: it was edited or copied from another home. Restore the database from a backup");
  }

  const chain = audit.verify();
  if (chain.firstBroken) {
    add('chain-broken', `entry #${chain.firstBroken.seq}: ${chain.firstBroken.problem}. Entries up to #${chain.head.seq} verify`);
  } else if (chain.endsEarly) {
    add('truncated', chain.endsEarly);
  }

  const last = audit.head();
  const named = (what: string, seq: number, mac: string, kind: AuditProblemKind) => {
    if (seq > last.seq) {
      add('truncated', `${what} names entry #${seq}, but the trail ends at #${last.seq}: ${last.seq === 0 ? 'every entry was deleted' : `entries #${last.seq + 1} to #${seq} were deleted`}`);
      return;
    }
    if (seq === 0) return;
    const row = audit.at(seq);
    if (!row) add('truncated', `${what} names entry #${seq}, which is missing from the trail (deleted)`);
    else if (row.hash !== mac) add(kind, `${what} names entry #${seq} with another authentication code: the entry was rewritten`);
  };

  const onFile = readHeadFile(inventory.paths.auditHead);
  let headFile: AuditReport['headFile'] = null;
  if (onFile.state === 'missing') {
    add('head-missing', `the audit head file ${inventory.paths.auditHead} is missing: it records how far the trail reached, so a deleted tail would not show. It was deleted`);
  } else if (onFile.state === 'damaged') {
    add('head-damaged', `the audit head file ${inventory.paths.auditHead} is damaged: ${onFile.reason}`);
  } else if (!headTagValid(audit.knownKeys(), onFile.head, onFile.tag)) {
    add('head-forged', `the audit head file ${inventory.paths.auditHead} was not written with this home's key (forged or edited)`);
  } else {
    headFile = onFile.head;
    named(`the head file (written ${onFile.head.at})`, onFile.head.seq, onFile.head.mac, 'head-mismatch');
  }

  for (const manifest of batchManifests(inventory.paths.exports)) {
    named(`the manifest of batch ${manifest.batch}`, manifest.seq, manifest.hash, 'manifest-mismatch');
  }

  const triggers = meta.triggersPresent(AUDIT_TRIGGERS);
  const dropped = AUDIT_TRIGGERS.filter((name) => !triggers.includes(name));
  if (dropped.length > 0) {
    add('triggers-dropped', `the triggers that keep the trail append-only are gone (${dropped.join(', ')}): someone dropped them to edit or delete entries`);
  }

  for (const batch of audit.batchesWithoutExportEntry()) {
    add('batch-entry-missing', `batch ${batch} is in the database but its export entry is not in the trail (deleted)`);
  }

  return { ...chain, ok: problems.length === 0, problems, last, headFile };
}

/** Oldest first unless `newestFirst` (`audit list` shows the newest first; `--oldest` the other way). */
export function listAudit(inventory: Inventory, options: { since?: string; limit?: number; newestFirst?: boolean } = {}): AuditRow[] {
  return inventory.store.audit.list(options);
}

/** The audit heads the home's batch manifests name (a manifest that cannot be read names none). */
function batchManifests(dir: string): Array<{ batch: string; seq: number; hash: string }> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.startsWith('tokendesk-') && name.endsWith('.manifest.json'));
  } catch {
    return [];
  }
  const heads: Array<{ batch: string; seq: number; hash: string }> = [];
  for (const name of names.sort()) {
    try {
      const parsed = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { batch?: unknown; auditHead?: { seq?: unknown; hash?: unknown } };
      const { seq, hash } = parsed.auditHead ?? {};
      if (typeof parsed.batch === 'string' && Number.isSafeInteger(seq) && typeof hash === 'string') heads.push({ batch: parsed.batch, seq: seq as number, hash });
    } catch {
      // Not ours to judge here: `batch show` reports a damaged manifest.
    }
  }
  return heads;
}
