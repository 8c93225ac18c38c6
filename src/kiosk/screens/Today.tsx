/** Today's hand-outs at this desk, newest first; undo a pending one with a reason. */
import { Box, Text } from 'ink';
import { useMemo, useState } from 'react';
import { Refusal } from '../../core/errors.js';
import { may, type Actor } from '../../services/actor.js';
import { listBatches } from '../../services/batch/lifecycle.js';
import { undoVerdict, type UndoSubject } from '../../services/deskRules.js';
import { todaysHandOuts, undoHandOut, type HandOutView } from '../../services/deskTools.js';
import { tokenDetails } from '../../services/tokens.js';
import { Message } from '../components/Frame.js';
import { TextField } from '../components/TextField.js';
import { FIELD_LIMITS } from '../fieldLimits.js';
import { useScreenReducer } from '../hooks/screenState.js';
import { useFooterKeys } from '../hooks/useFooterKeys.js';
import { useListCursor } from '../hooks/useListCursor.js';
import { edit, isChar, isKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';
import type { KioskContext } from '../context.js';

interface TodayState {
  /** The undo reason being typed, or null when no undo is asked. */
  reason: string | null;
  notice: { tone: 'ok' | 'bad'; text: string } | null;
}

type TodayEvent = { type: 'ask-reason' } | { type: 'reason'; reason: string | null } | { type: 'notice'; notice: TodayState['notice'] };

function todayReducer(state: TodayState, event: TodayEvent): TodayState {
  switch (event.type) {
    case 'ask-reason':
      return { reason: '', notice: null };
    case 'reason':
      return { ...state, reason: event.reason };
    case 'notice':
      return { ...state, notice: event.notice };
  }
}

export function Today({ kiosk, actor, rows, onExit }: { kiosk: KioskContext; actor: Actor; rows: number; onExit: () => void }) {
  const [version, setVersion] = useState(0);
  const list = useMemo(() => todaysHandOuts(kiosk.inventory, { now: kiosk.now() }), [kiosk, version]);
  const cursor = useListCursor(list.length, Math.max(3, rows));
  const [state, dispatch, get] = useScreenReducer(todayReducer, { reason: null, notice: null });
  const current = list[cursor.index];
  // An exported hand-out is in a batch: never undoable here (pressing u says why).
  const offerUndo = current !== undefined && !current.exported && undoVerdict({ ...current, batch: null }, actor).ok;
  useFooterKeys(
    state.reason !== null ? ['[Enter] undo', '[Esc] back'] : ['[↑↓ PgUp PgDn] move', offerUndo && '[u] undo', '[Esc] back'],
  );

  useKeys((key) => {
    const { reason } = get();
    const picked = list[cursor.current()];
    if (reason !== null) {
      if (isKey(key, 'escape')) return dispatch({ type: 'reason', reason: null });
      if (isKey(key, 'enter') && picked) {
        try {
          undoHandOut(kiosk.inventory, { assignmentId: picked.assignmentId, reason, actor, now: kiosk.now() });
          dispatch({ type: 'reason', reason: null });
          dispatch({ type: 'notice', notice: { tone: 'ok', text: `undone: token ${picked.serial} is back in stock` } });
          setVersion((v) => v + 1);
          kiosk.changed();
        } catch (e) {
          if (!(e instanceof Refusal)) throw e;
          dispatch({ type: 'notice', notice: { tone: 'bad', text: e.message } });
        }
        return;
      }
      return dispatch({ type: 'reason', reason: edit(reason, key, { maxLength: FIELD_LIMITS.undoReason }) });
    }
    if (isKey(key, 'escape')) return onExit();
    if (cursor.key(key)) return;
    if (isChar(key, 'u') && picked) {
      const verdict = undoVerdict(undoSubject(kiosk, picked), actor);
      if (!verdict.ok) return dispatch({ type: 'notice', notice: { tone: 'bad', text: verdict.reason } });
      return dispatch({ type: 'ask-reason' });
    }
  });

  return (
    <Box flexDirection="column">
      <Text bold>
        Today's hand-outs at this desk: {list.length} {list.length > 0 ? `(${cursor.index + 1} of ${list.length})` : ''}
      </Text>
      {list.length === 0 && <Text>None yet today.</Text>}
      {list.slice(cursor.top, cursor.end).map((h, i) => {
        const picked = cursor.top + i === cursor.index;
        const status = h.undone ? 'undone' : h.exported ? 'exported' : 'pending';
        return (
          <Text key={h.assignmentId} inverse={picked} wrap="truncate">
            {picked ? '▸ ' : '  '}
            {h.verifiedAt.slice(11, 16)} {column(h.serial, 14)} {column(h.upn, 28)} {status.padEnd(8)} by {h.assignedBy}
          </Text>
        );
      })}
      {state.reason !== null && current && (
        <Box flexDirection="column" marginTop={1}>
          <Text>Undo the hand-out of {current.serial} to {current.upn}? Say why (kept in the audit log), then Enter.</Text>
          <TextField label="Reason" value={state.reason} focused />
        </Box>
      )}
      {state.notice && <Message tone={state.notice.tone}>{state.notice.text}</Message>}
      {!may(actor, 'undo-any-hand-out') && state.reason === null && <Text>You can undo your own pending hand-outs.</Text>}
    </Box>
  );
}

/** The hand-out with the batch it went out in, asked only when someone presses u on an exported row. */
function undoSubject(kiosk: KioskContext, handOut: HandOutView): UndoSubject {
  if (!handOut.exported) return { ...handOut, batch: null };
  const batchId = tokenDetails(kiosk.inventory, handOut.serial).assignments.find((a) => a.id === handOut.assignmentId)?.batchId ?? null;
  const batch = batchId === null ? undefined : listBatches(kiosk.inventory).find((b) => b.id === batchId);
  return { ...handOut, batch: batch ? { name: batch.name, status: batch.status } : null };
}

/** A fixed-width column: a longer value is cut with an ellipsis, so the columns after it line up. */
function column(value: string, width: number): string {
  return value.length > width ? `${value.slice(0, width - 1)}…` : value.padEnd(width);
}
