/**
 * The hand-out wizard: Employee > Token > Name > Verify > Done. Nothing is written until the code
 * is accepted, and then through the same service as `tokendesk assign`. Esc goes back one step.
 */
import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { useSyncState } from '../input/useSyncState.js';
import { Refusal } from '../../core/errors.js';
import { describeOffset } from '../../core/drift.js';
import { MAX_TOKENS_PER_USER } from '../../core/identity.js';
import { checkDisplayName, checkEmployee, checkTokenForHandOut, defaultDisplayName, handOut, MAX_DISPLAY_NAME_LENGTH } from '../../services/handOut.js';
import { findByBadge, searchRoster, type RosterPerson } from '../../services/roster.js';
import { findToken, type TokenView } from '../../store/tokenRepo.js';
import type { Actor } from '../../services/actor.js';
import { BigDigits, StepProgress } from '../components/BigDigits.js';
import { Message } from '../components/Frame.js';
import { StepLine, type HandOutStep } from '../components/StepLine.js';
import { TextField } from '../components/TextField.js';
import { edit, isKey, type KioskKey } from '../input/keys.js';
import { useKeys } from '../input/KeyRouter.js';
import type { KioskContext } from '../context.js';

export const DONE_RETURN_MS = 6000;

interface Notice {
  tone: 'ok' | 'bad' | 'warn' | 'info';
  text: string;
}

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
}: {
  kiosk: KioskContext;
  actor: Actor;
  onExit: () => void;
  onProgress?: (progress: HandOutProgress) => void;
  /** Practice mode: the side panel shows this token's live code. */
  onPracticeToken?: (serial: string | null) => void;
}) {
  const { inventory } = kiosk;
  const [step, setStep, getStep] = useSyncState<HandOutStep>('Employee');
  const [upnText, setUpnText, getUpnText] = useSyncState<string>('');
  const [employee, setEmployee, getEmployee] = useSyncState<{ upn: string; displayName?: string; tokensHeld: number } | null>(null);
  const [suggestions, setSuggestions, getSuggestions] = useSyncState<RosterPerson[]>([]);
  const [selected, setSelected, getSelected] = useSyncState<number>(0);
  const [serialText, setSerialText, getSerialText] = useSyncState<string>('');
  const [token, setToken, getToken] = useSyncState<TokenView | null>(null);
  const [name, setName, getName] = useSyncState<string>('');
  const [code, setCode, getCode] = useSyncState<string>('');
  const [notice, setNotice] = useState<Notice | null>(null);
  const [done, setDone] = useState<{ serial: string; upn: string; name: string; offset: string } | null>(null);

  const dirty = upnText !== '' || employee !== null;
  useEffect(() => onProgress?.({ step, dirty: dirty && step !== 'Done' }), [step, dirty, onProgress]);
  useEffect(() => onPracticeToken?.(step === 'Verify' && token ? token.serial : null), [step, token, onPracticeToken]);

  const restart = () => {
    setStep('Employee');
    setUpnText('');
    setEmployee(null);
    setSuggestions([]);
    setSelected(0);
    setSerialText('');
    setToken(null);
    setName('');
    setCode('');
    setDone(null);
    setNotice(null);
  };

  // Done returns to a fresh Employee step by itself.
  useEffect(() => {
    if (step !== 'Done') return;
    const timer = setTimeout(restart, DONE_RETURN_MS);
    return () => clearTimeout(timer);
  }, [step]);

  const refuse = (error: unknown) => {
    if (error instanceof Refusal) setNotice({ tone: 'bad', text: error.message });
    else throw error;
  };

  // ---- step actions -------------------------------------------------------------------------
  const chooseEmployee = (raw: string, displayName?: string) => {
    try {
      const checked = checkEmployee(inventory, raw);
      setEmployee({ ...checked, displayName });
      setUpnText(checked.upn);
      setSuggestions([]);
      setNotice(null);
      setStep('Token');
    } catch (error) {
      refuse(error);
    }
  };

  const chooseToken = (raw: string) => {
    try {
      const found = checkTokenForHandOut(inventory, raw, kiosk.now());
      setToken(found);
      setSerialText(found.serial);
      setName(defaultDisplayName(found));
      setNotice(null);
      setStep('Name');
    } catch (error) {
      refuse(error);
    }
  };

  const chooseName = () => {
    try {
      setName(checkDisplayName(getName()));
      setNotice(null);
      setCode('');
      setStep('Verify');
    } catch (error) {
      refuse(error);
    }
  };

  const verify = (typed: string) => {
    const employee = getEmployee();
    const token = getToken();
    if (!employee || !token) return;
    try {
      const result = handOut(inventory, { serial: token.serial, upn: employee.upn, displayName: getName(), code: typed, actor, now: kiosk.now() });
      setCode('');
      if (result.ok) {
        setDone({ serial: result.serial, upn: result.upn, name: result.displayName, offset: describeOffset(result.offsetSteps, token.period) });
        setNotice(null);
        setStep('Done');
        kiosk.changed();
        return;
      }
      const tone = result.outcome === 'malformed' || result.outcome === 'replayed' ? 'warn' : 'bad';
      setNotice({ tone, text: result.message });
      if (result.outcome === 'locked' || result.outcome === 'out-of-window') {
        // This token cannot be handed out now: go back to scan another one.
        setToken(null);
        setSerialText('');
        setStep('Token');
      }
      kiosk.changed();
    } catch (error) {
      refuse(error);
    }
  };

  /** A scan on a step that does not expect one: say what it was and what to do. */
  const explainScan = (text: string): boolean => {
    const asToken = findToken(inventory, text.trim());
    if (asToken && getStep() === 'Employee') {
      setNotice({ tone: 'info', text: `that was token ${asToken.serial}: first choose the employee, then scan the token at the Token step` });
      return true;
    }
    return false;
  };

  // ---- keys ---------------------------------------------------------------------------------
  useKeys((key: KioskKey) => {
    if (isKey(key, 'escape')) {
      setNotice(null);
      if (getStep() === 'Employee' || getStep() === 'Done') return onExit();
      if (getStep() === 'Token') return setStep('Employee'), setEmployee(null);
      if (getStep() === 'Name') return setStep('Token'), setToken(null), setSerialText('');
      if (getStep() === 'Verify') return setStep('Name'), setCode('');
    }
    switch (getStep()) {
      case 'Employee': {
        if (key.kind === 'scan') {
          if (explainScan(key.text)) return;
          const person = findByBadge(inventory, key.text.trim());
          if (person) return chooseEmployee(person.upn, person.displayName);
          if (key.text.includes('@')) return chooseEmployee(key.text);
          return setNotice({ tone: 'bad', text: 'that badge is not in the roster: type the UPN instead' });
        }
        if (isKey(key, 'down')) return setSelected((s) => Math.min(s + 1, Math.max(0, getSuggestions().length - 1)));
        if (isKey(key, 'up')) return setSelected((s) => Math.max(0, s - 1));
        if (isKey(key, 'enter')) {
          const pick = getSuggestions()[getSelected()];
          if (pick && !getUpnText().includes('@')) return chooseEmployee(pick.upn, pick.displayName);
          if (pick && pick.upn === getUpnText().trim().toLowerCase()) return chooseEmployee(pick.upn, pick.displayName);
          return chooseEmployee(getUpnText());
        }
        if (isKey(key, 'tab') && getSuggestions()[getSelected()]) return setUpnText(getSuggestions()[getSelected()]!.upn);
        const next = edit(getUpnText(), key, { maxLength: 113 });
        if (next !== getUpnText()) {
          setUpnText(next);
          setSuggestions(next.trim().length >= 2 ? searchRoster(inventory, next.trim(), 5) : []);
          setSelected(0);
          setNotice(null);
        }
        return;
      }
      case 'Token': {
        if (key.kind === 'scan') return chooseToken(key.text);
        if (isKey(key, 'enter')) return chooseToken(getSerialText());
        setSerialText(edit(getSerialText(), key, { maxLength: 64 }));
        return;
      }
      case 'Name': {
        if (key.kind === 'scan') return setNotice({ tone: 'info', text: 'a scan is not needed here: check the token name and press Enter' });
        if (isKey(key, 'enter')) return chooseName();
        setName(edit(getName(), key, { maxLength: MAX_DISPLAY_NAME_LENGTH }));
        return;
      }
      case 'Verify': {
        const token = getToken();
        if (!token) return;
        // A code typed fast and ended with Enter may arrive as a "scan": take it as typed digits.
        if (key.kind === 'scan') return verify(key.text);
        if (isKey(key, 'enter')) return verify(getCode());
        const next = edit(getCode(), key, { maxLength: token.digits, accept: /[0-9 ]/ }).replace(/ /g, '');
        setCode(next);
        if (next.length > 0) setNotice(null);
        return;
      }
      case 'Done': {
        if (isKey(key, 'enter') || key.kind === 'text') restart();
        return;
      }
    }
  });

  // ---- view ---------------------------------------------------------------------------------
  return (
    <Box flexDirection="column">
      <StepLine current={step} />
      <Text> </Text>
      {step === 'Employee' && (
        <Box flexDirection="column">
          <Text>Who is the token for? Type the UPN{kiosk.rosterSize > 0 ? ' or a name, or scan the badge' : ''}.</Text>
          <TextField label="Employee" value={upnText} focused placeholder="name@example.com" />
          {suggestions.map((p, i) => (
            <Text key={p.upn}>
              {i === selected ? '  ▸ ' : '    '}
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
          <TextField label="Serial" value={serialText} focused placeholder="scan now" />
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
          <TextField label="Token name" value={name} focused />
        </Box>
      )}
      {step === 'Verify' && token && (
        <Box flexDirection="column">
          <Text>Token name: {name}</Text>
          <Text> </Text>
          <Text bold>Employee: press the button on the token and type the {token.digits} digits it shows, then Enter.</Text>
          <BigDigits value={code} length={token.digits} />
          <StepProgress now={kiosk.now()} period={token.period} />
          <Text>Tries left before the token locks: {Math.max(0, inventory.settings.maxFailedAttempts - (findToken(inventory, token.serial)?.failedAttempts ?? 0))}</Text>
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
          <Text>It is waiting for export to Entra. Next employee in a few seconds, or press Enter now.</Text>
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
  Verify: ['[digits] + [Enter] check', '[Esc] back'],
  Done: ['[Enter] next employee', '[Esc] menu'],
};
