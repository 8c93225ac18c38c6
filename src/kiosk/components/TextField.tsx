/** A one-line field: label, value (or dots for a PIN), a cursor block when focused. */
import { Box, Text } from 'ink';
import { colourOf } from './theme.js';

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
  const shown = mask ? '•'.repeat(value.length) : value;
  const visible = shown.length > width - 1 ? `…${shown.slice(shown.length - width + 2)}` : shown;
  return (
    <Box>
      <Text bold={focused}>{`${focused ? '›' : ' '} ${label.padEnd(12)} `}</Text>
      <Text inverse={false}>
        {visible.length > 0 ? visible : <Text color={colourOf('dim')}>{placeholder ?? ''}</Text>}
        {focused ? <Text inverse> </Text> : null}
      </Text>
    </Box>
  );
}
