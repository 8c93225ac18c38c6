/**
 * Admin: hand-outs waiting for export, a new export with a format choice, and the batch list with
 * void (with a reason) and mark uploaded (optionally purging the seeds). Same services as the CLI;
 * which action a batch allows comes from deskRules, so the screen offers only what can be done.
 */
import { Box, Text } from 'ink';
import { useMemo, useState } from 'react';
import { Refusal } from '../../core/errors.js';
import { BATCH_FORMATS, type BatchFormat } from '../../formats/types.js';
import { exportBatch } from '../../services/batch/export.js';
import { listBatches, listWaitingAssignments, markUploaded, voidBatch } from '../../services/batch/lifecycle.js';
import { batchActions } from '../../services/deskRules.js';
import type { Actor } from '../../services/actor.js';
import { Message } from '../components/Frame.js';
import { TextField } from '../components/TextField.js';
import { FIELD_LIMITS } from '../fieldLimits.js';
import { useScreenReducer } from '../hooks/screenState.js';
import { useFooterKeys } from '../hooks/useFooterKeys.js';
import { useListCursor } from '../hooks/useListCursor.js';
import { edit, isChar, isKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';
import type { KioskContext } from '../context.js';

type Mode =
  | { kind: 'list' }
  | { kind: 'format' }
  | { kind: 'void'; reason: string }
  /** markUploaded false: the batch is uploaded already and only its seeds can go. */
  | { kind: 'upload'; purge: boolean; markUploaded: boolean };

interface BatchesState {
  mode: Mode;
  notice: { tone: 'ok' | 'bad' | 'warn'; text: string } | null;
}

type BatchesEvent = { type: 'mode'; mode: Mode } | { type: 'notice'; notice: BatchesState['notice'] };

const batchesReducer = (state: BatchesState, event: BatchesEvent): BatchesState =>
  event.type === 'mode' ? { ...state, mode: event.mode } : { ...state, notice: event.notice };

const FORMAT_NOTES: Record<BatchFormat, string> = {
  'entra-csv': 'Entra admin centre CSV upload (SHA-1, 6 digits, 30/60 s only)',
  'graph-json': 'Microsoft Graph bulk create, assign and activate (SHA-1 or SHA-256)',
  'oath-csv': 'privacyIDEA / LinOTP OATH CSV, version 2 with users',
  'linotp-csv': 'LinOTP OATH CSV (version 1, no header) and a list of who gets which token',
  'multiotp-csv': 'multiOTP token CSV (SHA-1 only) and a list of who gets which token',
};

const day = (iso: string) => iso.slice(0, 16).replace('T', ' ');

export function Batches({ kiosk, actor, rows, onExit }: { kiosk: KioskContext; actor: Actor; rows: number; onExit: () => void }) {
  const [version, setVersion] = useState(0);
  const waiting = useMemo(() => listWaitingAssignments(kiosk.inventory), [kiosk, version]);
  const batches = useMemo(() => listBatches(kiosk.inventory), [kiosk, version]);
  const cursor = useListCursor(batches.length, Math.max(3, rows - 6));
  const [state, dispatch, get] = useScreenReducer(batchesReducer, { mode: { kind: 'list' }, notice: null });
  const { mode, notice } = state;
  const selected = batches[cursor.index];
  const can = selected ? batchActions(selected, actor) : null;
  const purgeOnly = !!selected && selected.status === 'uploaded' && !!can?.purgeSeeds.ok;
  useFooterKeys(
    mode.kind === 'format'
      ? [`[1-${BATCH_FORMATS.length}] format`, '[Esc] back']
      : mode.kind === 'void'
        ? ['[Enter] void', '[Esc] back']
        : mode.kind === 'upload'
          ? [mode.markUploaded && can?.purgeSeeds.ok && '[p] seeds', '[y] yes', '[n] back']
          : [
              '[e] export',
              batches.length > 1 && '[↑↓] pick batch',
              can?.void.ok && '[v] void',
              can?.markUploaded.ok ? '[u] mark uploaded' : purgeOnly && '[u] delete seeds',
              '[Esc] back',
            ],
  );

  const setMode = (next: Mode) => dispatch({ type: 'mode', mode: next });
  const act = (fn: () => string) => {
    try {
      dispatch({ type: 'notice', notice: { tone: 'ok', text: fn() } });
      setVersion((v) => v + 1);
      kiosk.changed();
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      dispatch({ type: 'notice', notice: { tone: 'bad', text: e.message } });
    }
    setMode({ kind: 'list' });
  };

  useKeys((key) => {
    const { mode } = get();
    const batch = batches[cursor.current()];
    if (mode.kind === 'format') {
      if (isKey(key, 'escape')) return setMode({ kind: 'list' });
      const format = key.kind === 'text' ? BATCH_FORMATS[Number.parseInt(key.text, 10) - 1] : undefined;
      if (!format) return;
      return act(() => {
        const result = exportBatch(kiosk.inventory, { format, actor, now: kiosk.now() });
        if (!result.manifest) return 'nothing to export: no verified hand-outs are waiting';
        const left = result.leftWaiting.length ? ` (${result.leftWaiting.length} left waiting: the format cannot carry them)` : '';
        return `batch ${result.manifest.batch}: ${result.manifest.count} token(s) written to ${result.filePath}${left}`;
      });
    }
    if (mode.kind === 'void') {
      if (isKey(key, 'escape')) return setMode({ kind: 'list' });
      if (isKey(key, 'enter') && batch) {
        return act(() => {
          const r = voidBatch(kiosk.inventory, { batch: batch.id, reason: mode.reason, actor, now: kiosk.now() });
          const left = r.leftFiles.length > 0 ? `; NOT removed (delete by hand): ${r.leftFiles.map((f) => f.path).join(', ')}` : '';
          return `batch ${r.batch} is void: ${r.returnedToWaiting} hand-out(s) wait for the next export${left}`;
        });
      }
      return setMode({ kind: 'void', reason: edit(mode.reason, key, { maxLength: FIELD_LIMITS.voidReason }) });
    }
    if (mode.kind === 'upload') {
      if (isKey(key, 'escape') || isChar(key, 'n')) return setMode({ kind: 'list' });
      if (isChar(key, 'p') && mode.markUploaded) return setMode({ ...mode, purge: !mode.purge });
      if ((isChar(key, 'y') || isKey(key, 'enter')) && batch) {
        return act(() => {
          const r = markUploaded(kiosk.inventory, { batch: batch.id, purgeSeeds: mode.purge, actor, now: kiosk.now() });
          // A plaintext copy the purge could not reach still holds seeds: name it.
          const left = r.files && r.files.left.length > 0 ? `; NOT removed, holds seeds (delete by hand): ${r.files.left.map((f) => f.path).join(', ')}` : '';
          if (!mode.markUploaded) return `batch ${r.batch}: ${r.purged} seed(s) deleted${left}`;
          return `batch ${r.batch} marked uploaded${mode.purge ? `; ${r.purged} seed(s) deleted` : ''}${left}`;
        });
      }
      return;
    }
    if (isKey(key, 'escape')) return onExit();
    if (cursor.key(key)) return;
    if (isChar(key, 'e')) {
      dispatch({ type: 'notice', notice: null });
      return setMode({ kind: 'format' });
    }
    if (!batch) return;
    const allowed = batchActions(batch, actor);
    if (isChar(key, 'v')) {
      if (!allowed.void.ok) return dispatch({ type: 'notice', notice: { tone: 'warn', text: allowed.void.reason } });
      dispatch({ type: 'notice', notice: null });
      return setMode({ kind: 'void', reason: '' });
    }
    if (isChar(key, 'u')) {
      if (allowed.markUploaded.ok) {
        dispatch({ type: 'notice', notice: null });
        return setMode({ kind: 'upload', purge: allowed.purgeSeeds.ok, markUploaded: true });
      }
      // Uploaded already: what is left to do is deleting the seeds.
      if (batch.status === 'uploaded' && allowed.purgeSeeds.ok) {
        dispatch({ type: 'notice', notice: null });
        return setMode({ kind: 'upload', purge: true, markUploaded: false });
      }
      return dispatch({ type: 'notice', notice: { tone: 'warn', text: allowed.markUploaded.reason } });
    }
  });

  return (
    <Box flexDirection="column">
      <Text bold>
        Waiting for export: {waiting.length}
        {waiting.length > 0 ? ` (oldest ${day(waiting[0]!.verifiedAt)}, newest ${day(waiting.at(-1)!.verifiedAt)})` : ''}
      </Text>
      {mode.kind === 'format' && (
        <Box flexDirection="column" marginY={1}>
          <Text>Export {waiting.length} hand-out(s) as:</Text>
          {BATCH_FORMATS.map((f, i) => (
            <Text key={f}>
              {'  '}[{i + 1}] {f.padEnd(11)} {FORMAT_NOTES[f]}
            </Text>
          ))}
        </Box>
      )}
      <Text> </Text>
      <Text bold>Batches {batches.length > 0 ? `(${cursor.index + 1} of ${batches.length})` : ''}</Text>
      {batches.length === 0 && <Text>None yet. Press e to export the waiting hand-outs.</Text>}
      {batches.slice(cursor.top, cursor.end).map((b, i) => {
        const picked = cursor.top + i === cursor.index;
        return (
          <Text key={b.id} inverse={picked} wrap="truncate">
            {picked ? '▸ ' : '  '}
            {b.name.padEnd(26)} {b.format.padEnd(10)} {String(b.rowCount).padStart(5)} token(s)  {b.status.padEnd(8)} {day(b.createdAt)}
          </Text>
        );
      })}
      {mode.kind === 'void' && selected && (
        <Box flexDirection="column" marginTop={1}>
          <Text>Void batch {selected.name}? It was not uploaded; its hand-outs will wait for the next export. Say why, then Enter.</Text>
          <TextField label="Reason" value={mode.reason} focused />
        </Box>
      )}
      {mode.kind === 'upload' && selected && mode.markUploaded && (
        <Box flexDirection="column" marginTop={1}>
          <Text>Mark batch {selected.name} as uploaded to the identity provider?</Text>
          {can?.purgeSeeds.ok && (
            <Text>[p] delete the seeds of its tokens now: {mode.purge ? 'YES (recommended once the upload is confirmed)' : 'no'}</Text>
          )}
          <Text bold>[y] mark uploaded   [n] back</Text>
        </Box>
      )}
      {mode.kind === 'upload' && selected && !mode.markUploaded && (
        <Box flexDirection="column" marginTop={1}>
          <Text>Batch {selected.name} was uploaded {selected.uploadedAt ? day(selected.uploadedAt) : ''}. Delete the seeds of its tokens now?</Text>
          <Text bold>[y] delete the seeds   [n] back</Text>
        </Box>
      )}
      {notice && <Message tone={notice.tone}>{notice.text}</Message>}
    </Box>
  );
}
