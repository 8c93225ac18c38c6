/** First run: no home, no tokens or no staff yet. Says exactly what to type next. */
import { Box, Text } from 'ink';
import { isChar } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';
import { commandName } from '../commandName.js';

export type WelcomeReason = 'no-home' | 'no-staff' | 'no-tokens';

export function Welcome({ reason, homeDir, onPractice, onContinue, onQuit, command = commandName() }: { reason: WelcomeReason; homeDir: string; onPractice: () => void; onContinue?: () => void; onQuit: () => void; command?: string }) {
  useKeys((key) => {
    if (isChar(key, 'p')) onPractice();
    else if (isChar(key, 'q')) onQuit();
    else if (isChar(key, 'c') && onContinue) onContinue();
  });
  const home = `--home ${homeDir}`;
  return (
    <Box flexDirection="column">
      <Text bold>Welcome to tokendesk</Text>
      <Text> </Text>
      {reason === 'no-home' && <Text>There is no inventory in {homeDir} yet. To set up this desk, quit and run:</Text>}
      {reason === 'no-staff' && <Text>This desk has no staff accounts yet. Quit and create the first admin:</Text>}
      {reason === 'no-tokens' && <Text>The inventory is empty. Quit and import the seed file the vendor sent with the box:</Text>}
      <Text> </Text>
      {reason === 'no-home' && <Text>  {command} init {home}</Text>}
      {reason !== 'no-tokens' && <Text>  {command} staff add YOURNAME --role admin {home}</Text>}
      <Text>  {command} import SEEDFILE.csv --dry-run {home}   (then again without --dry-run)</Text>
      {command !== 'tokendesk' && <Text>  (or run `npm link` once here to type just `tokendesk`)</Text>}
      <Text> </Text>
      <Text>  [p] try practice mode: 20 practice tokens, nothing touches a real inventory</Text>
      {onContinue && <Text>  [c] continue to sign-in anyway</Text>}
      <Text>  [q] quit</Text>
    </Box>
  );
}
