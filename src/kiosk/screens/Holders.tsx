/** Who holds what (admins): type a UPN for a person's tokens, or scan or type a serial for a token's holders. */
import { Box, Text } from 'ink';
import { Refusal } from '../../core/errors.js';
import type { Actor } from '../../services/actor.js';
import { lifecycle } from '../../services/home.js';
import { Message } from '../components/Frame.js';
import { TextField } from '../components/TextField.js';
import { FIELD_LIMITS } from '../fieldLimits.js';
import { useScreenReducer } from '../hooks/screenState.js';
import { useFooterKeys } from '../hooks/useFooterKeys.js';
import { edit, isKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';
import type { KioskContext } from '../context.js';

interface HoldersState {
  text: string;
  rows: lifecycle.HolderRow[] | null;
  asked: string;
  notice: string | null;
}

type HoldersEvent = { type: 'typed'; text: string } | { type: 'found'; rows: lifecycle.HolderRow[]; asked: string } | { type: 'refused'; notice: string };

function holdersReducer(state: HoldersState, event: HoldersEvent): HoldersState {
  switch (event.type) {
    case 'typed':
      return { ...state, text: event.text };
    case 'found':
      return { ...state, text: '', rows: event.rows, asked: event.asked, notice: null };
    case 'refused':
      return { ...state, rows: null, notice: event.notice };
  }
}

export function Holders({ kiosk, actor, rows: height, onExit }: { kiosk: KioskContext; actor: Actor; rows: number; onExit: () => void }) {
  const [state, dispatch, get] = useScreenReducer(holdersReducer, { text: '', rows: null, asked: '', notice: null });
  useFooterKeys(['[Enter] search', '[Esc] back']);

  const search = (text: string) => {
    const query = text.trim();
    if (query === '') return;
    try {
      const rows = lifecycle.holders(kiosk.inventory, { ...(query.includes('@') ? { upn: query } : { serial: query }), actor });
      dispatch({ type: 'found', rows, asked: query });
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      dispatch({ type: 'refused', notice: error.message });
    }
  };

  useKeys((key) => {
    if (isKey(key, 'escape')) return onExit();
    if (key.kind === 'scan') return search(key.text);
    if (isKey(key, 'enter')) return search(get().text);
    dispatch({ type: 'typed', text: edit(get().text, key, { maxLength: Math.max(FIELD_LIMITS.upn, FIELD_LIMITS.serial) }) });
  });

  const shown = state.rows?.slice(-Math.max(3, height)) ?? [];
  return (
    <Box flexDirection="column">
      <Text bold>Who holds what</Text>
      <TextField label="UPN or serial" value={state.text} focused />
      {state.rows !== null && <Text>{state.rows.length === 0 ? `Nobody at this desk ever gave ${state.asked} a token.` : `${state.asked}: ${state.rows.length} row(s)`}</Text>}
      {shown.map((r) => (
        <Text key={`${r.serial}-${r.assignmentId ?? 'none'}`} wrap="truncate">
          {r.serial.padEnd(15)} {r.status.padEnd(11)} {(r.upn ?? '-').padEnd(28)} {(r.handedOutAt ?? '').slice(0, 10).padEnd(10)} {(r.deskId ?? '').padEnd(8)}{' '}
          {r.current ? 'holds it' : r.ended ? `${r.ended.how} ${r.ended.at.slice(0, 10)}` : 'never handed out'}
        </Text>
      ))}
      {state.notice && <Message tone="bad">{state.notice}</Message>}
    </Box>
  );
}
