/**
 * Passphrase mode: the seeds stay locked until an admin types the passphrase at the start of the
 * day. The key is then held in memory only; quitting the kiosk locks the desk again.
 */
import { Box, Text } from 'ink';
import { Refusal } from '../../core/errors.js';
import { Message } from '../components/Frame.js';
import { TextField } from '../components/TextField.js';
import { FIELD_LIMITS } from '../fieldLimits.js';
import { useScreenReducer } from '../hooks/screenState.js';
import { edit, isKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';

interface UnlockState {
  passphrase: string;
  /** What the desk is waiting for, while an unlock runs. */
  busy: string | null;
  error: string | null;
}

const unlockReducer = (state: UnlockState, event: Partial<UnlockState>): UnlockState => ({ ...state, ...event });

export function Unlock({ homeDir, unlock }: { homeDir: string; unlock: (passphrase: string, onWait: (ms: number) => void) => Promise<void> }) {
  const [state, dispatch, get] = useScreenReducer(unlockReducer, { passphrase: '', busy: null, error: null });

  useKeys((key) => {
    const { passphrase, busy } = get();
    if (busy) return;
    if (isKey(key, 'enter')) {
      if (!passphrase) return;
      dispatch({ passphrase: '', error: null, busy: 'Unlocking…' });
      unlock(passphrase, (ms) => dispatch({ busy: `Wrong passphrases before: waiting ${Math.ceil(ms / 1000)} s before trying…` })).catch((e: unknown) => {
        dispatch({ busy: null, error: e instanceof Refusal ? e.message : `could not unlock: ${(e as Error).message}` });
      });
      return;
    }
    if (isKey(key, 'escape')) return dispatch({ passphrase: '' });
    dispatch({ passphrase: edit(passphrase, key, { maxLength: FIELD_LIMITS.passphrase }) });
  });

  return (
    <Box flexDirection="column">
      <Text bold>This desk is locked</Text>
      <Text> </Text>
      <Text>The seeds in {homeDir} are protected by a passphrase. An admin types it to open the desk for the day.</Text>
      <Text> </Text>
      <TextField label="Passphrase" value={state.passphrase} focused={!state.busy} mask width={40} />
      {state.busy && <Text>{state.busy}</Text>}
      {state.error && <Message tone="bad">{state.error}</Message>}
    </Box>
  );
}
