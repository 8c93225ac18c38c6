/**
 * The signed-in desk under the kiosk's root: which screen is up, who is signed in, the header with
 * its counts and warnings, the idle sign-out, and the screen boundary a crashing screen falls into.
 */
import { Box } from 'ink';
import { useCallback, useMemo, useState, useEffect, type ReactNode } from 'react';
import { inventoryCounts } from '../services/deskTools.js';
import { hasStaff, signOut } from '../services/staff.js';
import { rosterSize } from '../services/roster.js';
import type { Actor } from '../services/actor.js';
import type { ScanSource } from '../scanner/index.js';
import type { Inventory } from '../services/home.js';
import { hasAnyToken } from '../services/tokens.js';
import { lifecycle } from '../services/home.js';
import { Frame, Message } from './components/Frame.js';
import { PracticePanel } from './components/PracticePanel.js';
import { Rethrow, ScreenBoundary, TestCrash, useScreenCrash } from './components/ScreenBoundary.js';
import { idleText, useClock, useScannerStatus } from './hooks/terminal.js';
import { ADMIN_QUIT_KEYS } from './screens/AdminQuit.js';
import { FooterKeysContext } from './hooks/useFooterKeys.js';
import type { KioskContext } from './context.js';
import type { PracticeHome } from './practice.js';
import { Batches } from './screens/Batches.js';
import { Imports } from './screens/Imports.js';
import { HandOut, type HandOutProgress } from './screens/HandOut.js';
import { Menu, type MenuChoice } from './screens/Menu.js';
import { SelfCheck } from './screens/SelfCheck.js';
import { SignIn } from './screens/SignIn.js';
import { Today } from './screens/Today.js';
import { Welcome, type WelcomeReason } from './screens/Welcome.js';
import { Holders } from './screens/Holders.js';
import { ReturnToken } from './screens/ReturnToken.js';

export interface KioskSession {
  inventory: Inventory;
  homeDir: string;
  practice: PracticeHome | null;
}

type Screen =
  | { name: 'welcome'; reason: WelcomeReason }
  | { name: 'sign-in'; hint?: string }
  | { name: 'menu' }
  | { name: 'hand-out'; replacing?: { upn: string; assignmentId: number } }
  | { name: 'return' }
  | { name: 'holders' }
  | { name: 'today' }
  | { name: 'imports' }
  | { name: 'batches' }
  | { name: 'self-check'; back: 'sign-in' | 'menu' };

