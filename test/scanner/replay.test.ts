import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createScanSource } from '../../src/scanner/createScanSource.js';
import { parseReplayFile, ReplayFileError } from '../../src/scanner/replayFile.js';
import { FOLLOW_POLL_MS, ReplayScanSource } from '../../src/scanner/replayScanSource.js';
import type { ScanEvent, ScannerStatus } from '../../src/scanner/types.js';

const fixtures = fileURLToPath(new URL('../fixtures/scanner/', import.meta.url));
const QR = 'https://desk.example/t/TOKEN2-C202-0000123456789-batch-42?check=ABCDEFGHIJKLMNOP';

function play(source: ReplayScanSource): { scans: ScanEvent[]; statuses: ScannerStatus[] } {
  const scans: ScanEvent[] = [];
  const statuses: ScannerStatus[] = [];
  source.onScan((scan) => scans.push(scan));
  source.onStatus((status) => statuses.push(status));
  return { scans, statuses };
}

describe('replay file format', () => {
  it('reads scans, raw reports, delays, statuses and comments, with their line numbers', () => {
    const items = parseReplayFile(
      ['# comment', '', '  0000123456789  ', 'HEX: 00 00 1e 00 00 00 00 00', 'pos: 0x02,0x01,5d,45,30,41', 'delay: 250', 'status: disconnected', 'text: #42', 'follow: ON'].join('\r\n'),
      'inline.txt',
    );
    expect(items).toEqual([
      { kind: 'scan', text: '0000123456789', line: 3 },
      { kind: 'keyboard-report', bytes: [0, 0, 0x1e, 0, 0, 0, 0, 0], line: 4 },
      { kind: 'pos-report', bytes: [2, 1, 0x5d, 0x45, 0x30, 0x41], line: 5 },
      { kind: 'delay', ms: 250, line: 6 },
      { kind: 'status', connected: false, line: 7 },
      { kind: 'scan', text: '#42', line: 8 },
      { kind: 'follow', on: true, line: 9 },
    ]);
  });

  it.each([
    ['hex: 00 zz', /line 1: "zz" is not a hex byte/],
    ['pos:', /line 1: no report bytes/],
    ['delay: soon', /line 1: delay: needs whole milliseconds/],
    ['status: asleep', /line 1: status: is "connected" or "disconnected"/],
    ['text:', /line 1: text: needs the scan text/],
    ['follow: always', /line 1: follow: is "on" or "off"/],
  ])('refuses %j with the file and line', (line, message) => {
    expect(() => parseReplayFile(line, 'bad.txt')).toThrow(ReplayFileError);
    expect(() => parseReplayFile(line, 'bad.txt')).toThrow(message);
  });
});

describe('replay source', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('plays the node-hid #323 trace through the keyboard decoder', async () => {
    const source = createScanSource('replay:issue-323.txt', { cwd: fixtures }) as ReplayScanSource;
    const { scans } = play(source);
    await source.start();
    expect(source.status()).toEqual({ kind: 'connected', device: 'replay issue-323.txt', mode: 'replay', typesIntoTerminal: false });
    await vi.runAllTimersAsync();
    await source.finished();
    expect(scans).toEqual([{ text: '6957842208856', source: 'replay', at: 0 }]);
  });

  it('plays practice.txt in time: text, keystroke reports, a two-report HID POS QR code, an unplug', async () => {
    const source = createScanSource(`replay:${fixtures}practice.txt`) as ReplayScanSource;
    const { scans, statuses } = play(source);
    await source.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(scans.map((scan) => scan.text)).toEqual(['2100000012345']);
    await vi.advanceTimersByTimeAsync(200);
    expect(scans.map((scan) => scan.text)).toEqual(['2100000012345', '21']);
    await vi.advanceTimersByTimeAsync(200);
    expect(scans[2]).toEqual({ text: QR, symbology: ']Q1', source: 'replay', at: 400 });
    expect(source.status()).toEqual({ kind: 'disconnected', device: 'replay practice.txt' });
    await vi.advanceTimersByTimeAsync(1000);
    await source.finished();
    expect(scans.map((scan) => [scan.text, scan.at])).toEqual([
      ['2100000012345', 0],
      ['21', 200],
      [QR, 400],
      ['# a scan that starts with a hash', 1400],
    ]);
    expect(statuses.map((status) => status.kind)).toEqual(['connected', 'disconnected', 'connected']);
  });

  it('drops a keystroke scan cut by a pause longer than the inter-key timeout', async () => {
    const source = createScanSource('replay:cut-scan.txt', { cwd: fixtures, keyTimeoutMs: 250 }) as ReplayScanSource;
    const { scans } = play(source);
    await source.start();
    await vi.runAllTimersAsync();
    expect(scans.map((scan) => scan.text)).toEqual(['34']);
  });

  it('a bad file leaves the source unavailable with the file and line, and never throws', async () => {
    const source = createScanSource('replay:bad-hex.txt', { cwd: fixtures }) as ReplayScanSource;
    const { scans } = play(source);
    await expect(source.start()).resolves.toBeUndefined();
    await source.finished();
    expect(source.status()).toEqual({
      kind: 'unavailable',
      reason: expect.stringMatching(/bad-hex\.txt line 3: "2g" is not a hex byte/),
    });
    expect(scans).toEqual([]);
  });

  it('a missing file is unavailable too', async () => {
    const source = createScanSource('replay:no-such-file.txt', { cwd: fixtures });
    await source.start();
    expect(source.status()).toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/no-such-file\.txt/) });
  });

  it('stop() halts playback and clears its timer', async () => {
    const source = createScanSource('replay:practice.txt', { cwd: fixtures }) as ReplayScanSource;
    const { scans } = play(source);
    await source.start();
    await vi.advanceTimersByTimeAsync(0);
    await source.stop();
    await source.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(scans).toHaveLength(1);
  });
});

