/**
 * Opening and creating a home, for the command line and the kiosk: they reach the store only
 * through services, and this is the door.
 */
import { homePaths, secureHome as secureHomePaths } from '../store/home.js';

export { assertNoHome, initHome, openInventory, type InitOptions, type InitResult, type Inventory, type OpenOptions } from '../store/db.js';
export { homePaths, readSettings, resolveHomeDir, type DeskSettings, type HomePaths } from '../store/home.js';
export { keyMode, unlockHome } from '../store/unlock.js';
export { passphraseProblem, type KeyMode, type ScryptParams, type UnlockedKey } from '../store/keyFile.js';

/**
 * Makes the home in `dir` 0700 and every file in it 0600; returns a note for each thing it had
 * to tighten, to show before anything else (openInventory does it too, for callers that skip this).
 */
export function secureHome(dir: string): string[] {
  return secureHomePaths(homePaths(dir));
}

/** After the hand-out (issue 13): return, lost, broken, replace, retire, restock, release, holders, clock check. */
export * as lifecycle from './lifecycle/index.js';
