/**
 * The hand-out wizard as the desk sees it: Employee > Token > Name > Verify > Done. The state and
 * its rules live in useHandOutWizard; this file only draws them. Esc goes back one step.
 */
import { Box, Text } from 'ink';
import { useEffect, useLayoutEffect } from 'react';
import { MAX_TOKENS_PER_USER } from '../../core/identity.js';
import type { Actor } from '../../services/actor.js';
import { BigDigits, StepProgress } from '../components/BigDigits.js';
import { Message } from '../components/Frame.js';
import { StepLine } from '../components/StepLine.js';
import { TextField } from '../components/TextField.js';
import { useFooterKeys } from '../hooks/useFooterKeys.js';
import { useHandOutWizard, type HandOutStep } from '../hooks/useHandOutWizard.js';
import { useKeys } from '../input/KeyRouter.js';
import type { KioskContext } from '../context.js';

export { DONE_RETURN_MS } from '../hooks/useHandOutWizard.js';

export interface HandOutProgress {
  step: HandOutStep;
  /** True once anything was typed or scanned: Ctrl+C then asks before quitting. */
  dirty: boolean;
}

export function HandOut({
  kiosk,
  actor,
  onExit,
  onProgress,
  onPracticeToken,
  replacing,
}: {
  kiosk: KioskContext;
  actor: Actor;
  /** A replacement (Return screen): the employee is known, the new hand-out names the one it replaces. */
  replacing?: { upn: string; assignmentId: number };
  onExit: () => void;
  onProgress?: (progress: HandOutProgress) => void;
  /** Practice mode: the side panel shows this token's live code. */
  onPracticeToken?: (serial: string | null) => void;
}) {
  const { state, key } = useHandOutWizard(kiosk, actor, onExit, replacing);
  useKeys(key);
  const { step, employee, token, done, notice } = state;

  const dirty = (state.employeeText !== '' || employee !== null) && step !== 'Done';
  // Layout effect: Ctrl+C right after the first typed letter must already know the hand-out is dirty.
  useLayoutEffect(() => onProgress?.({ step, dirty }), [step, dirty, onProgress]);
  useFooterKeys(HAND_OUT_KEYS[step]);
  const practiceSerial = step === 'Verify' && token ? token.serial : null;
  useEffect(() => onPracticeToken?.(practiceSerial), [practiceSerial, onPracticeToken]);

  return (
    <Box flexDirection="column">
      <StepLine current={step} />
      <Text> </Text>
      {step === 'Employee' && (
        <Box flexDirection="column">
          <Text>Who is the token for? Type the UPN{kiosk.rosterSize > 0 ? ' or a name, or scan the badge' : ''}.</Text>
          <TextField label="Employee" value={state.employeeText} focused placeholder="name@example.com" />
          {state.suggestions.map((p, i) => (
            <Text key={p.upn}>
              {i === state.selected ? '  ▸ ' : '    '}
              {p.displayName} &lt;{p.upn}&gt;
            </Text>
          ))}
        </Box>
      )}
      {step !== 'Employee' && employee && (
        <Text>
          Employee: {employee.displayName ? `${employee.displayName} <${employee.upn}>` : employee.upn} (holds {employee.tokensHeld} of{' '}
          {MAX_TOKENS_PER_USER})
        </Text>
      )}
      {step === 'Token' && (
        <Box flexDirection="column">
          <Text>Scan the barcode on the back of the token (or type its serial and press Enter).</Text>
          <TextField label="Serial" value={state.serialText} focused placeholder="scan now" />
        </Box>
      )}
      {token && step !== 'Token' && step !== 'Done' && (
        <Text>
          Token: {token.serial} · {token.manufacturer} {token.model} · {token.digits} digits, {token.period} s
        </Text>
      )}
      {step === 'Name' && (
        <Box flexDirection="column">
          <Text>The name the employee will see for this token in My Sign-Ins. Edit it or press Enter.</Text>
          <TextField label="Token name" value={state.name} focused />
        </Box>
      )}
      {step === 'Verify' && token && (
        <Box flexDirection="column">
          <Text>Token name: {state.name}</Text>
          <Text> </Text>
          <Text bold>Employee: press the button on the token and type the {token.digits} digits it shows.</Text>
          <BigDigits value={state.code} length={token.digits} />
          <StepProgress now={kiosk.now()} period={token.period} />
          {state.triesLeft !== null && <Text>Tries left before the token locks: {state.triesLeft}</Text>}
        </Box>
      )}
      {step === 'Done' && done && (
        <Box flexDirection="column">
          <Message tone="ok">Handed out. The token works and its clock is {done.offset}.</Message>
          <Text> </Text>
          <Text>  Employee    {done.upn}</Text>
          <Text>  Serial      {done.serial}</Text>
          <Text>  Token name  {done.name}</Text>
          <Text> </Text>
          {done.nextSteps && (
            <Box flexDirection="column">
              <Text bold>For the employee: {done.nextSteps.headline}</Text>
              {done.nextSteps.steps.map((step, i) => (
                <Text key={i}>  {i + 1}. {step}</Text>
              ))}
              <Text> </Text>
            </Box>
          )}
          <Text>It is waiting for export. Next employee in a few seconds, or type or scan them now.</Text>
        </Box>
      )}
      {notice && (
        <Box marginTop={1}>
          <Message tone={notice.tone}>{notice.text}</Message>
        </Box>
      )}
    </Box>
  );
}

export const HAND_OUT_KEYS: Record<HandOutStep, string[]> = {
  Employee: ['[Enter] next', '[↑↓] pick', '[Tab] complete', '[Esc] back to menu'],
  Token: ['[scan] or type + [Enter]', '[Esc] back'],
  Name: ['[Enter] next', '[Esc] back'],
  Verify: ['[digits] checked at the last one', '[Backspace] fix', '[Esc] back'],
  Done: ['[type or scan] next employee', '[Esc] menu'],
};
