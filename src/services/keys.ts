/**
 * The home's data key: protect it with a passphrase, change the passphrase, rotate it. Admins only
 * ('manage-key'). Every write of the key file happens under the database's write lock (BEGIN
 * IMMEDIATE), so two commands never interleave their key-file writes, and leaves an audit entry.
 *
 * Rotation is crash-safe: at every instant the key file holds the key the database uses.
 *   1. Under the write lock, the key file is replaced (atomically) by one holding the current data
 *      key and the new one as "pending".
 *   2. In the same transaction every stored seed and the key check are re-encrypted under the new
 *      key; COMMIT with synchronous=FULL (the switch is durable before step 3 runs).
 *   3. Under the lock again, the key file is replaced by one holding only the new key.
 * Killed before the commit, the database still uses the old key (the pending one is dropped at the
 * next open); killed after it, the database's key check matches the pending key and the next open
 * finishes step 3 (store/db.ts, settleKeyFile). Old and new are never mixed: it is one transaction.
 *
 * The audit trail across a rotation: the same transaction retires the old audit key into the
 * sealed key record (so every old entry still verifies) and appends the `key-rotate` entry, the
 * first authenticated under the new key. Nothing already written is touched: rotating gives
 * nobody a way to rewrite history (see store/auditLog.ts).
 */
import { existsSync } from 'node:fs';
import { Refusal } from '../core/errors.js';
import { keyChanged, keyMatching, settleKeyFile, type Inventory } from '../store/db.js';
import {
  calibrateScrypt,
  deriveKek,
  finalisedKeyFile,
  keyFileFor,
  keysOf,
  newDataKey,
  newKdf,
  passphraseKeyFile,
  passphraseProblem,
  readKeyFile,
  sameKey,
  writeKeyFile,
  type KdfParams,
  type KeyFile,
  type KeyMode,
  type ScryptParams,
} from '../store/keyFile.js';
import { readAuditKeys, writeAuditKeys } from '../store/auditKeys.js';
import { KEY_ROTATE_ACTION } from '../store/auditLog.js';
import { readUnlockFailures } from '../store/unlock.js';
import { homePaths } from '../store/home.js';
import { SeedVault } from '../store/seedVault.js';
import { authorise, type Actor } from './actor.js';

/** Seeds re-encrypted per read: bounds the memory a rotation of a large inventory needs. */
const ROTATION_PAGE = 2000;

export type RotationStep = 'pending-written' | 'seeds-resealed' | 'committed' | 'finalised';

export interface RotationReport {
  /** Seeds re-encrypted (purged seeds have nothing to re-encrypt). */
  seeds: number;
  keyMode: KeyMode;
}

/** A new data key; every stored seed and the key check re-encrypted under it in one transaction. */
export function rotateDataKey(
  inventory: Inventory,
  request: { actor: Actor; now?: number; onStep?: (step: RotationStep) => void },
): RotationReport {
  authorise(request.actor, 'manage-key');
  const { store, paths, deskId } = inventory;
  const at = new Date(request.now ?? Date.now()).toISOString();
  const newKey = newDataKey();
  const newVault = new SeedVault(newKey);

  let seeds = 0;
  let mode: KeyMode = inventory.keyMode;
  let restore: Uint8Array | null = null;
  try {
    store.durably(() =>
      store.write(() => {
        const { keyFile, inUse } = keyInUse(inventory);
        mode = keyFile.mode;
        const record = readAuditKeys(store.meta, inventory.vault);
        if (record.state !== 'ok') {
          throw new Refusal(
            'audit-unkeyed',
            "the audit trail's key record is missing or damaged, so a rotation could not carry it over: run `tokendesk audit verify`. Nothing was changed",
          );
        }
        // Step 1: the key file holds both keys before the database uses the new one.
        writeKeyFile(paths, keyFileFor({ mode, wrapping: wrappingFor(inventory, keyFile) }, inUse, newKey));
        request.onStep?.('pending-written');
        // Step 2: every seed, page by page (the statement is not iterated while updating).
        const oldVault = new SeedVault(inUse);
        let lastId = 0;
        for (;;) {
          const rows = store.seeds.page(lastId, ROTATION_PAGE);
          if (rows.length === 0) break;
          for (const row of rows) {
            const secret = oldVault.open(row.serial, row.sealed);
            store.seeds.reseal(row.id, newVault.seal(row.serial, secret));
            secret.fill(0);
          }
          seeds += rows.length;
          lastId = rows[rows.length - 1]!.id;
        }
        // The old epoch's audit key stays (sealed under the new key) so its entries still verify.
        writeAuditKeys(store.meta, newVault, { ...record.record, retired: [...record.record.retired, oldVault.auditKey()] });
        store.meta.put('key_check', newVault.keyCheck());
        // From here this process holds the new key: the key-rotate entry is the new epoch's first.
        restore = inUse;
        inventory.vault.rekey(newKey);
        store.audit.append({ actor: request.actor.name, deskId, action: KEY_ROTATE_ACTION, at, subject: { tokens: seeds, mode } });
        request.onStep?.('seeds-resealed');
      }),
    );
  } catch (error) {
    if (restore) inventory.vault.rekey(restore);
    // The database kept the old key: drop the pending one (under the lock, as every key-file write).
    try {
      settleKeyFile(inventory.db, paths, inventory);
    } catch {
      // The next open settles it.
    }
    throw error;
  }
  request.onStep?.('committed');

  // Step 3: the new key alone. Under the lock: another command may have settled it already.
  store.write(() => {
    const keyFile = readKeyFile(paths);
    const keys = keysOf(keyFile, inventory.wrapping);
    if (keys?.pendingKey && sameKey(keys.pendingKey, newKey)) writeKeyFile(paths, finalisedKeyFile(keyFile));
  });
  newKey.fill(0);
  request.onStep?.('finalised');
  // Seeds sealed under the old key leave the write-ahead log now rather than at some later checkpoint.
  store.checkpoint();
  return { seeds, keyMode: mode };
}

