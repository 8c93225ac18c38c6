/**
 * Employee self-check, without staff: scan or type the serial, type a code, hear whether the token
 * works. Shows no UPN beyond a masked form; the service rate-limits and never changes an assignment.
 */
import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { useSyncState } from '../input/useSyncState.js';
import { selfCheck, type SelfCheckResult } from '../../services/selfCheck.js';
import { BigDigits } from '../components/BigDigits.js';
import { Message } from '../components/Frame.js';
import { TextField } from '../components/TextField.js';
import { edit, isKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';
import type { KioskContext } from '../context.js';

export const SELF_CHECK_RETURN_MS = 15_000;

export function SelfCheck({ kiosk, onExit, onPracticeToken }: { kiosk: KioskContext; onExit: () => void; onPracticeToken?: (serial: string | null) => void }) {
  const [field, setField, getField] = useSyncState<'serial' | 'code'>('serial');
  const [serial, setSerial, getSerial] = useSyncState('');
  const [code, setCode, getCode] = useSyncState('');
  const [result, setResult, getResult] = useSyncState<SelfCheckResult | null>(null);

  useEffect(() => {
    onPracticeToken?.(field === 'code' && !result ? serial.trim() : null);
  }, [field, serial, result, onPracticeToken]);
  useEffect(() => () => onPracticeToken?.(null), [onPracticeToken]);

  // Someone walks away: the screen clears itself.
  useEffect(() => {
    if (!result) return;
    const timer = setTimeout(onExit, SELF_CHECK_RETURN_MS);
    return () => clearTimeout(timer);
  }, [result, onExit]);

  const check = (typed: string) => {
    setResult(selfCheck(kiosk.inventory, { serial: getSerial(), code: typed, now: kiosk.now() }));
    setCode('');
    kiosk.changed();
  };

  useKeys((key) => {
    const field = getField();
    const serial = getSerial();
    const code = getCode();
    const result = getResult();
    if (isKey(key, 'escape')) return onExit();
    if (result) {
      if (isKey(key, 'enter')) onExit();
      return;
    }
    if (field === 'serial') {
      if (key.kind === 'scan') {
        setSerial(key.text.trim());
        return setField('code');
      }
      if (isKey(key, 'enter')) return serial.trim() ? setField('code') : undefined;
      return setSerial(edit(serial, key, { maxLength: 64 }));
    }
    if (key.kind === 'scan') return check(key.text);
    if (isKey(key, 'enter')) return check(code);
    setCode(edit(code, key, { maxLength: 8, accept: /[0-9]/ }));
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
            <Message tone="ok">
              Your token works ({result.maskedUpn}). {result.message}
            </Message>
          ) : (
            <Message tone={result.outcome === 'rate-limited' || result.outcome === 'malformed' ? 'warn' : 'bad'}>{result.message}</Message>
          )}
          <Text>Press Enter when you are done.</Text>
        </Box>
      )}
    </Box>
  );
}
