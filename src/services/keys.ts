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
 */
import { existsSync } from 'node:fs';
import { Refusal } from '../core/errors.js';
import { keyChanged, keyMatching, readMeta, settleKeyFile, type Inventory } from '../store/db.js';
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
  const { sqlite, paths, deskId } = inventory;
  const at = new Date(request.now ?? Date.now()).toISOString();
  const oldVault = inventory.vault;
  const newKey = newDataKey();
  const newVault = new SeedVault(newKey);
  const page = sqlite.prepare('SELECT id, serial, sealed_secret AS sealed FROM tokens WHERE id > ? AND sealed_secret IS NOT NULL ORDER BY id LIMIT ?');
  const update = sqlite.prepare('UPDATE tokens SET sealed_secret = ? WHERE id = ?');
  const putCheck = sqlite.prepare("UPDATE meta SET value = ? WHERE key = 'key_check'");

  let seeds = 0;
  let mode: KeyMode = inventory.keyMode;
  sqlite.pragma('synchronous = FULL');
  try {
    sqlite
      .transaction(() => {
        const { keyFile, inUse } = keyInUse(inventory);
        mode = keyFile.mode;
        // Step 1: the key file holds both keys before the database uses the new one.
        writeKeyFile(paths, keyFileFor({ mode, wrapping: wrappingFor(inventory, keyFile) }, inUse, newKey));
        request.onStep?.('pending-written');
        // Step 2: every seed, page by page (the statement is not iterated while updating).
        let lastId = 0;
        for (;;) {
          const rows = page.all(lastId, ROTATION_PAGE) as Array<{ id: number; serial: string; sealed: Buffer }>;
          if (rows.length === 0) break;
          for (const row of rows) {
            const secret = oldVault.open(row.serial, row.sealed);
            update.run(newVault.seal(row.serial, secret), row.id);
            secret.fill(0);
          }
          seeds += rows.length;
          lastId = rows[rows.length - 1]!.id;
        }
        putCheck.run(newVault.keyCheck());
        inventory.store.audit.append({ actor: request.actor.name, deskId, action: 'key-rotate', at, subject: { tokens: seeds, mode } });
        request.onStep?.('seeds-resealed');
      })
      .immediate();
  } catch (error) {
    // The database kept the old key: drop the pending one (under the lock, as every key-file write).
    try {
      settleKeyFile(sqlite, paths, inventory);
    } catch {
      // The next open settles it.
    }
    throw error;
  } finally {
    sqlite.pragma('synchronous = NORMAL');
  }
  request.onStep?.('committed');
  inventory.vault = newVault;

  // Step 3: the new key alone. Under the lock: another command may have settled it already.
  sqlite
    .transaction(() => {
      const keyFile = readKeyFile(paths);
      const keys = keysOf(keyFile, inventory.wrapping);
      if (keys?.pendingKey && sameKey(keys.pendingKey, newKey)) writeKeyFile(paths, finalisedKeyFile(keyFile));
    })
    .immediate();
  newKey.fill(0);
  request.onStep?.('finalised');
  // Seeds sealed under the old key leave the write-ahead log now rather than at some later checkpoint.
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
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
  const { sqlite, paths, deskId } = inventory;
  const at = new Date(request.now ?? Date.now()).toISOString();
  sqlite
    .transaction(() => {
      const { keyFile, inUse } = keyInUse(inventory);
      check(keyFile);
      writeKeyFile(paths, passphraseKeyFile({ kek, kdf }, inUse));
      inventory.store.audit.append({ actor: request.actor.name, deskId, action, at, subject: { N: kdf.N, r: kdf.r, p: kdf.p } });
    })
    .immediate();
  inventory.keyMode = 'passphrase';
  inventory.wrapping = { kek, kdf };
  return { scrypt: { N: kdf.N, r: kdf.r, p: kdf.p } };
}

/** Under the write lock: the key file as it is now, and the data key the database uses (this inventory's). */
function keyInUse(inventory: Inventory): { keyFile: KeyFile; inUse: Uint8Array } {
  const keyFile = readKeyFile(inventory.paths);
  const keys = keysOf(keyFile, inventory.wrapping);
  const check = readMeta(inventory.sqlite, 'key_check');
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
