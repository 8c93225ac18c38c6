/**
 * The kiosk's root: the key router, Ctrl+C and the lockdown, the unlock and welcome screens before
 * a home is open; the signed-in desk (screens, header, idle timer) is Desk.tsx. It owns exit();
 * screens only say they are done.
 */
import { useApp } from 'ink';
import { useCallback, useRef, useState } from 'react';
import type { ScanSource } from '../scanner/index.js';
import { Frame, Message } from './components/Frame.js';
import { useTerminalSize } from './hooks/terminal.js';
import { AdminQuit, useLockdown } from './screens/AdminQuit.js';
import { isChar, type KioskKey } from './input/keys.js';
import { KeyRouter } from './input/KeyRouter.js';
import type { HandOutProgress } from './screens/HandOut.js';
import { Unlock } from './screens/Unlock.js';
import { Welcome } from './screens/Welcome.js';
import { Desk, type KioskSession } from './Desk.js';

export type { KioskSession } from './Desk.js';

export interface KioskAppProps {
  session: KioskSession | null;
  homeDir: string;
  scanSource?: ScanSource | null;
  /** Practice mode from the welcome screen. */
  startPractice?: () => Promise<KioskSession>;
  /** Passphrase mode: the home opens only after an admin unlocks it. */
  unlock?: (passphrase: string, onWait: (ms: number) => void) => Promise<KioskSession>;
  now?: () => number;
  /** Tests turn keyboard-wedge timing off (they type faster than any person). */
  wedge?: { maxKeyGapMs?: number; minScanLength?: number } | false;
  /** For tests: a fixed terminal size. */
  size?: { columns: number; rows: number };
  /** Called once when the kiosk quits (Ctrl+C, q, the menu), just before Ink exits. */
  onExit?: () => void;
  /** Keys delivered so far, told once their redraw is committed (tests wait for it instead of sleeping). */
  onKeysDrawn?: (count: number) => void;
  /** A locked kiosk (`--locked`, the service): only an admin's name and PIN quit it. */
  locked?: boolean;
  /** Test hook (TOKENDESK_TEST_CRASH): 'screen' makes the menu throw once. */
  testCrash?: string;
}

export function KioskApp(props: KioskAppProps) {
  const [session, setSession] = useState(props.session);
  const now = props.now ?? Date.now;
  const size = useTerminalSize(props.size);
  const { exit } = useApp();
  const [confirmQuit, setConfirmQuit] = useState(false);
  const progress = useRef<HandOutProgress | null>(null);
  const lastKey = useRef(now());

  const onExit = useRef(props.onExit);
  onExit.current = props.onExit;
  const quit = useCallback(() => {
    onExit.current?.();
    exit();
  }, [exit]);
  // A locked kiosk never quits on a key: every way out (Ctrl+C, q, the menu) asks for an admin.
  const lock = useLockdown(props.locked ?? false, session !== null, quit);
  const leave = lock.leave;
  // A key handler that threw: drawn as a throw inside the screen boundary (back to sign-in).
  const [keyError, setKeyError] = useState<{ error: unknown } | null>(null);
  if (keyError && !session) throw keyError.error;

  const onAnyKey = (key: KioskKey): boolean => {
    lastKey.current = now();
    if (props.locked) {
      // Ctrl+C in the admin box is its own (it cancels); anywhere else it opens the box.
      if (key.kind === 'ctrl' && key.letter === 'c' && !lock.asking) {
        leave();
        return true;
      }
      return false;
    }
    if (key.kind === 'ctrl' && key.letter === 'c') {
      if (progress.current?.dirty && !confirmQuit) setConfirmQuit(true);
      else quit();
      return true;
    }
    if (confirmQuit) {
      if (isChar(key, 'y')) quit();
      else setConfirmQuit(false);
      return true;
    }
    return false;
  };

  return (
    <KeyRouter scanSource={props.scanSource} onAnyKey={onAnyKey} onKeysDrawn={props.onKeysDrawn} wedge={props.wedge} now={now} onError={(error) => setKeyError({ error })}>
      {session ? (
        <Desk
          key={session.homeDir}
          session={session}
          now={now}
          size={size}
          scanSource={props.scanSource ?? null}
          confirmQuit={confirmQuit}
          lastKey={lastKey}
          onPractice={() => void props.startPractice?.().then(setSession)}
          onProgress={(p) => (progress.current = p)}
          onQuit={leave}
          testCrash={props.testCrash}
          keyError={keyError}
          clearKeyError={() => setKeyError(null)}
          overlay={lock.asking ? <AdminQuit inventory={session.inventory} now={now} onQuit={quit} onCancel={lock.cancel} /> : null}
        />
      ) : props.unlock ? (
        <Frame header={{ deskId: '-', staff: null, clock: new Date(now()), counts: null, scanner: '', practice: false }} footer={props.locked ? ['[Enter] unlock'] : ['[Enter] unlock', '[Ctrl+C] quit']} width={size.columns} height={size.rows}>
          {lock.note && <Message tone="warn">This kiosk is locked: unlock it first, then an admin can quit it.</Message>}
          <Unlock homeDir={props.homeDir} unlock={async (passphrase, onWait) => setSession(await props.unlock!(passphrase, onWait))} />
        </Frame>
      ) : (
        <Frame header={{ deskId: '-', staff: null, clock: new Date(now()), counts: null, scanner: '', practice: false }} footer={['[p] practice', '[q] quit']} width={size.columns} height={size.rows}>
          {lock.note && <Message tone="warn">This kiosk is locked and has no inventory yet: set it up from an admin shell (stop the service first).</Message>}
          <Welcome
            reason="no-home"
            homeDir={props.homeDir}
            onQuit={leave}
            onPractice={() => {
              void props.startPractice?.().then(setSession);
            }}
          />
        </Frame>
      )}
    </KeyRouter>
  );
}
