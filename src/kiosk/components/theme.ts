/**
 * Colour is a help, never the only carrier of meaning: every status also has a word or a symbol.
 * NO_COLOR (https://no-color.org) switches colour off entirely.
 */
export const useColour = !('NO_COLOR' in process.env) || process.env.NO_COLOR === '';

export type Tone = 'ok' | 'bad' | 'warn' | 'info' | 'dim';

const COLOURS: Record<Tone, string> = { ok: 'green', bad: 'red', warn: 'yellow', info: 'cyan', dim: 'gray' };

export function colourOf(tone: Tone | undefined): string | undefined {
  if (!useColour || !tone) return undefined;
  return COLOURS[tone];
}
