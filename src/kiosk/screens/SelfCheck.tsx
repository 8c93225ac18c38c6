/**
 * Employee self-check, without staff: scan or type the serial, type a code, hear whether the token
 * works. Shows no UPN beyond a masked form; the service rate-limits and never changes an assignment.
 */
import { Box, Text } from 'ink';
import { useEffect } from 'react';
import { selfCheck, selfCheckBlocked, type SelfCheckResult } from '../../services/selfCheck.js';
import { BigDigits } from '../components/BigDigits.js';
import { Message } from '../components/Frame.js';
import { TextField } from '../components/TextField.js';
import { FIELD_LIMITS } from '../fieldLimits.js';
import { useScreenReducer } from '../hooks/screenState.js';
import { edit, isKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';
import type { KioskContext } from '../context.js';

export const SELF_CHECK_RETURN_MS = 15_000;

export interface SelfCheckState {
  field: 'serial' | 'code';
  serial: string;
  code: string;
  result: SelfCheckResult | null;
}

export type SelfCheckEvent =
  | { type: 'serial'; serial: string; next?: boolean }
  | { type: 'to-code' }
  | { type: 'code'; code: string }
  | { type: 'checked'; result: SelfCheckResult };

export function selfCheckReducer(state: SelfCheckState, event: SelfCheckEvent): SelfCheckState {
  switch (event.type) {
    case 'serial':
      return { ...state, serial: event.serial, ...(event.next && { field: 'code' }) };
    case 'to-code':
      return { ...state, field: 'code' };
    case 'code':
      return { ...state, code: event.code };
    case 'checked':
      // The typed code leaves the screen with the answer.
      return { ...state, code: '', result: event.result };
  }
}

export function SelfCheck({ kiosk, onExit, onPracticeToken }: { kiosk: KioskContext; onExit: () => void; onPracticeToken?: (serial: string | null) => void }) {
  const [state, dispatch, get] = useScreenReducer(selfCheckReducer, { field: 'serial', serial: '', code: '', result: null });
  const { field, serial, code, result } = state;

  const practiceSerial = field === 'code' && !result ? serial.trim() : null;
  useEffect(() => onPracticeToken?.(practiceSerial), [practiceSerial, onPracticeToken]);
  useEffect(() => () => onPracticeToken?.(null), [onPracticeToken]);

  // Someone walks away: the screen clears itself.
  useEffect(() => {
    if (!result) return;
    const timer = setTimeout(onExit, SELF_CHECK_RETURN_MS);
    return () => clearTimeout(timer);
  }, [result, onExit]);

  const check = (typed: string) => {
    dispatch({ type: 'checked', result: selfCheck(kiosk.inventory, { serial: get().serial, code: typed, now: kiosk.now() }) });
    kiosk.changed();
  };

  useKeys((key) => {
    const { field, serial, code, result } = get();
    if (isKey(key, 'escape')) return onExit();
    if (result) {
      if (isKey(key, 'enter')) onExit();
      return;
    }
    if (field === 'serial') {
      // A token that cannot be checked here says so before anyone types a code.
      const blocked = (text: string) => {
        const result = selfCheckBlocked(kiosk.inventory, text);
        if (result) dispatch({ type: 'checked', result });
        return result !== null;
      };
      if (key.kind === 'scan') {
        dispatch({ type: 'serial', serial: key.text.trim(), next: true });
        return void blocked(key.text);
      }
      if (isKey(key, 'enter')) return serial.trim() && !blocked(serial) ? dispatch({ type: 'to-code' }) : undefined;
      return dispatch({ type: 'serial', serial: edit(serial, key, { maxLength: FIELD_LIMITS.serial }) });
    }
    if (key.kind === 'scan') return check(key.text);
    if (isKey(key, 'enter')) return check(code);
    dispatch({ type: 'code', code: edit(code, key, { maxLength: FIELD_LIMITS.code, accept: /[0-9]/ }) });
  });

  return (
    <Box flexDirection="column">
      <Text bold>Check your token</Text>
      <Text> </Text>
      <TextField label="Serial" value={serial} focused={field === 'serial' && !result} placeholder="scan the back of your token" />
      {field === 'code' && !result ? (
        <Box flexDirection="column">
          <Text>› Code: press the button on your token and type the digits, then Enter</Text>
          {/* Large digits, never the code as plain text (the hand-out does the same). */}
          <BigDigits value={code} length={Math.max(6, code.length)} />
        </Box>
      ) : (
        <TextField label="Code" value="" focused={false} placeholder="press the button, type the digits" />
      )}
      {result && (
        <Box marginTop={1} flexDirection="column">
          {result.outcome === 'works' ? (
            <Message tone="ok">{result.message.charAt(0).toUpperCase() + result.message.slice(1)}</Message>
          ) : (
            <Message tone={result.outcome === 'rate-limited' || result.outcome === 'malformed' ? 'warn' : 'bad'}>{result.message}</Message>
          )}
          <Text>Press Enter when you are done.</Text>
        </Box>
      )}
    </Box>
  );
}
