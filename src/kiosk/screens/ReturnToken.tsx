/**
 * Return / lost / replace at the desk (staff): scan the token the employee brings back (or type its
 * serial), see who holds it, say what happened. Replace records the end of the old hand-out, then
 * the normal verified hand-out starts for the same employee (KioskApp opens the wizard).
 */
import { Box, Text } from 'ink';
import { Refusal } from '../../core/errors.js';
import type { Actor } from '../../services/actor.js';
import { lifecycle } from '../../services/home.js';
import { Message } from '../components/Frame.js';
import { TextField } from '../components/TextField.js';
import { FIELD_LIMITS } from '../fieldLimits.js';
import { useScreenReducer } from '../hooks/screenState.js';
import { useFooterKeys } from '../hooks/useFooterKeys.js';
import { edit, isChar, isKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';
import type { KioskContext } from '../context.js';

type Found = ReturnType<typeof lifecycle.tokenAtDesk>;

interface ReturnState {
  step: 'serial' | 'pick' | 'what' | 'replace-what';
  serialText: string;
  /** A person's tokens, when they were looked up by UPN and hold several. */
  choices: Found[];
  token: Found | null;
  notice: { tone: 'ok' | 'bad' | 'info'; text: string } | null;
}

type ReturnEvent =
  | { type: 'typed'; text: string }
  | { type: 'found'; token: Found }
  | { type: 'choose'; choices: Found[] }
  | { type: 'replace' }
  | { type: 'back' }
  | { type: 'notice'; notice: ReturnState['notice'] }
  | { type: 'done'; notice: ReturnState['notice'] };

const START: ReturnState = { step: 'serial', serialText: '', choices: [], token: null, notice: null };

function returnReducer(state: ReturnState, event: ReturnEvent): ReturnState {
  switch (event.type) {
    case 'typed':
      return { ...state, serialText: event.text };
    case 'found':
      return { ...state, step: 'what', token: event.token, notice: null };
    case 'choose':
      return { ...state, step: 'pick', choices: event.choices, notice: null };
    case 'replace':
      return { ...state, step: 'replace-what', notice: null };
    case 'back':
      return state.step === 'replace-what' ? { ...state, step: 'what' } : { ...START, serialText: state.serialText };
    case 'notice':
      return { ...state, notice: event.notice };
    case 'done':
      return { ...START, notice: event.notice };
  }
}

const CONDITIONS = { r: 'returned', l: 'lost', b: 'broken' } as const;

export function ReturnToken({
  kiosk,
  actor,
  onExit,
  onReplace,
}: {
  kiosk: KioskContext;
  actor: Actor;
  onExit: () => void;
  /** After a replacement was recorded: hand out the new token to the same employee. */
  onReplace: (replacing: { upn: string; assignmentId: number }) => void;
}) {
  const [state, dispatch, get] = useScreenReducer(returnReducer, START);
  const held = state.token?.upn !== null && state.token !== null;
  useFooterKeys(
    state.step === 'serial'
      ? ['[Enter] look up', '[Esc] back']
      : state.step === 'pick'
        ? [`[1-${state.choices.length}] pick`, '[Esc] back']
      : state.step === 'what'
        ? [held && '[r] returned', '[l] lost', '[b] broken', held && '[p] replace', '[Esc] back']
        : ['[r] it came back', '[l] it is lost', '[b] it is broken', '[Esc] back'],
  );

  const attempt = (step: () => void) => {
    try {
      step();
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      dispatch({ type: 'notice', notice: { tone: 'bad', text: error.message } });
    }
  };
  const lookUp = (text: string) =>
    attempt(() => {
      if (!text.includes('@')) return dispatch({ type: 'found', token: lifecycle.tokenAtDesk(kiosk.inventory, text, actor) });
      // A person who came without the token (lost it): their tokens, to pick from.
      const held = lifecycle.tokensHeldBy(kiosk.inventory, text, actor);
      if (held.length === 0) return dispatch({ type: 'notice', notice: { tone: 'bad', text: `${text.trim().toLowerCase()} holds no token from this desk` } });
      if (held.length === 1) return dispatch({ type: 'found', token: held[0]! });
      dispatch({ type: 'choose', choices: held });
    });
  const record = (serial: string, condition: 'returned' | 'lost' | 'broken') =>
    attempt(() => {
      const request = { serial, actor, now: kiosk.now() };
      const result =
        condition === 'returned' ? lifecycle.returnToken(kiosk.inventory, request) : condition === 'lost' ? lifecycle.reportLost(kiosk.inventory, request) : lifecycle.reportBroken(kiosk.inventory, request);
      kiosk.changed();
      const removal = result.removal ? ` The identity provider must ${result.removal.action} it (next removal batch).` : '';
      const next = condition === 'returned' ? ' Put it in the returns drawer: an admin checks it before it goes back to stock.' : '';
      dispatch({ type: 'done', notice: { tone: 'ok', text: `token ${result.serial} recorded as ${result.to}.${removal}${next}` } });
    });
  const replace = (serial: string, condition: 'returned' | 'lost' | 'broken') =>
    attempt(() => {
      const result = lifecycle.replaceToken(kiosk.inventory, { serial, condition, actor, now: kiosk.now() });
      kiosk.changed();
      onReplace({ upn: result.upn, assignmentId: result.replacesAssignmentId });
    });

  useKeys((key) => {
    const s = get();
    if (isKey(key, 'escape')) return s.step === 'serial' ? onExit() : dispatch({ type: 'back' });
    if (s.step === 'serial') {
      if (key.kind === 'scan') return lookUp(key.text);
      if (isKey(key, 'enter')) return lookUp(s.serialText);
      return dispatch({ type: 'typed', text: edit(s.serialText, key, { maxLength: FIELD_LIMITS.serial }) });
    }
    if (s.step === 'pick') {
      const picked = key.kind === 'text' ? s.choices[Number(key.text) - 1] : undefined;
      if (picked) dispatch({ type: 'found', token: picked });
      return;
    }
    const token = s.token;
    if (!token) return;
    const letter = (['r', 'l', 'b'] as const).find((c) => isChar(key, c));
    if (s.step === 'what') {
      if (letter) return record(token.serial, CONDITIONS[letter]);
      if (isChar(key, 'p')) {
        if (token.upn === null) return dispatch({ type: 'notice', notice: { tone: 'bad', text: `token ${token.serial} is held by nobody: there is nothing to replace` } });
        return dispatch({ type: 'replace' });
      }
      return;
    }
    if (letter) return replace(token.serial, CONDITIONS[letter]);
  });

  return (
    <Box flexDirection="column">
      <Text bold>Return, lost or replace</Text>
      <Text> </Text>
      {state.step === 'serial' && (
        <Box flexDirection="column">
          <Text>Scan the token the employee brings back, or type its serial (or the employee's UPN when the token is lost).</Text>
          <TextField label="Serial" value={state.serialText} focused />
        </Box>
      )}
      {state.step === 'pick' && (
        <Box flexDirection="column">
          <Text>{state.choices[0]?.upn} holds {state.choices.length} tokens. Which one?</Text>
          {state.choices.map((c, i) => (
            <Text key={c.serial}>
              {'  '}[{i + 1}] {c.serial} ({c.status})
            </Text>
          ))}
        </Box>
      )}
      {(state.step === 'what' || state.step === 'replace-what') && state.token && (
        <Box flexDirection="column">
          <Text>
            Token {state.token.serial} is {state.token.status}
            {state.token.upn ? `, held by ${state.token.upn}` : ', held by nobody'}.
          </Text>
          {state.step === 'what' ? (
            <Text>What happened? [r] returned  [l] lost  [b] broken{state.token.upn ? '  [p] replace it with another token' : ''}</Text>
          ) : (
            <Text>Replace: what became of the old token? [r] it came back  [l] it is lost  [b] it is broken</Text>
          )}
        </Box>
      )}
      {state.notice && <Message tone={state.notice.tone}>{state.notice.text}</Message>}
    </Box>
  );
}