describe('replay source following its file (follow: on)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A replay file in memory that the test appends to, as `echo ... >> FILE` would. */
  function followed(initial: string) {
    const file = { content: initial };
    const source = new ReplayScanSource({ file: 'cue.txt', readText: async () => file.content });
    return { file, source, ...play(source) };
  }

  it('plays lines appended after the end, once each, and keeps the line numbers of the file', async () => {
    const { file, source, scans } = followed('# nothing at start\nfollow: on\n');
    await source.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(scans).toEqual([]);
    expect(source.status()).toMatchObject({ kind: 'connected', mode: 'replay' });

    file.content += '9900000000005\n';
    await vi.advanceTimersByTimeAsync(FOLLOW_POLL_MS);
    expect(scans.map((scan) => [scan.text, scan.at])).toEqual([['9900000000005', 1100]]);

    // Raw reports and delays appended later play like the rest of the file.
    file.content += 'hex: 00 00 1f 00 00 00 00 00\nhex: 00 00 00 00 00 00 00 00\ndelay: 50\nhex: 00 00 28 00 00 00 00 00\n';
    await vi.advanceTimersByTimeAsync(FOLLOW_POLL_MS);
    expect(scans).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(scans.map((scan) => scan.text)).toEqual(['9900000000005', '2']);

    file.content += 'hex: 00 zz\n';
    await vi.advanceTimersByTimeAsync(FOLLOW_POLL_MS);
    await source.finished();
    expect(source.status()).toEqual({ kind: 'unavailable', reason: expect.stringMatching(/cue\.txt line 8: "zz" is not a hex byte/) });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits for the newline of a half-written line', async () => {
    const { file, source, scans } = followed('follow: on\n');
    await source.start();
    await vi.advanceTimersByTimeAsync(0);
    file.content += '99000000';
    await vi.advanceTimersByTimeAsync(3 * FOLLOW_POLL_MS);
    expect(scans).toEqual([]);
    file.content += '00005\r\n';
    await vi.advanceTimersByTimeAsync(FOLLOW_POLL_MS);
    expect(scans.map((scan) => scan.text)).toEqual(['9900000000005']);
    await source.stop();
  });

  it('ends at an appended "follow: off", and stop() ends following with no timer left', async () => {
    const first = followed('follow: on\n');
    await first.source.start();
    first.file.content += '2100000012345\nfollow: off\n';
    await vi.advanceTimersByTimeAsync(FOLLOW_POLL_MS);
    await first.source.finished();
    expect(first.scans.map((scan) => scan.text)).toEqual(['2100000012345']);
    expect(vi.getTimerCount()).toBe(0);

    const second = followed('follow: on\n');
    await second.source.start();
    await vi.advanceTimersByTimeAsync(FOLLOW_POLL_MS * 2);
    await second.source.stop();
    second.file.content += '2100000012345\n';
    await vi.advanceTimersByTimeAsync(FOLLOW_POLL_MS * 5);
    expect(second.scans).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('plays a file written anew (shorter than what was played) from its start', async () => {
    const { file, source, scans } = followed('follow: on\n2100000012345\n');
    await source.start();
    await vi.advanceTimersByTimeAsync(0);
    file.content = '9900000000005\n';
    await vi.advanceTimersByTimeAsync(FOLLOW_POLL_MS);
    expect(scans.map((scan) => scan.text)).toEqual(['2100000012345', '9900000000005']);
    await source.stop();
  });
});
