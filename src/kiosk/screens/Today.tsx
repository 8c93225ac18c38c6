/** Today's hand-outs at this desk, newest first; undo a pending one with a reason. */
import { Box, Text } from 'ink';
import { useMemo, useState } from 'react';
import { Refusal } from '../../core/errors.js';
import { todaysHandOuts, undoHandOut } from '../../services/deskTools.js';
import { may, type Actor } from '../../services/actor.js';
import { Message } from '../components/Frame.js';
import { TextField } from '../components/TextField.js';
import { edit, isChar, isKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';
import type { KioskContext } from '../context.js';

export function Today({ kiosk, actor, rows: visibleRows, onExit }: { kiosk: KioskContext; actor: Actor; rows: number; onExit: () => void }) {
  const [version, setVersion] = useState(0);
  const list = useMemo(() => todaysHandOuts(kiosk.inventory, { now: kiosk.now() }), [kiosk, version]);
  const [cursor, setCursor] = useState(0);
  const [reason, setReason] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ tone: 'ok' | 'bad'; text: string } | null>(null);
  const page = Math.max(3, visibleRows);
  const top = Math.min(Math.max(0, cursor - page + 1), Math.max(0, list.length - page));
  const current = list[cursor];

  useKeys((key) => {
    if (reason !== null) {
      if (isKey(key, 'escape')) return setReason(null);
      if (isKey(key, 'enter') && current) {
        try {
          undoHandOut(kiosk.inventory, { assignmentId: current.assignmentId, reason, actor, now: kiosk.now() });
          setNotice({ tone: 'ok', text: `undone: token ${current.serial} is back in stock` });
          setReason(null);
          setVersion((v) => v + 1);
          kiosk.changed();
        } catch (e) {
          if (!(e instanceof Refusal)) throw e;
          setNotice({ tone: 'bad', text: e.message });
        }
        return;
      }
      return setReason(edit(reason, key, { maxLength: 200 }));
    }
    if (isKey(key, 'escape')) return onExit();
    if (isKey(key, 'down')) return setCursor((c) => Math.min(c + 1, list.length - 1));
    if (isKey(key, 'up')) return setCursor((c) => Math.max(0, c - 1));
    if (isKey(key, 'pagedown')) return setCursor((c) => Math.min(c + page, list.length - 1));
    if (isKey(key, 'pageup')) return setCursor((c) => Math.max(0, c - page));
    if (isChar(key, 'u') && current) {
      if (current.undone || current.exported) return setNotice({ tone: 'bad', text: current.exported ? 'that hand-out is already exported: an admin voids its batch first' : 'that hand-out is already undone' });
      setNotice(null);
      return setReason('');
    }
  });

  return (
    <Box flexDirection="column">
      <Text bold>
        Today's hand-outs at this desk: {list.length} {list.length > 0 ? `(${cursor + 1} of ${list.length})` : ''}
      </Text>
      {list.length === 0 && <Text>None yet today.</Text>}
      {list.slice(top, top + page).map((h, i) => {
        const state = h.undone ? 'undone' : h.exported ? 'exported' : 'pending';
        return (
          <Text key={h.assignmentId} inverse={top + i === cursor} wrap="truncate">
            {top + i === cursor ? '▸ ' : '  '}
            {h.verifiedAt.slice(11, 16)} {h.serial.padEnd(14)} {h.upn.padEnd(28)} {state.padEnd(8)} by {h.assignedBy}
          </Text>
        );
      })}
      {reason !== null && current && (
        <Box flexDirection="column" marginTop={1}>
          <Text>Undo the hand-out of {current.serial} to {current.upn}? Say why (kept in the audit log), then Enter.</Text>
          <TextField label="Reason" value={reason} focused />
        </Box>
      )}
      {notice && <Message tone={notice.tone}>{notice.text}</Message>}
      {!may(actor, 'undo-any-hand-out') && reason === null && <Text>You can undo your own pending hand-outs.</Text>}
    </Box>
  );
}
