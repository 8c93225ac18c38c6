/** Staff sign in with name and PIN. Employees can start a self-check from here without signing in. */
import { Box, Text } from 'ink';
import { Refusal } from '../../core/errors.js';
import { signIn } from '../../services/staff.js';
import type { Actor } from '../../services/actor.js';
import { Message } from '../components/Frame.js';
import { TextField } from '../components/TextField.js';
import { FIELD_LIMITS } from '../fieldLimits.js';
import { useScreenReducer } from '../hooks/screenState.js';
import { edit, isChar, isKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';
import type { KioskContext } from '../context.js';

export interface SignInState {
  field: 'name' | 'pin';
  name: string;
  pin: string;
  error: string | null;
}

export type SignInEvent =
  | { type: 'focus'; field: SignInState['field'] }
  | { type: 'typed'; value: string }
  | { type: 'refused'; error: string }
  | { type: 'clear' };

export const SIGN_IN_START: SignInState = { field: 'name', name: '', pin: '', error: null };

export function signInReducer(state: SignInState, event: SignInEvent): SignInState {
  switch (event.type) {
    case 'focus':
      return { ...state, field: event.field };
    case 'typed':
      return { ...state, [state.field]: event.value, error: null };
    case 'refused':
      // The PIN goes at once: it is never kept after a try.
      return { ...state, pin: '', error: event.error };
    case 'clear':
      return SIGN_IN_START;
  }
}

export function SignIn({ kiosk, onSignedIn, onSelfCheck, hint }: { kiosk: KioskContext; onSignedIn: (actor: Actor) => void; onSelfCheck: () => void; hint?: string }) {
  const [state, dispatch, get] = useScreenReducer(signInReducer, SIGN_IN_START);

  useKeys((key) => {
    const { field, name, pin } = get();
    if (field === 'name' && name === '' && (isChar(key, '?') || key.kind === 'scan')) return onSelfCheck();
    if (isKey(key, 'tab') || isKey(key, 'shift-tab') || isKey(key, 'down') || isKey(key, 'up')) return dispatch({ type: 'focus', field: field === 'name' ? 'pin' : 'name' });
    if (isKey(key, 'escape')) return dispatch({ type: 'clear' });
    if (isKey(key, 'enter')) {
      if (field === 'name') return name.trim() ? dispatch({ type: 'focus', field: 'pin' }) : undefined;
      try {
        const actor = signIn(kiosk.inventory, { name: name.trim(), pin, now: kiosk.now() });
        dispatch({ type: 'clear' });
        onSignedIn(actor);
      } catch (e) {
        if (!(e instanceof Refusal)) throw e;
        dispatch({ type: 'refused', error: e.message });
      }
      return;
    }
    const value = field === 'name' ? edit(name, key, { maxLength: FIELD_LIMITS.staffName }) : edit(pin, key, { maxLength: FIELD_LIMITS.pin, accept: /[0-9]/ });
    if (value !== (field === 'name' ? name : pin)) dispatch({ type: 'typed', value });
  });

  return (
    <Box flexDirection="column">
      <Text bold>Staff sign-in</Text>
      <Text> </Text>
      <TextField label="Name" value={state.name} focused={state.field === 'name'} />
      <TextField label="PIN" value={state.pin} focused={state.field === 'pin'} mask />
      {state.error && (
        <Box marginTop={1}>
          <Message tone="bad">{state.error}</Message>
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
