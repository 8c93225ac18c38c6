/**
 * Admin: hand-outs waiting for export, a new export with a format choice, and the batch list with
 * void (with a reason) and mark uploaded (optionally purging the seeds). Same services as the CLI.
 */
import { Box, Text } from 'ink';
import { useMemo, useState } from 'react';
import { Refusal } from '../../core/errors.js';
import { BATCH_FORMATS, type BatchFormat } from '../../formats/types.js';
import { exportBatch } from '../../services/exportBatch.js';
import { listBatches, listWaitingAssignments, markUploaded, voidBatch } from '../../services/batches.js';
import type { Actor } from '../../services/actor.js';
import { Message } from '../components/Frame.js';
import { TextField } from '../components/TextField.js';
import { edit, isChar, isKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';
import { useSyncState } from '../input/useSyncState.js';
import type { KioskContext } from '../context.js';

type Mode = { kind: 'list' } | { kind: 'format' } | { kind: 'void'; reason: string } | { kind: 'upload'; purge: boolean };

const FORMAT_NOTES: Record<BatchFormat, string> = {
  'entra-csv': 'Entra admin centre CSV upload (SHA-1, 6 digits, 30/60 s only)',
  'graph-json': 'Microsoft Graph bulk create, assign and activate (SHA-1 or SHA-256)',
  'oath-csv': 'privacyIDEA / LinOTP OATH CSV, version 2 with users',
  'linotp-csv': 'LinOTP OATH CSV (version 1, no header) and a list of who gets which token',
  'multiotp-csv': 'multiOTP token CSV (SHA-1 only) and a list of who gets which token',
};

export function Batches({ kiosk, actor, rows, onExit }: { kiosk: KioskContext; actor: Actor; rows: number; onExit: () => void }) {
  const [version, setVersion] = useState(0);
  const waiting = useMemo(() => listWaitingAssignments(kiosk.inventory), [kiosk, version]);
  const batches = useMemo(() => listBatches(kiosk.inventory), [kiosk, version]);
  const [cursor, setCursor, getCursor] = useSyncState(0);
  const [mode, setMode, getMode] = useSyncState<Mode>({ kind: 'list' });
  const [notice, setNotice] = useState<{ tone: 'ok' | 'bad' | 'warn'; text: string } | null>(null);
  const selected = batches[cursor];

  const act = (fn: () => string) => {
    try {
      setNotice({ tone: 'ok', text: fn() });
      setVersion((v) => v + 1);
      kiosk.changed();
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      setNotice({ tone: 'bad', text: e.message });
    }
    setMode({ kind: 'list' });
  };

  useKeys((key) => {
    const mode = getMode();
    const batch = batches[getCursor()];
    if (mode.kind === 'format') {
      if (isKey(key, 'escape')) return setMode({ kind: 'list' });
      const index = key.kind === 'text' ? Number.parseInt(key.text, 10) - 1 : -1;
      const format = BATCH_FORMATS[index];
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
          return `batch ${r.batch} is void: ${r.returnedToWaiting} hand-out(s) wait for the next export`;
        });
      }
      return setMode({ kind: 'void', reason: edit(mode.reason, key, { maxLength: 200 }) });
    }
    if (mode.kind === 'upload') {
      if (isKey(key, 'escape') || isChar(key, 'n')) return setMode({ kind: 'list' });
      if (isChar(key, 'p')) return setMode({ kind: 'upload', purge: !mode.purge });
      if ((isChar(key, 'y') || isKey(key, 'enter')) && batch) {
        return act(() => {
          const r = markUploaded(kiosk.inventory, { batch: batch.id, purgeSeeds: mode.purge, actor, now: kiosk.now() });
          return `batch ${r.batch} marked uploaded${mode.purge ? `; ${r.purged} seed(s) deleted` : ''}`;
        });
      }
      return;
    }
    if (isKey(key, 'escape')) return onExit();
    if (isKey(key, 'down')) return setCursor((c) => Math.min(c + 1, Math.max(0, batches.length - 1)));
    if (isKey(key, 'up')) return setCursor((c) => Math.max(0, c - 1));
    if (isChar(key, 'e')) {
      setNotice(null);
      return setMode({ kind: 'format' });
    }
    if (isChar(key, 'v') && batch) {
      if (batch.status !== 'exported') return setNotice({ tone: 'warn', text: `batch ${batch.name} is ${batch.status}: only an exported, not uploaded batch can be voided` });
      setNotice(null);
      return setMode({ kind: 'void', reason: '' });
    }
    if (isChar(key, 'u') && batch) {
      if (batch.status === 'void') return setNotice({ tone: 'warn', text: `batch ${batch.name} is void` });
      setNotice(null);
      return setMode({ kind: 'upload', purge: true });
    }
  });

  const listRows = Math.max(3, rows - 6);
  const top = Math.min(Math.max(0, cursor - listRows + 1), Math.max(0, batches.length - listRows));
  return (
    <Box flexDirection="column">
      <Text bold>
        Waiting for export: {waiting.length}
        {waiting.length > 0 ? ` (oldest ${waiting[0]!.verifiedAt.slice(0, 16).replace('T', ' ')}, newest ${waiting.at(-1)!.verifiedAt.slice(0, 16).replace('T', ' ')})` : ''}
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
      <Text bold>Batches {batches.length > 0 ? `(${cursor + 1} of ${batches.length})` : ''}</Text>
      {batches.length === 0 && <Text>None yet. Press e to export the waiting hand-outs.</Text>}
      {batches.slice(top, top + listRows).map((b, i) => (
        <Text key={b.id} inverse={top + i === cursor} wrap="truncate">
          {top + i === cursor ? '▸ ' : '  '}
          {b.name.padEnd(26)} {b.format.padEnd(10)} {String(b.rowCount).padStart(5)} token(s)  {b.status.padEnd(8)} {b.createdAt.slice(0, 16).replace('T', ' ')}
        </Text>
      ))}
      {mode.kind === 'void' && selected && (
        <Box flexDirection="column" marginTop={1}>
          <Text>Void batch {selected.name}? It was not uploaded; its hand-outs will wait for the next export. Say why, then Enter.</Text>
          <TextField label="Reason" value={mode.reason} focused />
        </Box>
      )}
      {mode.kind === 'upload' && selected && (
        <Box flexDirection="column" marginTop={1}>
          <Text>Mark batch {selected.name} as uploaded to the identity provider?</Text>
          <Text>
            [p] delete the seeds of its tokens now: {mode.purge ? 'YES (recommended once the upload is confirmed)' : 'no'}
          </Text>
          <Text bold>[y] mark uploaded   [n] back</Text>
        </Box>
      )}
      {notice && <Message tone={notice.tone}>{notice.text}</Message>}
    </Box>
  );
}
