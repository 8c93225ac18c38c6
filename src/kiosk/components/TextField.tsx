/**
 * A one-line field: label, value (dots for a PIN), a cursor block when focused.
 *
 * ink-text-input draws the value and its mask, controlled: its own key handling stays off
 * (focus={false}). It reads Ink's stdin itself, where it would take a keyboard-wedge scanner's burst
 * as typed text and drop keys that arrive before a redraw (test/kiosk/keyRouter.test.tsx shows
 * both). The key router owns every key: a scan reaches the scan handler, typing reaches the screen's
 * state, and the field shows that state.
 */
import { Box, Text } from 'ink';
import TextInput from 'ink-text-input';
import { colourOf } from './theme.js';

const ignore = () => {};

export function TextField({
  label,
  value,
  focused,
  mask,
  placeholder,
  width = 40,
}: {
  label: string;
  value: string;
  focused: boolean;
  mask?: boolean;
  placeholder?: string;
  width?: number;
}) {
  // The end of a long value stays in view, where the typing happens.
  const visible = value.length > width - 1 ? value.slice(value.length - width + 2) : value;
  return (
    <Box>
      <Text bold={focused}>{`${focused ? '›' : ' '} ${label.padEnd(12)} `}</Text>
      {visible !== value && <Text>…</Text>}
      {value.length > 0 ? (
        <TextInput value={visible} mask={mask ? '•' : undefined} focus={false} showCursor={false} onChange={ignore} />
      ) : (
        <Text color={colourOf('dim')}>{placeholder ?? ''}</Text>
      )}
      {focused ? <Text inverse> </Text> : null}
    </Box>
  );
}
