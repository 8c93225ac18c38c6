/** Practice mode only: what the practice token would show right now, as if it were in your hand. */
import { Box, Text } from 'ink';
import { codeAt } from '../../core/totp.js';
import { PRACTICE_STAFF } from '../practice.js';

/** `compact`: one line under the screen, for terminals too narrow for the side panel (80x24). */
export function PracticePanel({ seeds, serial, now, compact }: { seeds: Map<string, Uint8Array>; serial: string | null; now: number; compact?: boolean }) {
  const seed = serial ? seeds.get(serial) : undefined;
  const left = 30 - Math.floor((now / 1000) % 30);
  if (compact) {
    return seed && serial ? (
      <Text wrap="truncate">
        Practice: token {serial} <Text bold>shows code {codeAt({ secret: seed, algorithm: 'SHA1', digits: 6, period: 30 }, now)}</Text> · new code in {left} s
      </Text>
    ) : null;
  }
  return (
    <Box flexDirection="column" borderStyle="single" paddingX={1} width={30} flexShrink={0}>
      <Text bold>Practice</Text>
      <Text>Sign in: {PRACTICE_STAFF.name} / {PRACTICE_STAFF.pin}</Text>
      <Text>Tokens: 9900000000001..20</Text>
      <Text> </Text>
      {seed && serial ? (
        <>
          <Text>Token {serial}</Text>
          <Text bold>shows code {codeAt({ secret: seed, algorithm: 'SHA1', digits: 6, period: 30 }, now)}</Text>
          <Text>new code in {left} s</Text>
        </>
      ) : (
        <Text>The live code appears here at the Verify step.</Text>
      )}
    </Box>
  );
}
