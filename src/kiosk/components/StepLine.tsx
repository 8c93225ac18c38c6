import { Text } from 'ink';
import { HAND_OUT_STEPS, type HandOutStep } from '../hooks/useHandOutWizard.js';

/** Employee > Token > [Name] > Verify > Done: the current step in brackets, so no colour is needed. */
export function StepLine({ current }: { current: HandOutStep }) {
  const index = HAND_OUT_STEPS.indexOf(current);
  return (
    <Text>
      {HAND_OUT_STEPS.map((step, i) => (i === index ? `[${step}]` : i < index ? `${step} ✔` : step)).join('  >  ')}
    </Text>
  );
}
