/**
 * Starts the Ink app on the real terminal: opens the home (or a practice home), starts the scanner
 * source, renders, and on the way out stops the scanner, closes the database, removes a practice
 * home and leaves the terminal usable. The kiosk owns Ctrl+C (exitOnCtrlC off).
 */
import { render } from 'ink';
import { existsSync } from 'node:fs';
import { Refusal } from '../core/errors.js';
import { homePaths, keyMode, openInventory, readSettings, resolveHomeDir, unlockHome } from '../services/home.js';
import { createScanSource, type ScanSource } from '../scanner/index.js';
import { KioskApp, type KioskSession } from './KioskApp.js';
import { createPracticeHome } from './practice.js';

export interface KioskOptions {
  home?: string;
  demo: boolean;
  scanner?: string;
}

export async function startKiosk(options: KioskOptions): Promise<number> {
  const homeDir = resolveHomeDir(options.home);
  const sessions: KioskSession[] = [];
  const locked = !options.demo && existsSync(homePaths(homeDir).keyFile) && keyMode(homeDir) === 'passphrase';
  const unlock = async (passphrase: string, onWait: (ms: number) => void): Promise<KioskSession> => {
    const key = await unlockHome(homeDir, passphrase, { actor: 'kiosk', onWait });
    const session = { inventory: openInventory(homeDir, { key, actor: 'kiosk' }), homeDir, practice: null };
    sessions.push(session);
    return session;
  };
  const open = async (): Promise<KioskSession | null> => {
    if (options.demo) return practiceSession();
    if (locked) return null;
    try {
      return { inventory: openInventory(homeDir), homeDir, practice: null };
    } catch (error) {
      if (error instanceof Refusal && error.code === 'not-initialised') return null;
      throw error;
    }
  };
  const practiceSession = async (): Promise<KioskSession> => {
    const practice = await createPracticeHome();
    const session = { inventory: practice.inventory, homeDir: practice.dir, practice };
    sessions.push(session);
    return session;
  };

  const session = await open();
  if (session && !session.practice) sessions.push(session);
  const spec = options.scanner ?? ((session && !session.practice) || locked ? readSettings(homePaths(homeDir)).scanner : 'auto');
  const scanSource: ScanSource = createScanSource(spec);
  await scanSource.start();

  const app = render(
    <KioskApp session={session} homeDir={homeDir} scanSource={scanSource} startPractice={practiceSession} unlock={locked ? unlock : undefined} />,
    {
      exitOnCtrlC: false,
      patchConsole: true,
    },
  );
  const stopOnSignal = () => app.unmount();
  process.once('SIGTERM', stopOnSignal);
  process.once('SIGHUP', stopOnSignal);
  try {
    await app.waitUntilExit();
  } finally {
    process.off('SIGTERM', stopOnSignal);
    process.off('SIGHUP', stopOnSignal);
    await scanSource.stop();
    for (const s of sessions) {
      if (s.practice) s.practice.close();
      else s.inventory.close();
    }
  }
  return 0;
}
