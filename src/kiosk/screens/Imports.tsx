/**
 * Admin: the seed files imported so far, and a new import with the same preview as
 * `tokendesk import --dry-run` and a confirm step. Nothing is written before the confirm.
 */
import { Box, Text } from 'ink';
import { useMemo, useState } from 'react';
import { Refusal } from '../../core/errors.js';
import { decodeHex } from '../../core/secretCodec.js';
import { importSeeds, type ImportReport } from '../../services/importSeeds.js';
import { listImports } from '../../services/imports.js';
import type { Actor } from '../../services/actor.js';
import { Message } from '../components/Frame.js';
import { TextField } from '../components/TextField.js';
import { FIELD_LIMITS } from '../fieldLimits.js';
import { useScreenReducer } from '../hooks/screenState.js';
import { useListCursor } from '../hooks/useListCursor.js';
import { edit, isChar, isKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';
import type { KioskContext } from '../context.js';

type Stage = 'list' | 'form' | 'working' | 'preview' | 'result';
type Field = 'file' | 'psk' | 'password';
const FIELDS: Field[] = ['file', 'psk', 'password'];
/** Seed files listed, newest first. */
const HISTORY = 50;

export interface ImportFormState {
  stage: Stage;
  field: Field;
  values: Record<Field, string>;
  report: ImportReport | null;
  error: string | null;
}

export type ImportFormEvent =
  | { type: 'stage'; stage: Stage }
  | { type: 'focus'; by: 1 | -1 }
  | { type: 'typed'; value: string }
  | { type: 'reported'; report: ImportReport; dryRun: boolean }
  | { type: 'error'; error: string | null }
  | { type: 'done' };

const EMPTY = { file: '', psk: '', password: '' };

export function importFormReducer(state: ImportFormState, event: ImportFormEvent): ImportFormState {
  switch (event.type) {
    case 'stage':
      return { ...state, stage: event.stage, ...(event.stage === 'form' && state.stage === 'list' && { error: null }) };
    case 'focus':
      return { ...state, field: FIELDS[(FIELDS.indexOf(state.field) + FIELDS.length + event.by) % FIELDS.length]! };
    case 'typed':
      return { ...state, values: { ...state.values, [state.field]: event.value } };
    case 'reported':
      return { ...state, report: event.report, stage: event.dryRun ? 'preview' : 'result', error: null };
    case 'error':
      // A refusal of the file sends the admin back to the form to fix it.
      return { ...state, error: event.error, ...(event.error !== null && state.stage === 'working' && { stage: 'form' }) };
    case 'done':
      return { ...state, stage: 'list', values: EMPTY, report: null };
  }
}

export function Imports({ kiosk, actor, rows, onExit }: { kiosk: KioskContext; actor: Actor; rows: number; onExit: () => void }) {
  const [version, setVersion] = useState(0);
  const history = useMemo(() => listImports(kiosk.inventory, HISTORY), [kiosk, version]);
  const cursor = useListCursor(history.length, Math.max(3, rows));
  const [state, dispatch, get] = useScreenReducer(importFormReducer, { stage: 'list', field: 'file', values: EMPTY, report: null, error: null });
  const { stage, field, values, report, error } = state;

  const run = async (dryRun: boolean) => {
    const v = get().values;
    let psk: Uint8Array | undefined;
    if (v.psk.trim()) {
      psk = decodeHex(v.psk) ?? undefined;
      if (!psk) return dispatch({ type: 'error', error: 'the pre-shared key is written in hex (0-9, a-f)' });
    }
    dispatch({ type: 'error', error: null });
    dispatch({ type: 'stage', stage: 'working' });
    try {
      const result = await importSeeds(kiosk.inventory, { file: v.file.trim(), dryRun, psk, password: v.password || undefined, actor });
      dispatch({ type: 'reported', report: result, dryRun });
      if (!dryRun) {
        setVersion((n) => n + 1);
        kiosk.changed();
      }
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      dispatch({ type: 'error', error: e.message });
    }
  };

  useKeys((key) => {
    const { stage, values, report } = get();
    if (stage === 'working') return;
    if (stage === 'list') {
      if (isKey(key, 'escape')) return onExit();
      if (cursor.key(key)) return;
      if (isChar(key, 'n')) dispatch({ type: 'stage', stage: 'form' });
      return;
    }
    if (stage === 'form') {
      if (isKey(key, 'escape')) return dispatch({ type: 'stage', stage: 'list' });
      if (isKey(key, 'tab') || isKey(key, 'down')) return dispatch({ type: 'focus', by: 1 });
      if (isKey(key, 'shift-tab') || isKey(key, 'up')) return dispatch({ type: 'focus', by: -1 });
      if (isKey(key, 'enter')) return values.file.trim() ? void run(true) : dispatch({ type: 'error', error: 'type the path of the seed file' });
      return dispatch({ type: 'typed', value: edit(values[get().field], key, { maxLength: FIELD_LIMITS.path }) });
    }
    if (stage === 'preview') {
      if (isKey(key, 'escape') || isChar(key, 'n')) return dispatch({ type: 'stage', stage: 'form' });
      if ((isChar(key, 'y') || isKey(key, 'enter')) && report && !report.refusal) return void run(false);
      return;
    }
    if (stage === 'result' && (isKey(key, 'enter') || isKey(key, 'escape'))) dispatch({ type: 'done' });
  });

  return (
    <Box flexDirection="column">
      <Text bold>Seed files</Text>
      {stage === 'list' && (
        <Box flexDirection="column">
          {history.length === 0 && <Text>No seed file imported yet. Press n to import one.</Text>}
          {history.slice(cursor.top, cursor.end).map((i, n) => {
            const picked = cursor.top + n === cursor.index;
            return (
              <Text key={i.id} wrap="truncate" inverse={picked}>
                {picked ? '▸ ' : '  '}#{String(i.id).padEnd(4)} {i.importedAt.slice(0, 16).replace('T', ' ')} {i.fileName.padEnd(28)} {i.format.padEnd(10)} +{i.added} new,{' '}
                {i.alreadyPresent} already, by {i.importedBy}
              </Text>
            );
          })}
        </Box>
      )}
      {(stage === 'form' || stage === 'working') && (
        <Box flexDirection="column">
          <Text>The file is read and checked first; nothing is written until you confirm.</Text>
          <TextField label="File" value={values.file} focused={field === 'file'} placeholder="/media/usb/box-0042.csv" width={60} />
          <TextField label="PSKC key" value={values.psk} focused={field === 'psk'} placeholder="hex, only for PSKC with a pre-shared key" mask />
          <TextField label="Password" value={values.password} focused={field === 'password'} placeholder="only for password-protected PSKC" mask />
          {stage === 'working' && <Text>Reading the file…</Text>}
        </Box>
      )}
      {(stage === 'preview' || stage === 'result') && report && <ReportView report={report} />}
      {stage === 'preview' && report && !report.refusal && <Text bold>Import these {report.added} token(s)? [y] yes  [n] back</Text>}
      {stage === 'result' && report && <Message tone="ok">Imported {report.added} token(s) as import #{report.importId}. Press Enter.</Message>}
      {error && <Message tone="bad">{error}</Message>}
    </Box>
  );
}

function ReportView({ report }: { report: ImportReport }) {
  const problems = [...report.conflicts.map((c) => ({ ...c, kind: 'conflict' })), ...report.rejects.map((r) => ({ ...r, kind: 'rejected' })), ...report.skipped.map((s) => ({ ...s, kind: 'skipped' }))];
  return (
    <Box flexDirection="column">
      <Text>
        {report.fileName}: {report.format}, {report.records} token(s) read · {report.added} new · {report.alreadyPresent} already in stock ·{' '}
        {report.rejects.length} rejected · {report.skipped.length} skipped
      </Text>
      {report.groups.map((g) => (
        <Text key={`${g.manufacturer}${g.model}${g.algorithm}${g.digits}${g.period}`}>
          {'  '}
          {g.count} × {g.manufacturer} {g.model}, {g.algorithm}, {g.digits} digits, {g.period} s
        </Text>
      ))}
      {problems.slice(0, 6).map((p, i) => (
        <Text key={i} wrap="truncate">
          {'  '}
          {p.kind}: {p.where.line !== undefined ? `line ${p.where.line}` : `key ${p.where.keyId}`}
          {p.serial ? ` (${p.serial})` : ''}: {p.reason}
        </Text>
      ))}
      {problems.length > 6 && <Text>  … and {problems.length - 6} more (tokendesk import --dry-run --json shows all)</Text>}
      {report.warnings.slice(0, 3).map((w, i) => (
        <Text key={`w${i}`}>  warning: {w.message}</Text>
      ))}
      {report.refusal && <Message tone="bad">{report.refusal}</Message>}
    </Box>
  );
}
