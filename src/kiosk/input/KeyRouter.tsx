/**
 * The one place Ink input is read. Printable input goes through the keyboard-wedge detector (a
 * burst faster than anyone types, ending in Enter, is a scan) unless the scan source says keystrokes
 * are never scans (`--scanner off`); scans from a HID scanner come in through the same door, and
 * every scan from either path passes one duplicate guard (a keyboard-mode scanner read over hidraw
 * delivers each barcode twice). Everything is delivered to the top handler only (a modal over a screen).
 */
import { useStdin } from 'ink';
import { createContext, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { DuplicateScanGuard, WedgeDetector, type ScanEvent, type ScanSource, type WedgeOutput } from '../../scanner/index.js';
import type { KioskKey } from './keys.js';
import { TerminalParser, type TerminalToken } from './terminalParser.js';

/** How long a lone Esc (or a sequence cut off mid-way) waits for the rest before it is settled. */
const ESCAPE_WAIT_MS = 25;

type Handler = (key: KioskKey) => void;

interface Router {
  push(handler: { current: Handler }): () => void;
}

const RouterContext = createContext<Router | null>(null);

export interface KeyRouterProps {
  children: ReactNode;
  /**
   * HID or replay scans (the wedge detector covers keystroke scans). Its `keystrokeScans` decides
   * whether keystroke bursts may be scans at all: false for `--scanner off`.
   */
  scanSource?: ScanSource | null;
  /** Seen before any handler: global keys (Ctrl+C), the idle timer. Return true to stop there. */
  onAnyKey?: (key: KioskKey) => boolean;
  /**
   * Told how many keys were delivered so far, once the redraw they caused is committed: tests wait
   * for this instead of sleeping (React draws an update a turn or more after the key).
   */
  onKeysDrawn?: (count: number) => void;
  /** Wedge detection; tests that type fast turn it off. */
  wedge?: { maxKeyGapMs?: number; minScanLength?: number } | false;
  now?: () => number;
  /**
   * A key handler threw. Error boundaries do not see errors thrown outside rendering, so without
   * this the error would escape Ink's stdin listener and end the process.
   */
  onError?: (error: unknown) => void;
}

export function KeyRouter({ children, scanSource, onAnyKey, onKeysDrawn, wedge, now = Date.now, onError }: KeyRouterProps) {
  const stack = useRef<Array<{ current: Handler }>>([]);
  const onAny = useRef(onAnyKey);
  onAny.current = onAnyKey;
  const drawn = useRef(onKeysDrawn);
  drawn.current = onKeysDrawn;
  const failed = useRef(onError);
  failed.current = onError;
  // Counted only when someone listens: the count's own re-render lands in the same commit as (or
  // after) whatever the key changed, so its layout effect means "the key's redraw is done".
  const [delivered, setDelivered] = useState(0);
  useLayoutEffect(() => {
    if (delivered > 0) drawn.current?.(delivered);
  }, [delivered]);
  // Keyed on the values, not the object: `wedge={{ maxKeyGapMs: 20 }}` would otherwise build a new
  // detector on every render and drop the characters the old one held.
  const wedgeOn = wedge !== false && scanSource?.keystrokeScans !== false;
  const maxKeyGapMs = wedge === false ? undefined : wedge?.maxKeyGapMs;
  const minScanLength = wedge === false ? undefined : wedge?.minScanLength;
  const detector = useMemo(
    () =>
      wedgeOn
        ? new WedgeDetector({ ...(maxKeyGapMs !== undefined && { maxKeyGapMs }), ...(minScanLength !== undefined && { minScanLength }) })
        : null,
    [wedgeOn, maxKeyGapMs, minScanLength],
  );
  const guard = useMemo(() => new DuplicateScanGuard(), []);
  const timer = useRef<NodeJS.Timeout | null>(null);

  const deliver = useCallback((key: KioskKey) => {
    try {
      if (onAny.current?.(key)) return;
      stack.current.at(-1)?.current(key);
    } catch (error) {
      if (!failed.current) throw error;
      failed.current(error);
    } finally {
      if (drawn.current) setDelivered((n) => n + 1);
    }
  }, []);

  const deliverWedge = useCallback(
    (outputs: WedgeOutput[]) => {
      for (const out of outputs) {
        // One key per character: a menu compares single keys, and two keys a fast typist (or a
        // busy machine) delivers together must still be two choices, not one unknown string.
        if (out.kind === 'typing') for (const char of out.text) deliver({ kind: 'text', text: char });
        else if (out.kind === 'enter') deliver({ kind: 'key', name: 'enter' });
        else if (guard.admit(out.scan)) deliver({ kind: 'scan', text: out.scan.text });
      }
    },
    [deliver, guard],
  );

  const schedule = useCallback(() => {
    if (!detector) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    const at = detector.releaseAt;
    if (at === undefined) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      deliverWedge(detector.tick(now()));
      // A timer may fire a millisecond before releaseAt by the clock tick() reads: then nothing was
      // released, and without a new timer the typed character would wait for the next key.
      schedule();
    }, Math.max(0, at - now()));
  }, [detector, deliverWedge, now]);

  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);

  // Ink's useInput is not used: it crashes on some escape sequences and types others as text. The
  // raw chunks Ink reads go through the terminal parser instead (see terminalParser.ts).
  const parser = useMemo(() => new TerminalParser(), []);
  const escapeTimer = useRef<NodeJS.Timeout | null>(null);

  const deliverToken = useCallback(
    (token: TerminalToken) => {
      if (token.kind === 'paste') {
        // Typed text, never a scan: release held typing first so the order is kept.
        if (detector) deliverWedge(detector.tick(Number.MAX_SAFE_INTEGER));
        for (const char of token.text) deliver({ kind: 'text', text: char });
        return;
      }
      if (token.kind === 'text') {
        if (detector) deliverWedge(detector.feed(token.text, now()));
        else for (const char of token.text) deliver({ kind: 'text', text: char });
        return;
      }
      if (token.kind === 'key' && token.name === 'enter' && detector) {
        deliverWedge(detector.feed('\r', now()));
        return;
      }
      if (detector) deliverWedge(detector.tick(Number.MAX_SAFE_INTEGER));
      deliver(token);
    },
    [detector, deliverWedge, deliver, now],
  );

  const onChunk = useCallback(
    (chunk: string) => {
      if (escapeTimer.current) clearTimeout(escapeTimer.current);
      escapeTimer.current = null;
      for (const token of parser.push(chunk)) deliverToken(token);
      schedule();
      if (parser.pending) {
        escapeTimer.current = setTimeout(() => {
          escapeTimer.current = null;
          for (const token of parser.flush()) deliverToken(token);
          schedule();
        }, ESCAPE_WAIT_MS);
      }
    },
    [parser, deliverToken, schedule],
  );
  const onChunkRef = useRef(onChunk);
  onChunkRef.current = onChunk;

  const { setRawMode, isRawModeSupported, internal_eventEmitter: inkInput } = useStdin();
  useEffect(() => {
    if (isRawModeSupported) setRawMode(true);
    const listener = (chunk: unknown) => {
      if (typeof chunk === 'string') onChunkRef.current(chunk);
      else if (Buffer.isBuffer(chunk)) onChunkRef.current(chunk.toString('utf8'));
    };
    inkInput.on('input', listener);
    return () => {
      inkInput.off('input', listener);
      if (escapeTimer.current) clearTimeout(escapeTimer.current);
      if (isRawModeSupported) setRawMode(false);
    };
  }, [inkInput, isRawModeSupported, setRawMode]);

  // Layout effect: subscribed when the first frame is committed, so a replay source that starts
  // playing right after render() does not lose its first scans to a not-yet-run passive effect.
  useLayoutEffect(() => {
    if (!scanSource) return;
    return scanSource.onScan((scan: ScanEvent) => {
      if (guard.admit(scan)) deliver({ kind: 'scan', text: scan.text });
    });
  }, [scanSource, deliver, guard]);

  const router = useMemo<Router>(
    () => ({
      push(handler) {
        stack.current.push(handler);
        return () => {
          stack.current = stack.current.filter((h) => h !== handler);
        };
      },
    }),
    [],
  );
  return <RouterContext.Provider value={router}>{children}</RouterContext.Provider>;
}

/** Receive keys while mounted (and active); the most recently mounted handler wins. */
export function useKeys(handler: Handler, active = true): void {
  const router = useContext(RouterContext);
  const ref = useRef(handler);
  ref.current = handler;
  // Layout effect: the handler is in place as soon as the screen is committed, so a key typed right
  // after a screen change reaches the new screen, not the one that just left.
  useLayoutEffect(() => {
    if (!router || !active) return;
    return router.push(ref);
  }, [router, active]);
}