export function Desk({
  session,
  now,
  size,
  scanSource,
  confirmQuit,
  lastKey,
  onPractice,
  onProgress,
  onQuit,
  testCrash,
  keyError,
  clearKeyError,
  overlay,
}: {
  testCrash?: string;
  keyError: { error: unknown } | null;
  clearKeyError: () => void;
  overlay: ReactNode;
  onPractice: () => void;
  lastKey: { current: number };
  session: KioskSession;
  now: () => number;
  size: { columns: number; rows: number };
  scanSource: ScanSource | null;
  confirmQuit: boolean;
  onProgress: (p: HandOutProgress | null) => void;
  onQuit: () => void;
}) {
  const { inventory, practice } = session;
  const [version, setVersion] = useState(0);
  const changed = useCallback(() => setVersion((v) => v + 1), []);
  const kiosk: KioskContext = useMemo(() => ({ inventory, now, changed, rosterSize: rosterSize(inventory) }), [inventory, now, changed]);
  const [actor, setActor] = useState<Actor | null>(null);
  const [screen, setScreen] = useState<Screen>(() => firstScreen(inventory, practice !== null));
  const [practiceSerial, setPracticeSerial] = useState<string | null>(null);
  // Keys the current screen offers itself (null: the root's list for the screen).
  const [screenKeys, setScreenKeys] = useState<string[] | null>(null);
  const clock = useClock(now);
  const counts = useMemo(() => inventoryCounts(inventory, { now: now() }), [inventory, version, Math.floor(clock / 30_000)]);
  const scanner = useScannerStatus(scanSource);
  // Lifecycle (issue 13): the kiosk's own clock, judged by recent code checks; re-read when something changed.
  const clockWarning = useMemo(() => lifecycle.kioskClockSuspicion(inventory, now())?.message ?? null, [inventory, version, Math.floor(clock / 60_000)]);
  const setAside = useMemo(() => lifecycle.setAsideCounts(inventory), [inventory, version]);

  const signOutNow = useCallback(
    (hint?: string) => {
      if (actor) signOut(inventory, actor, { now: now() });
      setActor(null);
      onProgress(null);
      setScreen({ name: 'sign-in', hint });
    },
    [actor, inventory, now, onProgress],
  );

  // Idle: back to sign-in, and every name and UPN leaves the screen with the unmounted wizard.
  const idleMs = inventory.settings.idleMinutes * 60_000;
  useEffect(() => {
    if (!actor || idleMs === 0) return;
    const timer = setInterval(() => {
      if (now() - lastKey.current >= idleMs) signOutNow(`signed out after ${idleText(inventory.settings.idleMinutes)} without a key press`);
    }, 1000);
    return () => clearInterval(timer);
  }, [actor, idleMs, now, signOutNow, inventory.settings.idleMinutes]);
  const touch = () => {
    lastKey.current = now();
  };

  const choose = (choice: MenuChoice) => {
    touch();
    if (choice === 'quit') return onQuit();
    if (choice === 'sign-out') return signOutNow();
    if (choice === 'self-check') return setScreen({ name: 'self-check', back: 'menu' });
    setScreen({ name: choice } as Screen);
  };

  const reportProgress = useCallback(
    (p: HandOutProgress) => {
      touch();
      onProgress(p);
    },
    [onProgress],
  );

  const footer = overlay ? ADMIN_QUIT_KEYS : (screenKeys ?? footerFor(screen));
  // A screen that threw: sign out (its names and UPNs leave with it) and start again at sign-in.
  const crash = useScreenCrash((hint) => {
    clearKeyError();
    try {
      signOutNow(hint);
    } catch {
      setActor(null);
      setScreen({ name: 'sign-in', hint });
    }
  });
  const panel = practice !== null && size.columns >= 100;
  const body = (() => {
    switch (screen.name) {
      case 'welcome':
        return (
          <Welcome
            reason={screen.reason}
            homeDir={session.homeDir}
            onQuit={onQuit}
            onPractice={onPractice}
            onContinue={screen.reason === 'no-tokens' ? () => setScreen({ name: 'sign-in' }) : undefined}
          />
        );
      case 'sign-in':
        return (
          <SignIn
            kiosk={kiosk}
            hint={screen.hint ?? (practice ? 'practice mode: sign in as practice, PIN 1234' : undefined)}
            onSelfCheck={() => setScreen({ name: 'self-check', back: 'sign-in' })}
            onSignedIn={(a) => {
              touch();
              setActor(a);
              setScreen({ name: 'menu' });
            }}
          />
        );
      case 'menu':
        return actor ? (
          <>
            <TestCrash when={testCrash === 'screen' && !crash.testCrashed} />
            <Menu actor={actor} onChoose={choose} />
          </>
        ) : null;
      case 'hand-out':
        return actor ? (
          <HandOut
            kiosk={kiosk}
            actor={actor}
            replacing={screen.replacing}
            onProgress={reportProgress}
            onPracticeToken={practice ? setPracticeSerial : undefined}
            onExit={() => {
              onProgress(null);
              setScreen({ name: 'menu' });
            }}
          />
        ) : null;
      case 'return':
        return actor ? (
          <ReturnToken kiosk={kiosk} actor={actor} onExit={() => setScreen({ name: 'menu' })} onReplace={(replacing) => setScreen({ name: 'hand-out', replacing })} />
        ) : null;
      case 'holders':
        return actor ? <Holders kiosk={kiosk} actor={actor} rows={size.rows - 12} onExit={() => setScreen({ name: 'menu' })} /> : null;
      case 'today':
        return actor ? <Today kiosk={kiosk} actor={actor} rows={size.rows - 12} onExit={() => setScreen({ name: 'menu' })} /> : null;
      case 'imports':
        return actor ? <Imports kiosk={kiosk} actor={actor} rows={size.rows - 12} onExit={() => setScreen({ name: 'menu' })} /> : null;
      case 'batches':
        return actor ? <Batches kiosk={kiosk} actor={actor} rows={size.rows - 10} onExit={() => setScreen({ name: 'menu' })} /> : null;
      case 'self-check':
        return <SelfCheck kiosk={kiosk} onPracticeToken={practice ? setPracticeSerial : undefined} onExit={() => setScreen(screen.back === 'menu' && actor ? { name: 'menu' } : { name: 'sign-in' })} />;
    }
  })();

  return (
    <Frame
      header={{ deskId: inventory.deskId, staff: actor ? `${actor.name} (${actor.role})` : null, clock: new Date(clock), counts, scanner, practice: practice !== null, clockWarning, setAside }}
      footer={confirmQuit ? ['[y] quit and lose this hand-out', '[any other key] stay'] : footer}
      width={size.columns}
      height={size.rows}
    >
      <Box flexDirection="row">
        <Box flexDirection="column" flexGrow={1}>
          {confirmQuit && <Message tone="warn">A hand-out is in progress. Quit anyway? [y/N]</Message>}
          {overlay}
          <FooterKeysContext.Provider value={setScreenKeys}>
            <ScreenBoundary key={crash.count} onCrash={crash.onCrash}>
              {keyError ? <Rethrow error={keyError.error} /> : body}
            </ScreenBoundary>
          </FooterKeysContext.Provider>
        </Box>
        {panel && practice && <PracticePanel seeds={practice.seeds} serial={practiceSerial} now={clock} />}
      </Box>
      {practice !== null && !panel && practiceSerial && (
        <PracticePanel seeds={practice.seeds} serial={practiceSerial} now={clock} compact />
      )}
    </Frame>
  );
}

function firstScreen(inventory: Inventory, practice: boolean): Screen {
  if (!practice && !hasStaff(inventory)) return { name: 'welcome', reason: 'no-staff' };
  if (!practice && inventoryCounts(inventory).inStock === 0 && !hasAnyToken(inventory)) return { name: 'welcome', reason: 'no-tokens' };
  return { name: 'sign-in' };
}

function footerFor(screen: Screen): string[] {
  switch (screen.name) {
    case 'welcome':
      return ['[p] practice', '[q] quit'];
    case 'sign-in':
      return ['[Tab] next field', '[Enter] sign in', '[?] employee self-check', '[Ctrl+C] quit'];
    case 'menu':
      return ['[h] hand out', '[t] today', '[c] self-check', '[r] return', '[s] sign out', '[q] quit'];
    case 'return':
    case 'holders':
    case 'hand-out':
    case 'today':
    case 'batches':
      // These screens offer their keys themselves (useFooterKeys): only what their state allows.
      return ['[Esc] back'];
    case 'self-check':
      return ['[Enter] next', '[Esc] done'];
    case 'imports':
      return ['[n] new import', '[Tab] next field', '[Enter] preview', '[y] confirm', '[Esc] back'];
  }
}
