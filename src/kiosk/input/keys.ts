/**
 * What a screen receives: typed text, a named key, or a scan. The root turns Ink's raw input into
 * these (splitting keyboard-wedge bursts from typing); screens never call useInput themselves, so
 * only one handler ever sees a key.
 */
import type { Key } from 'ink';

export type NamedKey =
  | 'enter'
  | 'escape'
  | 'tab'
  | 'shift-tab'
  | 'backspace'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'pageup'
  | 'pagedown'
  | 'home'
  | 'end';

export type KioskKey =
  | { kind: 'text'; text: string }
  | { kind: 'key'; name: NamedKey }
  | { kind: 'ctrl'; letter: string }
  | { kind: 'scan'; text: string };

/** Ink's (input, key) for a non-text key, or null when it is text for the wedge detector. */
export function namedKey(input: string, key: Key): KioskKey | null {
  if (key.ctrl && input.length === 1) return { kind: 'ctrl', letter: input.toLowerCase() };
  if (key.return) return { kind: 'key', name: 'enter' };
  if (key.escape) return { kind: 'key', name: 'escape' };
  if (key.tab) return { kind: 'key', name: key.shift ? 'shift-tab' : 'tab' };
  if (key.backspace || key.delete) return { kind: 'key', name: 'backspace' };
  if (key.upArrow) return { kind: 'key', name: 'up' };
  if (key.downArrow) return { kind: 'key', name: 'down' };
  if (key.leftArrow) return { kind: 'key', name: 'left' };
  if (key.rightArrow) return { kind: 'key', name: 'right' };
  if (key.pageUp) return { kind: 'key', name: 'pageup' };
  if (key.pageDown) return { kind: 'key', name: 'pagedown' };
  if (key.home) return { kind: 'key', name: 'home' };
  if (key.end) return { kind: 'key', name: 'end' };
  if (input === '') return null;
  return null;
}

/** Applies typing and backspace to a field's value; other keys leave it alone. */
export function edit(value: string, key: KioskKey, options: { maxLength?: number; accept?: RegExp } = {}): string {
  if (key.kind === 'text') {
    const chars = [...key.text].filter((c) => c >= ' ' && (!options.accept || options.accept.test(c))).join('');
    const next = value + chars;
    return options.maxLength ? next.slice(0, options.maxLength) : next;
  }
  if (key.kind === 'key' && key.name === 'backspace') return value.slice(0, -1);
  if (key.kind === 'ctrl' && key.letter === 'u') return '';
  return value;
}

export const isKey = (key: KioskKey, name: NamedKey): boolean => key.kind === 'key' && key.name === name;
export const isChar = (key: KioskKey, char: string): boolean => key.kind === 'text' && key.text.toLowerCase() === char;
