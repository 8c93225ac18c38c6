/**
 * Starts the Ink app on the real terminal. The kiosk owns Ctrl+C (exitOnCtrlC off) and renders
 * nothing to stdout besides Ink.
 */
import { render } from 'ink';
import { openInventory } from '../store/db.js';
import { resolveHomeDir } from '../store/home.js';
import { Refusal } from '../core/errors.js';
import { KioskApp } from './KioskApp.js';

export async function startKiosk(options: { home?: string; demo: boolean }): Promise<number> {
  const homeDir = resolveHomeDir(options.home);
  let inventory;
  try {
    inventory = openInventory(homeDir);
  } catch (error) {
    if (!(error instanceof Refusal) || error.code !== 'not-initialised') throw error;
    inventory = null;
  }
  const app = render(<KioskApp inventory={inventory} homeDir={homeDir} />, { exitOnCtrlC: false, patchConsole: true });
  try {
    await app.waitUntilExit();
  } finally {
    inventory?.close();
  }
  return 0;
}
