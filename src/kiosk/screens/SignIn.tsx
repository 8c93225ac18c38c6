/** Staff sign in with name and PIN. Employees can start a self-check from here without signing in. */
import { Box, Text } from 'ink';
import { useState } from 'react';
import { useSyncState } from '../input/useSyncState.js';
import { Refusal } from '../../core/errors.js';
import { signIn } from '../../services/staff.js';
import type { Actor } from '../../services/actor.js';
import { Message } from '../components/Frame.js';
import { TextField } from '../components/TextField.js';
import { edit, isChar, isKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';
import type { KioskContext } from '../context.js';

export function SignIn({ kiosk, onSignedIn, onSelfCheck, hint }: { kiosk: KioskContext; onSignedIn: (actor: Actor) => void; onSelfCheck: () => void; hint?: string }) {
  const [field, setField, getField] = useSyncState<'name' | 'pin'>('name');
  const [name, setName, getName] = useSyncState('');
  const [pin, setPin, getPin] = useSyncState('');
  const [error, setError] = useState<string | null>(null);

  useKeys((key) => {
    const field = getField();
    const name = getName();
    const pin = getPin();
    if (field === 'name' && name === '' && (isChar(key, '?') || key.kind === 'scan')) return onSelfCheck();
    if (isKey(key, 'tab') || isKey(key, 'shift-tab') || isKey(key, 'down') || isKey(key, 'up')) return setField(field === 'name' ? 'pin' : 'name');
    if (isKey(key, 'escape')) {
      setName('');
      setPin('');
      setField('name');
      return setError(null);
    }
    if (isKey(key, 'enter')) {
      if (field === 'name') return name.trim() ? setField('pin') : undefined;
      try {
        const actor = signIn(kiosk.inventory, { name: name.trim(), pin, now: kiosk.now() });
        setPin('');
        onSignedIn(actor);
      } catch (e) {
        if (!(e instanceof Refusal)) throw e;
        setPin('');
        setError(e.message);
      }
      return;
    }
    if (field === 'name') setName(edit(name, key, { maxLength: 32 }));
    else setPin(edit(pin, key, { maxLength: 12, accept: /[0-9]/ }));
    setError(null);
  });

  return (
    <Box flexDirection="column">
      <Text bold>Staff sign-in</Text>
      <Text> </Text>
      <TextField label="Name" value={name} focused={field === 'name'} />
      <TextField label="PIN" value={pin} focused={field === 'pin'} mask />
      {error && (
        <Box marginTop={1}>
          <Message tone="bad">{error}</Message>
        </Box>
      )}
      {hint && (
        <Box marginTop={1}>
          <Message tone="info">{hint}</Message>
        </Box>
      )}
      <Box marginTop={1}>
        <Text>Employees: press ? (or scan your token) to check that your token still works.</Text>
      </Box>
    </Box>
  );
}