/** File mode to passphrase mode: the same data key, now wrapped under a key derived from the passphrase. */
export async function protectWithPassphrase(
  inventory: Inventory,
  request: { actor: Actor; passphrase: string; scrypt?: ScryptParams; now?: number },
): Promise<{ scrypt: ScryptParams }> {
  authorise(request.actor, 'manage-key');
  assertFileMode(inventory);
  return rewrap(inventory, request, 'key-protect', (keyFile) => {
    if (keyFile.mode !== 'file') throw alreadyProtected();
  });
}

/** A new passphrase (and a fresh salt and calibrated cost) for a passphrase-mode home. */
export async function changePassphrase(
  inventory: Inventory,
  request: { actor: Actor; passphrase: string; scrypt?: ScryptParams; now?: number },
): Promise<{ scrypt: ScryptParams }> {
  authorise(request.actor, 'manage-key');
  assertPassphraseMode(inventory);
  return rewrap(inventory, request, 'key-passphrase-change', (keyFile) => {
    if (keyFile.mode !== 'passphrase') throw notProtected();
  });
}

async function rewrap(
  inventory: Inventory,
  request: { actor: Actor; passphrase: string; scrypt?: ScryptParams; now?: number },
  action: string,
  check: (keyFile: KeyFile) => void,
): Promise<{ scrypt: ScryptParams }> {
  const problem = passphraseProblem(request.passphrase);
  if (problem) throw new Refusal('weak-passphrase', `${problem}; nothing was changed`);
  const kdf = newKdf(request.scrypt ?? calibrateScrypt());
  // Half a second of scrypt, outside the write lock.
  const kek = await deriveKek(request.passphrase, kdf);
  const { store, paths, deskId } = inventory;
  const at = new Date(request.now ?? Date.now()).toISOString();
  store.write(() => {
    const { keyFile, inUse } = keyInUse(inventory);
    check(keyFile);
    writeKeyFile(paths, passphraseKeyFile({ kek, kdf }, inUse));
    store.audit.append({ actor: request.actor.name, deskId, action, at, subject: { N: kdf.N, r: kdf.r, p: kdf.p } });
  });
  inventory.keyMode = 'passphrase';
  inventory.wrapping = { kek, kdf };
  return { scrypt: { N: kdf.N, r: kdf.r, p: kdf.p } };
}

/** Under the write lock: the key file as it is now, and the data key the database uses (this inventory's). */
function keyInUse(inventory: Inventory): { keyFile: KeyFile; inUse: Uint8Array } {
  // Rotated by another process since this one opened the home? Follow it (or refuse) first.
  inventory.keyWatch.ensureCurrent();
  const keyFile = readKeyFile(inventory.paths);
  const keys = keysOf(keyFile, inventory.wrapping);
  const check = inventory.store.meta.keyCheck();
  if (!keys || check === undefined || !inventory.vault.matchesKeyCheck(check)) throw keyChanged();
  const inUse = keyMatching(check, keys);
  if (!inUse) throw keyChanged();
  return { keyFile, inUse };
}

function wrappingFor(inventory: Inventory, keyFile: KeyFile): { kek: Buffer; kdf: KdfParams } | undefined {
  if (keyFile.mode === 'file') return undefined;
  // The passphrase may have changed since this inventory unlocked: the kek must open the file as it is.
  if (!inventory.wrapping || !keysOf(keyFile, inventory.wrapping)) throw keyChanged();
  return { kek: inventory.wrapping.kek, kdf: keyFile.kdf };
}

/** For asking the new passphrase only where `key protect` can use it. */
export function assertFileMode(inventory: Pick<Inventory, 'keyMode'>): void {
  if (inventory.keyMode === 'passphrase') throw alreadyProtected();
}

/** For asking the new passphrase only where `key change-passphrase` can use it. */
export function assertPassphraseMode(inventory: Pick<Inventory, 'keyMode'>): void {
  if (inventory.keyMode !== 'passphrase') throw notProtected();
}

function alreadyProtected(): Refusal {
  return new Refusal('already-protected', 'this home is already protected by a passphrase; `tokendesk key change-passphrase` sets a new one');
}

function notProtected(): Refusal {
  return new Refusal('not-protected', 'this home has no passphrase (its key is in the key file); `tokendesk key protect` sets one');
}

export interface KeyStatus {
  keyFile: string;
  mode: KeyMode;
  scrypt?: ScryptParams;
  /** A rotation stopped between its steps; the next open of the home settles it. */
  rotationPending: boolean;
  /** Wrong passphrases in a row since the last unlock. */
  failedUnlocks: number;
}

/** What the key file says, without unlocking it. */
export function keyStatus(dir: string): KeyStatus {
  const paths = homePaths(dir);
  if (!existsSync(paths.database) && !existsSync(paths.keyFile)) {
    throw new Refusal('not-initialised', `no tokendesk home at ${paths.dir}: run \`tokendesk init --home ${paths.dir}\` first`);
  }
  const keyFile = readKeyFile(paths);
  return {
    keyFile: paths.keyFile,
    mode: keyFile.mode,
    ...(keyFile.mode === 'passphrase' ? { scrypt: { N: keyFile.kdf.N, r: keyFile.kdf.r, p: keyFile.kdf.p } } : {}),
    rotationPending: keyFile.mode === 'file' ? keyFile.pendingDataKey !== undefined : keyFile.pending !== undefined,
    failedUnlocks: readUnlockFailures(paths).failures,
  };
}
