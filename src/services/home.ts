/**
 * Opening and creating a home, for the command line and the kiosk: they reach the store only
 * through services, and this is the door.
 */
export { assertNoHome, initHome, openInventory, type InitOptions, type InitResult, type Inventory, type OpenOptions } from '../store/db.js';
export { homePaths, readSettings, resolveHomeDir, type DeskSettings, type HomePaths } from '../store/home.js';
export { keyMode, unlockHome } from '../store/unlock.js';
export { passphraseProblem, type KeyMode, type ScryptParams, type UnlockedKey } from '../store/keyFile.js';
