/**
 * Is the key this process holds still the home's key? `tokendesk key rotate` in another process
 * re-seals every seed and the key check under a new key; a kiosk started before it still holds the
 * old one. Its next seed would not open (and its next audit entry would be authenticated with a
 * retired key), so before either the watch compares the database's key check with the vault:
 *   - the same key: nothing to do (one indexed read; the check text is remembered);
 *   - another key that the key file on disk opens (file mode, or a passphrase-mode home whose
 *     passphrase did not change, as after a plain `key rotate`): the vault takes it;
 *   - otherwise: a refusal that says what happened and what to do (restart, and unlock again).
 */
import { Refusal } from '../core/errors.js';
import type { HomePaths } from './home.js';
import { keysOf, readKeyFile, type KdfParams, type UnlockedKey } from './keyFile.js';
import type { MetaRepo } from './metaRepo.js';
import { SeedVault } from './seedVault.js';

export class KeyWatch {
  /** The key check text last confirmed to match the vault. */
  #confirmed: string | undefined;

  constructor(
    private readonly meta: MetaRepo,
    private readonly paths: HomePaths,
    private readonly vault: SeedVault,
    private readonly wrapping: () => { kek: Buffer; kdf: KdfParams } | undefined,
  ) {}

  /** Refuses when the vault cannot follow the home's key; 'reloaded' when it just did. */
  ensureCurrent(): 'current' | 'reloaded' {
    const check = this.meta.keyCheck();
    if (check === undefined) throw new Refusal('not-initialised', `${this.paths.database} has lost its key check; restore it from your backup`);
    if (check === this.#confirmed) return 'current';
    if (this.vault.matchesKeyCheck(check)) {
      this.#confirmed = check;
      return 'current';
    }
    const dataKey = this.#fromKeyFile(check);
    if (!dataKey) throw keyRotatedSinceStart();
    this.vault.rekey(dataKey);
    this.#confirmed = check;
    return 'reloaded';
  }

  /** The seed vault asks this when a seed does not open: true when it now holds a newer key. */
  readonly onUnreadableSeed = (): boolean => this.ensureCurrent() === 'reloaded';

  #fromKeyFile(check: string): Uint8Array | null {
    try {
      const keys = keysOf(readKeyFile(this.paths), this.wrapping());
      return keys ? keyMatching(check, keys) : null;
    } catch {
      return null;
    }
  }
}

/** The data key of `keys` (current or pending) that the database's key check matches, or null. */
export function keyMatching(check: string, keys: Pick<UnlockedKey, 'dataKey' | 'pendingKey'>): Uint8Array | null {
  if (new SeedVault(keys.dataKey).matchesKeyCheck(check)) return keys.dataKey;
  if (keys.pendingKey && new SeedVault(keys.pendingKey).matchesKeyCheck(check)) return keys.pendingKey;
  return null;
}

export function keyRotatedSinceStart(): Refusal {
  return new Refusal(
    'key-rotated',
    "the home's key was changed (tokendesk key rotate, or a new passphrase) since this kiosk started: restart it " +
      '(and unlock it again if it asks). Nothing was changed',
  );
}
