/** First run: no home, no tokens or no staff yet. Says exactly what to type next. */
import { Box, Text } from 'ink';
import { currentCliName } from '../cliName.js';
import { isChar } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';

export type WelcomeReason = 'no-home' | 'no-staff' | 'no-tokens';

export function Welcome({
  reason,
  homeDir,
  onPractice,
  onContinue,
  onQuit,
  cli = currentCliName(),
}: {
  reason: WelcomeReason;
  homeDir: string;
  onPractice: () => void;
  onContinue?: () => void;
  onQuit: () => void;
  /** The command as it can be typed from here (cliName.ts): `tokendesk`, `npx tokendesk`, ... */
  cli?: string;
}) {
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
      {reason === 'no-home' && <Text>  {cli} init {home}</Text>}
      {reason !== 'no-tokens' && <Text>  {cli} staff add YOURNAME --role admin {home}</Text>}
      <Text>  {cli} import SEEDFILE.csv --dry-run {home}   (then again without --dry-run)</Text>
      <Text> </Text>
      <Text>  [p] try practice mode: 20 practice tokens, nothing touches a real inventory</Text>
      {onContinue && <Text>  [c] continue to sign-in anyway</Text>}
      <Text>  [q] quit</Text>
    </Box>
  );
}
