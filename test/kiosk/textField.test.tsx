/**
 * Why the kiosk's fields use ink-text-input only to draw: its own key handling reads Ink's stdin
 * directly, so it cannot tell a scanner's burst from typing and it drops keys that arrive before a
 * redraw. The kiosk's fields take their keys from the key router instead, and keep every one.
 */
import { Box, Text } from 'ink';
import TextInput from 'ink-text-input';
import { render } from 'ink-testing-library';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { TextField } from '../../src/kiosk/components/TextField.js';
import { useScreenReducer } from '../../src/kiosk/hooks/screenState.js';
import { edit } from '../../src/kiosk/input/keys.js';
import { KeyRouter, useKeys } from '../../src/kiosk/input/KeyRouter.js';
import { createScanSource } from '../../src/scanner/index.js';
import { tick } from './harness.js';

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
