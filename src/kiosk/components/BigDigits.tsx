/** The code being typed in large digits (3 rows high), readable from a step back. */
import { Box, Text } from 'ink';

const GLYPHS: Record<string, [string, string, string]> = {
  '0': ['┌─┐', '│ │', '└─┘'],
  '1': [' ┐ ', ' │ ', ' ┴ '],
  '2': ['┌─┐', '┌─┘', '└─┘'],
  '3': ['┌─┐', ' ─┤', '└─┘'],
  '4': ['┐ ┐', '└─┤', '  ┴'],
  '5': ['┌─┐', '└─┐', '└─┘'],
  '6': ['┌─┐', '├─┐', '└─┘'],
  '7': ['┌─┐', '  │', '  ┴'],
  '8': ['┌─┐', '├─┤', '└─┘'],
  '9': ['┌─┐', '└─┤', '└─┘'],
  _: ['   ', '   ', '───'],
};

/** The three text rows that draw `value` in a field of `length` digits (blanks as underscores). */
export function bigDigitRows(value: string, length: number): [string, string, string] {
  const chars = [...value.padEnd(length, '_')].slice(0, Math.max(length, value.length));
  const row = (n: 0 | 1 | 2) => chars.map((c) => (GLYPHS[c] ?? GLYPHS._!)[n]).join(' ');
  return [row(0), row(1), row(2)];
}

export function BigDigits({ value, length }: { value: string; length: number }) {
  const rows = bigDigitRows(value, length);
  return (
    <Box flexDirection="column">
      {rows.map((row, i) => (
        <Text key={i}>{row}</Text>
      ))}
    </Box>
  );
}

/** A bar for the current time step: how long the code on the token stays valid. */
export function StepProgress({ now, period, width = 30 }: { now: number; period: number; width?: number }) {
  const into = (now / 1000) % period;
  const filled = Math.round((into / period) * width);
  const left = Math.ceil(period - into);
  return (
    <Text>
      {'█'.repeat(filled)}
      {'░'.repeat(width - filled)} {String(left).padStart(2)} s left in this {period} s window
    </Text>
  );
}
