/**
 * The key router on its own: one probe screen records what it receives, so each test states only
 * the input and the keys that come out (typing, Enter, scans, named keys). Then the fields it
 * feeds: why they use ink-text-input only to draw. Its own key handling reads Ink's stdin directly,
 * so it cannot tell a scanner's burst from typing and drops keys that arrive before a redraw; the
 * kiosk's fields take their keys from the router and keep every one.
 */
import { Box, Text } from 'ink';
import TextInput from 'ink-text-input';
import { render } from 'ink-testing-library';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { TextField } from '../../src/kiosk/components/TextField.js';
import { useScreenReducer } from '../../src/kiosk/hooks/screenState.js';
import { edit } from '../../src/kiosk/input/keys.js';
import { createScanSource, type ScanSource } from '../../src/scanner/index.js';
import { KeyRouter, useKeys } from '../../src/kiosk/input/KeyRouter.js';
import type { KioskKey } from '../../src/kiosk/input/keys.js';
import { FakeScanner } from './fakeScanner.js';
import { tick } from './harness.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function Probe({ keys }: { keys: KioskKey[] }) {
  useKeys((key) => void keys.push(key));
  return <Text>probe ready</Text>;
}

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

async function mountRouter(options: { scanSource?: ScanSource | null; now?: () => number } = {}) {
  const keys: KioskKey[] = [];
  const app = render(
    <KeyRouter scanSource={options.scanSource} {...(options.now && { now: options.now })}>
      <Probe keys={keys} />
    </KeyRouter>,
  );
  unmount = app.unmount;
  while (!(app.lastFrame() ?? '').includes('probe ready')) await pause(5);
  await pause(5); // useInput subscribes in a passive effect
  return { keys, stdin: app.stdin };
}

describe('KeyRouter', () => {
  it('takes a keyboard-wedge burst ending in Enter as one scan', async () => {
    const { keys, stdin } = await mountRouter({ scanSource: createScanSource('keyboard') });
    stdin.write('9900000000005\r');
    expect(keys).toEqual([{ kind: 'scan', text: '9900000000005' }]);
  });

  it('never makes a scan out of keystrokes with --scanner off (keystrokeScans false)', async () => {
    const { keys, stdin } = await mountRouter({ scanSource: createScanSource('off') });
    stdin.write('9900000000005\r');
    expect(keys.filter((k) => k.kind === 'scan')).toEqual([]);
    expect(keys.at(-1)).toEqual({ kind: 'key', name: 'enter' });
    expect(keys.filter((k) => k.kind === 'text').map((k) => (k.kind === 'text' ? k.text : '')).join('')).toBe('9900000000005');
  });

  it('drops the keystroke copy of a HID scan (a keyboard-mode scanner that also types)', async () => {
    const scanner = new FakeScanner();
    const { keys, stdin } = await mountRouter({ scanSource: scanner });
    scanner.scan('9900000000005');
    stdin.write('9900000000005\r');
    expect(keys).toEqual([{ kind: 'scan', text: '9900000000005' }]);
  });

  it('releases a typed character even when its timer fires before the clock reaches releaseAt', async () => {
    let clock = 1_000_000;
    const { keys, stdin } = await mountRouter({ scanSource: createScanSource('keyboard'), now: () => clock });
    stdin.write('h');
    clock += 10; // the timer (~36 ms) fires while the clock still says "too early"
    await pause(80);
    expect(keys).toEqual([]);
    clock += 100;
    await pause(80);
    expect(keys).toEqual([{ kind: 'text', text: 'h' }]);
  });

  it('survives the escape sequences that crashed Ink\'s use-input and types none of them', async () => {
    const { keys, stdin } = await mountRouter({ scanSource: createScanSource('off') });
    // Each as its own read, as a person pasting or a terminal reporting would send them.
    for (const chunk of ['\u001b[31m', '\u001b[0m', 'x\u001b[1;5my', '\u001b[1;2R', '\u001b[200~ab\u001b[201~', '\u001b]0;t\u0007', 'z']) stdin.write(chunk);
    const typed = keys.map((k) => (k.kind === 'text' ? k.text : `<${JSON.stringify(k)}>`)).join('');
    expect(typed).toBe('xyabz');
  });

  it('holds a lone Esc for a moment, then delivers it as the Escape key', async () => {
    const { keys, stdin } = await mountRouter({ scanSource: createScanSource('off') });
    stdin.write('\u001b');
    expect(keys).toEqual([]);
    const start = Date.now();
    while (keys.length === 0 && Date.now() - start < 3000) await pause(5);
    expect(keys).toEqual([{ kind: 'key', name: 'escape' }]);
  });

  it('turns control characters inside one chunk into keys, not text', async () => {
    const { keys, stdin } = await mountRouter({ scanSource: createScanSource('keyboard') });
    stdin.write('ab\u007f\t\u0003');
    expect(keys).toEqual([
      { kind: 'text', text: 'a' },
      { kind: 'text', text: 'b' },
      { kind: 'key', name: 'backspace' },
      { kind: 'key', name: 'tab' },
      { kind: 'ctrl', letter: 'c' },
    ]);
  });
});

