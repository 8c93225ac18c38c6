/**
 * Starts the Ink app on the real terminal: opens the home (or a practice home), starts the scanner
 * source, renders, and on the way out stops the scanner, closes the database, removes a practice
 * home and leaves the terminal usable. The kiosk owns Ctrl+C (exitOnCtrlC off).
 *
 * Locked (`--locked`, as the service runs it): SIGINT, SIGTSTP and SIGQUIT are ignored (raw mode
 * already turns Ctrl+C, Ctrl+Z and Ctrl+\ into plain bytes; this covers the moments around it), and
 * only an admin's name and PIN quit. Any error that escapes the screens ends the kiosk with
 * EXIT_CRASHED, so systemd starts it again; what is printed names only the kind of error.
 */
import { render } from 'ink';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cliName, setCliName } from './cliName.js';
import { Refusal } from '../core/errors.js';
import { homePaths, keyMode, openInventory, readSettings, resolveHomeDir, unlockHome } from '../services/home.js';
import { createScanSource, type ScanSource } from '../scanner/index.js';
import { KioskApp, type KioskSession } from './KioskApp.js';
import { describeCrash, FatalBoundary } from './components/ScreenBoundary.js';
import { createPracticeHome } from './practice.js';

export interface KioskOptions {
  home?: string;
  demo: boolean;
  scanner?: string;
  locked?: boolean;
}

/** The kiosk stopped on an error it could not recover from (EX_SOFTWARE): the unit restarts it. */
export const EXIT_CRASHED = 70;
/** Bracketed paste on and off: a paste then arrives marked, and is typed as text, never as keys. */
const PASTE_ON = '\u001b[?2004h';
const PASTE_OFF = '\u001b[?2004l';

export async function startKiosk(options: KioskOptions): Promise<number> {
  const homeDir = resolveHomeDir(options.home);
  const cliFile = fileURLToPath(new URL('../cli.js', import.meta.url));
  setCliName(cliName({ path: process.env.PATH, cwd: process.cwd(), cliFile, packageDir: fileURLToPath(new URL('../../..', import.meta.url)) }));
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

  let fatal: unknown = null;
  const onFatal = (error: unknown) => {
    if (fatal !== null) return;
    fatal = error ?? new Error('unknown');
    app.unmount();
    // If unmounting itself hangs on a broken state, leave anyway: the unit starts a fresh kiosk.
    setTimeout(() => process.exit(EXIT_CRASHED), 3000).unref();
  };
  const testCrash = process.env.TOKENDESK_TEST_CRASH;
  const app = render(
    <FatalBoundary onFatal={onFatal}>
      <KioskApp
        session={session}
        homeDir={homeDir}
        scanSource={scanSource}
        startPractice={practiceSession}
        unlock={locked ? unlock : undefined}
        locked={options.locked ?? false}
        testCrash={testCrash}
      />
    </FatalBoundary>,
    {
      exitOnCtrlC: false,
      patchConsole: true,
    },
  );
  process.stdout.write(PASTE_ON);
  const stopOnSignal = () => app.unmount();
  const ignore = () => {};
  const lockSignals = options.locked ? (['SIGINT', 'SIGTSTP', 'SIGQUIT'] as const) : [];
  for (const signal of lockSignals) process.on(signal, ignore);
  process.once('SIGTERM', stopOnSignal);
  process.once('SIGHUP', stopOnSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  const testTimer = testCrash === 'uncaught' ? setTimeout(() => {
    throw new Error('test crash outside React for j.doe@example.com with code 123456');
  }, 1000) : null;
  try {
    await app.waitUntilExit();
  } catch (error) {
    onFatal(error);
  } finally {
    if (testTimer) clearTimeout(testTimer);
    process.stdout.write(PASTE_OFF);
    process.off('SIGTERM', stopOnSignal);
    process.off('SIGHUP', stopOnSignal);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
    for (const signal of lockSignals) process.off(signal, ignore);
    await scanSource.stop();
    for (const s of sessions) {
      if (s.practice) s.practice.close();
      else s.inventory.close();
    }
  }
  if (fatal !== null) {
    process.stderr.write(`tokendesk: the kiosk stopped on an unexpected error (${describeCrash(fatal)}); as a service it starts again by itself\n`);
    return EXIT_CRASHED;
  }
  return 0;
}
