/**
 * The key router on its own: one probe screen records what it receives, so each test states only
 * the input and the keys that come out (typing, Enter, scans, named keys).
 */
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { createScanSource, type ScanSource } from '../../src/scanner/index.js';
import { KeyRouter, useKeys } from '../../src/kiosk/input/KeyRouter.js';
import type { KioskKey } from '../../src/kiosk/input/keys.js';
import { FakeScanner } from './fakeScanner.js';

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
