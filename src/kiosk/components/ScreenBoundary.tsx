/**
 * Crashes that must not drop a kiosk to a shell. A screen that throws (while drawing, or in a key
 * handler: the key router hands those here) is caught by ScreenBoundary: the desk signs out and
 * goes back to sign-in with a plain note. The note names only the kind of error, never its message:
 * a message may hold a UPN or a code. FatalBoundary, around the whole app, catches the rest so the
 * kiosk can leave with its own exit status (70) instead of Ink printing the error on screen.
 */
import { Component, useRef, useState, type ReactNode } from 'react';
import { Refusal } from '../../core/errors.js';

/** What may be shown about an error: its class (or a Refusal's code), nothing from its message. */
export function describeCrash(error: unknown): string {
  if (error instanceof Refusal && /^[a-z0-9-]+$/.test(error.code)) return error.code;
  const name = error instanceof Error ? error.name : typeof error;
  return /^[A-Za-z]{1,40}$/.test(name) ? name : 'Error';
}

export class ScreenBoundary extends Component<{ children: ReactNode; onCrash: (kind: string) => void }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }
  override componentDidCatch(error: unknown): void {
    this.props.onCrash(describeCrash(error));
  }
  override render(): ReactNode {
    return this.state.failed ? null : this.props.children;
  }
}

export class FatalBoundary extends Component<{ children: ReactNode; onFatal: (error: unknown) => void }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }
  override componentDidCatch(error: unknown): void {
    this.props.onFatal(error);
  }
  override render(): ReactNode {
    return this.state.failed ? null : this.props.children;
  }
}

/** Throws an error that came from outside React (a key handler) where a boundary can catch it. */
export function Rethrow({ error }: { error: unknown }): never {
  throw error;
}

/**
 * Test hook (TOKENDESK_TEST_CRASH=screen): the menu throws while `when` holds (the desk turns it
 * off once its boundary caught it; React draws a failed screen twice before giving up on it), with
 * a UPN and a code in its message, so tests can show the boundary works and shows neither.
 */
export function TestCrash({ when }: { when: boolean }): null {
  if (when) throw new TypeError('test crash for j.doe@example.com with code 123456');
  return null;
}

/**
 * The desk's side of ScreenBoundary: `count` keys the boundary (a new one after each crash), and
 * `onCrash` passes a note for the sign-in screen to `recover`. Three crashes within ten seconds
 * (sign-in itself broken) throw to the fatal boundary instead: the service starts a fresh process.
 */
export function useScreenCrash(recover: (hint: string) => void): { count: number; onCrash: (kind: string) => void; testCrashed: boolean } {
  const [count, setCount] = useState(0);
  const times = useRef<number[]>([]);
  const [loop, setLoop] = useState(false);
  if (loop) throw new Error('the kiosk screens kept crashing');
  return {
    count,
    testCrashed: count > 0,
    onCrash(kind) {
      const at = Date.now();
      times.current = [...times.current.filter((t) => at - t < 10_000), at];
      if (times.current.length >= 3) return setLoop(true);
      setCount((n) => n + 1);
      recover(`Something went wrong on that screen (${kind}), so the desk went back to sign-in. Sign in again; if it happens again, tell an admin.`);
    },
  };
}
