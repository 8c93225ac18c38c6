/**
 * What a screen receives: typed text, a named key, or a scan. The root turns the terminal's raw
 * input into these (terminalParser.ts, then the keyboard-wedge split of bursts from typing);
 * screens never read input themselves, so only one handler ever sees a key.
 */
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
