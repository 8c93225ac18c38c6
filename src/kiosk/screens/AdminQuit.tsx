/**
 * Quitting a locked kiosk: an admin's name and PIN, checked like a sign-in (counted, locked out
 * after too many tries, audited). Esc or Ctrl+C goes back to where the kiosk was; nothing else
 * leaves the app. Drawn over the screen below, which keeps its state and gets no keys meanwhile.
 */
import { Box, Text } from 'ink';
import { Refusal } from '../../core/errors.js';
import { signIn, signOut } from '../../services/staff.js';
import type { Inventory } from '../../services/home.js';
import { Message } from '../components/Frame.js';
import { TextField } from '../components/TextField.js';
import { FIELD_LIMITS } from '../fieldLimits.js';
import { useScreenReducer } from '../hooks/screenState.js';
import { useCallback, useState } from 'react';
import { edit, isKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';
import { signInReducer, SIGN_IN_START } from './SignIn.js';

/** The footer while the box is up (the root draws it: the screen below keeps its own list). */
export const ADMIN_QUIT_KEYS = ['[Tab] next field', '[Enter] quit the kiosk', '[Esc] stay'];

/**
 * Every way out of the kiosk calls `leave`: unlocked, it quits; locked, it opens the admin box, or
 * with no inventory open yet (nobody to ask) shows `note` and stays.
 */
export function useLockdown(locked: boolean, hasSession: boolean, quit: () => void): { asking: boolean; note: boolean; leave: () => void; cancel: () => void } {
  const [asking, setAsking] = useState(false);
  const [note, setNote] = useState(false);
  const leave = useCallback(() => {
    if (!locked) return quit();
    if (hasSession) setAsking(true);
    else setNote(true);
  }, [locked, hasSession, quit]);
  return { asking, note, leave, cancel: useCallback(() => setAsking(false), []) };
}

export function AdminQuit({ inventory, now, onQuit, onCancel }: { inventory: Inventory; now: () => number; onQuit: () => void; onCancel: () => void }) {
  const [state, dispatch, get] = useScreenReducer(signInReducer, SIGN_IN_START);

  useKeys((key) => {
    const { field, name, pin } = get();
    if (isKey(key, 'escape') || (key.kind === 'ctrl' && key.letter === 'c')) return onCancel();
    if (isKey(key, 'tab') || isKey(key, 'shift-tab') || isKey(key, 'down') || isKey(key, 'up')) return dispatch({ type: 'focus', field: field === 'name' ? 'pin' : 'name' });
    if (isKey(key, 'enter')) {
      if (field === 'name') return name.trim() ? dispatch({ type: 'focus', field: 'pin' }) : undefined;
      try {
        const actor = signIn(inventory, { name: name.trim(), pin, now: now() });
        if (actor.role !== 'admin') {
          signOut(inventory, actor, { now: now() });
          return dispatch({ type: 'refused', error: `${actor.name} is not an admin: only an admin can quit this kiosk` });
        }
        signOut(inventory, actor, { now: now() });
        return onQuit();
      } catch (e) {
        if (!(e instanceof Refusal)) throw e;
        return dispatch({ type: 'refused', error: e.message });
      }
    }
    const value = field === 'name' ? edit(name, key, { maxLength: FIELD_LIMITS.staffName }) : edit(pin, key, { maxLength: FIELD_LIMITS.pin, accept: /[0-9]/ });
    if (value !== (field === 'name' ? name : pin)) dispatch({ type: 'typed', value });
  });

  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>This kiosk is locked. To quit it, an admin signs in here.</Text>
      <TextField label="Admin name" value={state.name} focused={state.field === 'name'} />
      <TextField label="PIN" value={state.pin} focused={state.field === 'pin'} mask />
      {state.error && <Message tone="bad">{state.error}</Message>}
    </Box>
  );
}
