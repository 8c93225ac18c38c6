import { describe, expect, it } from 'vitest';
import { WedgeDetector, type WedgeOutput } from '../../src/scanner/wedgeDetector.js';

/**
 * Plays keystrokes as [text, at] pairs, calling tick() whenever the detector asks to be woken
 * before the next keystroke, as the kiosk's timer would.
 */
function play(detector: WedgeDetector, keys: [string, number][], end = Number.MAX_SAFE_INTEGER): WedgeOutput[] {
  const outputs: WedgeOutput[] = [];
  for (const [text, at] of keys) {
    const wake = detector.releaseAt;
    if (wake !== undefined && wake <= at) outputs.push(...detector.tick(wake));
    outputs.push(...detector.feed(text, at));
  }
  const wake = detector.releaseAt;
  if (wake !== undefined && wake <= end) outputs.push(...detector.tick(wake));
  return outputs;
}

function keysEvery(text: string, gapMs: number, start = 0): [string, number][] {
  return [...text].map((char, i) => [char, start + i * gapMs]);
}

const scanOf = (text: string, at: number): WedgeOutput => ({ kind: 'scan', scan: { text, source: 'wedge', at } });

describe('keyboard-wedge burst detector', () => {
  it('takes a fast burst ending in Enter as a scan, and types nothing', () => {
    const outputs = play(new WedgeDetector(), keysEvery('6957842208856\r', 5));
    expect(outputs).toEqual([scanOf('6957842208856', 65)]);
  });

  it('passes slow human typing through as typing, and Enter as Enter', () => {
    const outputs = play(new WedgeDetector(), keysEvery('6957\r', 120));
    expect(outputs).toEqual([
      { kind: 'typing', text: '6' },
      { kind: 'typing', text: '9' },
      { kind: 'typing', text: '5' },
      { kind: 'typing', text: '7' },
      { kind: 'enter' },
    ]);
  });

  it('splits one stdin chunk that holds a whole scan plus Enter, and a CR LF suffix is one scan', () => {
    const detector = new WedgeDetector();
    expect(detector.feed('6957842208856\r', 1000)).toEqual([scanOf('6957842208856', 1000)]);
    expect(detector.feed('2100000012345\r\n', 2000)).toEqual([scanOf('2100000012345', 2000)]);
    expect(detector.feed('2100000012345\r', 3000)).toEqual([scanOf('2100000012345', 3000)]);
    expect(detector.feed('\n', 3002)).toEqual([]);
    expect(detector.releaseAt).toBeUndefined();
  });

  it('handles two scans in one chunk and a scan split across chunks', () => {
    const detector = new WedgeDetector();
    expect(detector.feed('1111\r2222\r', 0)).toEqual([scanOf('1111', 0), scanOf('2222', 0)]);
    expect(play(detector, [['69578', 100], ['42208856', 103], ['\r', 106]])).toEqual([scanOf('6957842208856', 106)]);
  });

  it('keeps repeated characters', () => {
    expect(play(new WedgeDetector(), keysEvery('88888888\r', 3))).toEqual([scanOf('88888888', 24)]);
  });

  it('treats a short fast burst as typing (a quick "ok" + Enter is not a scan)', () => {
    expect(new WedgeDetector().feed('ok\r', 0)).toEqual([{ kind: 'typing', text: 'ok' }, { kind: 'enter' }]);
  });

  it('releases a fast burst without Enter as typing once the gap has passed', () => {
    const detector = new WedgeDetector({ maxKeyGapMs: 35 });
    expect(detector.feed('pasted text', 0)).toEqual([]);
    expect(detector.releaseAt).toBe(36);
    expect(detector.tick(35)).toEqual([]);
    expect(detector.tick(36)).toEqual([{ kind: 'typing', text: 'pasted text' }]);
  });

  it('a burst whose Enter comes too late is typing then Enter', () => {
    const outputs = play(new WedgeDetector(), [...keysEvery('123456', 5), ['\r', 400]]);
    expect(outputs).toEqual([{ kind: 'typing', text: '123456' }, { kind: 'enter' }]);
  });

  it('separates a person typing from a scan that follows', () => {
    const outputs = play(new WedgeDetector(), [...keysEvery('ab', 150), ...keysEvery('0000123456789\r', 4, 1000)]);
    expect(outputs).toEqual([{ kind: 'typing', text: 'a' }, { kind: 'typing', text: 'b' }, scanOf('0000123456789', 1052)]);
  });

  it('uses the configured gap and minimum length', () => {
    const detector = new WedgeDetector({ maxKeyGapMs: 10, minScanLength: 8 });
    expect(play(detector, keysEvery('1234567\r', 2))).toEqual([{ kind: 'typing', text: '1234567' }, { kind: 'enter' }]);
    expect(play(detector, keysEvery('12345678\r', 20, 1000))).toEqual([
      ...[...'12345678'].map((char) => ({ kind: 'typing', text: char })),
      { kind: 'enter' },
    ]);
    expect(play(detector, keysEvery('12345678\r', 9, 5000))).toEqual([scanOf('12345678', 5072)]);
  });

  it('passes control characters on at once, releasing what was held', () => {
    expect(new WedgeDetector().feed('ab\u007fc', 0)).toEqual([{ kind: 'typing', text: 'ab\u007f' }]);
  });
});
