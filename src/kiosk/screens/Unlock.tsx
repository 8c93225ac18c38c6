/**
 * Passphrase mode: the seeds stay locked until an admin types the passphrase at the start of the
 * day. The key is then held in memory only; quitting the kiosk locks the desk again.
 */
import { Box, Text } from 'ink';
import { useState } from 'react';
import { Refusal } from '../../core/errors.js';
import { Message } from '../components/Frame.js';
import { TextField } from '../components/TextField.js';
import { edit, isKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';
import { useSyncState } from '../input/useSyncState.js';

export function Unlock({ homeDir, unlock }: { homeDir: string; unlock: (passphrase: string, onWait: (ms: number) => void) => Promise<void> }) {
  const [passphrase, setPassphrase, getPassphrase] = useSyncState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useKeys((key) => {
    if (busy) return;
    if (isKey(key, 'enter')) {
      const typed = getPassphrase();
      if (!typed) return;
      setPassphrase('');
      setError(null);
      setBusy('Unlocking…');
      unlock(typed, (ms) => setBusy(`Wrong passphrases before: waiting ${Math.ceil(ms / 1000)} s before trying…`)).catch((e: unknown) => {
        setBusy(null);
        if (e instanceof Refusal) setError(e.message);
        else setError(`could not unlock: ${(e as Error).message}`);
      });
      return;
    }
    if (isKey(key, 'escape')) return setPassphrase('');
    setPassphrase(edit(getPassphrase(), key, { maxLength: 1024 }));
  });

  return (
    <Box flexDirection="column">
      <Text bold>This desk is locked</Text>
      <Text> </Text>
      <Text>The seeds in {homeDir} are protected by a passphrase. An admin types it to open the desk for the day.</Text>
      <Text> </Text>
      <TextField label="Passphrase" value={passphrase} focused={!busy} mask width={40} />
      {busy && <Text>{busy}</Text>}
      {error && <Message tone="bad">{error}</Message>}
    </Box>
  );
}