async function until(frame: () => string | undefined, text: string): Promise<string> {
  const start = Date.now();
  while (!(frame() ?? '').includes(text)) {
    if (Date.now() - start > 3000) expect.fail(`no "${text}" on screen:\n${frame()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return frame() ?? '';
}

describe('ink-text-input reading stdin itself (why the kiosk does not let it)', () => {
  function Field() {
    const [value, setValue] = useState('');
    return (
      <Box>
        <Text>[</Text>
        <TextInput value={value} onChange={setValue} showCursor={false} />
        <Text>]</Text>
      </Box>
    );
  }

  it('drops keys that arrive before a redraw, and types a scanner burst into the field', async () => {
    const app = render(<Field />);
    try {
      await tick();
      app.stdin.write('a');
      app.stdin.write('b');
      app.stdin.write('c');
      await until(app.lastFrame, ']');
      await tick();
      expect(app.lastFrame()).toBe('[c]'); // "a" and "b" are lost
      app.stdin.write('9900000000005\r');
      // The scan is typed into the field (and Enter with it), where the kiosk wants a scan event.
      expect(await until(app.lastFrame, '9900000000005')).toMatch(/^\[c?9900000000005\r?\]$/);
    } finally {
      app.unmount();
    }
  });
});

describe('TextField: ink-text-input draws, the key router feeds', () => {
  function Screen() {
    const [state, dispatch, get] = useScreenReducer((s: { value: string; scans: string[] }, e: { value?: string; scan?: string }) => ({
      value: e.value ?? s.value,
      scans: e.scan ? [...s.scans, e.scan] : s.scans,
    }), { value: '', scans: [] });
    useKeys((key) => {
      if (key.kind === 'scan') dispatch({ scan: key.text });
      else dispatch({ value: edit(get().value, key, { maxLength: 20 }) });
    });
    return (
      <Box flexDirection="column">
        <TextField label="Name" value={state.value} focused />
        <TextField label="PIN" value={state.value} focused={false} mask />
        <Text>scans: {state.scans.join(',') || 'none'}</Text>
      </Box>
    );
  }

  it('keeps every key of a fast burst, masks the PIN, and sends a scanner burst to the scan handler', async () => {
    const app = render(
      <KeyRouter scanSource={createScanSource('keyboard')}>
        <Screen />
      </KeyRouter>,
    );
    try {
      await until(app.lastFrame, 'scans: none');
      await tick();
      app.stdin.write('a');
      app.stdin.write('b');
      app.stdin.write('\u007f');
      app.stdin.write('c');
      const typed = await until(app.lastFrame, 'Name         ac');
      expect(typed).toContain('PIN          ••');
      app.stdin.write('9900000000005\r');
      const scanned = await until(app.lastFrame, 'scans: 9900000000005');
      expect(scanned.split('\n')[0]).toBe('› Name         ac');
    } finally {
      app.unmount();
    }
  });
});
