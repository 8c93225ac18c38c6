import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KeyboardReportDecoder } from '../../src/scanner/keyboardReportDecoder.js';
import { parseReplayFile } from '../../src/scanner/replayFile.js';
import { RELEASE, digitKey, hex, tap } from './reports.js';

/** Feeds reports 4 ms apart, like a scanner at its report interval, and collects the scans' text. */
function decode(reports: number[][], decoder = new KeyboardReportDecoder(), start = 0): string[] {
  return reports.flatMap((report, i) => decoder.push(report, start + i * 4).map((scan) => scan.text));
}

function typed(text: string): number[][] {
  return [...text].flatMap((digit) => tap(digitKey(digit)));
}

const ENTER = tap(0x28);

describe('boot keyboard reports from a keyboard-mode scanner', () => {
  it('decodes the node-hid issue #323 trace to 6957842208856, ignoring the Ctrl+Shift+J after Enter', () => {
    const fixture = new URL('../fixtures/scanner/issue-323.txt', import.meta.url);
    const reports = parseReplayFile(readFileSync(fixture, 'utf8'), 'issue-323.txt').flatMap((item) =>
      item.kind === 'keyboard-report' ? [item.bytes] : [],
    );
    expect(reports).toHaveLength(33);
    const decoder = new KeyboardReportDecoder();
    expect(decode(reports, decoder)).toEqual(['6957842208856']);
    expect(decoder.hasPartialScan).toBe(false);
  });

  it('builds the same stream by hand: 23 26 22 24 25 21 1f 1f 27 25 25 22 23 then 28, zeros between', () => {
    const keys = ['23', '26', '22', '24', '25', '21', '1f', '1f', '27', '25', '25', '22', '23', '28'];
    const reports = keys.flatMap((key) => [hex(`00 00 ${key} 00 00 00 00 00`), RELEASE]);
    expect(decode(reports)).toEqual(['6957842208856']);
  });

  it('keeps every repeated digit of a 13-digit serial', () => {
    expect(decode([...typed('1000000000088'), ...ENTER])).toEqual(['1000000000088']);
    expect(decode([...typed('0011223344556'), ...ENTER])).toEqual(['0011223344556']);
  });

  it('counts a key once while it is held over several reports, and again after a release', () => {
    const held = hex('00 00 25 00 00 00 00 00');
    expect(decode([held, held, held, RELEASE, held, RELEASE, ...ENTER])).toEqual(['88']);
  });

  it('takes a key that replaces another without a release in between', () => {
    const reports = [hex('00 00 1e 00 00 00 00 00'), hex('00 00 1f 00 00 00 00 00'), hex('00 00 1f 20 00 00 00 00'), RELEASE, ...ENTER];
    expect(decode(reports)).toEqual(['123']);
  });

  it('types shifted characters with left or right shift, also when shift comes in its own report', () => {
    const reports = [
      ...tap(0x04, 0x02), // A (left shift)
      ...tap(0x05, 0x20), // B (right shift)
      ...tap(0x06), // c
      ...tap(0x2d, 0x02), // _
      ...tap(0x1e, 0x20), // !
      hex('02 00 00 00 00 00 00 00'), // shift down alone
      hex('02 00 34 00 00 00 00 00'), // "
      RELEASE,
      ...tap(0x2d), // -
      ...tap(0x38), // /
      ...tap(0x37), // .
      ...tap(0x2c), // space
      ...tap(0x33, 0x02), // :
      ...ENTER,
    ];
    expect(decode(reports)).toEqual(['ABc_!"-/. :']);
  });

  it('reads keypad digits 0x59..0x62 and ends on keypad Enter 0x58', () => {
    const keypad = [0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x62];
    expect(decode([...keypad.flatMap((key) => tap(key)), ...tap(0x58)])).toEqual(['12345678900']);
  });

  it('ends a scan on Tab as well as Enter, and an empty Enter is no scan', () => {
    expect(decode([...ENTER, ...typed('42'), ...tap(0x2b), ...ENTER])).toEqual(['42']);
  });

  it('strips a report-id byte in front of 9-byte reports', () => {
    const withId = (report: number[]): number[] => [0x01, ...report];
    const reports = [...typed('6957842208856'), ...ENTER].map(withId);
    expect(reports[0]).toHaveLength(9);
    expect(decode(reports)).toEqual(['6957842208856']);
  });

  it('drops a partial scan whose next key comes after the inter-key timeout', () => {
    const decoder = new KeyboardReportDecoder({ keyTimeoutMs: 100 });
    const scans: string[] = [];
    const feed = (reports: number[][], at: number): void => {
      reports.forEach((report, i) => scans.push(...decoder.push(report, at + i * 4).map((scan) => scan.text)));
    };
    feed(typed('123'), 0); // cut off here
    expect(decoder.hasPartialScan).toBe(true);
    feed([...typed('456'), ...ENTER], 1000);
    expect(scans).toEqual(['456']);
    expect(decoder.droppedPartials).toBe(1);
  });

  it('keeps a scan whose keys come just within the timeout', () => {
    const decoder = new KeyboardReportDecoder({ keyTimeoutMs: 100 });
    const reports = [...typed('78'), ...ENTER];
    expect(reports.flatMap((report, i) => decoder.push(report, i * 50).map((scan) => scan.text))).toEqual(['78']);
  });

  it('expire() drops a stale partial scan without waiting for the next key', () => {
    const decoder = new KeyboardReportDecoder({ keyTimeoutMs: 100 });
    decode(typed('99'), decoder);
    decoder.expire(50);
    expect(decoder.hasPartialScan).toBe(true);
    decoder.expire(500);
    expect(decoder.hasPartialScan).toBe(false);
    expect(decode(ENTER, decoder, 600)).toEqual([]);
  });

  it('ignores keys held with Ctrl, Alt or GUI: they are commands, not text', () => {
    expect(decode([...typed('5'), ...tap(0x0d, 0x01), ...tap(0x04, 0x40), ...tap(0x06, 0x08), ...typed('6'), ...ENTER])).toEqual(['56']);
  });

  it('ignores reports of the wrong length and rollover errors, without throwing or losing the scan', () => {
    const decoder = new KeyboardReportDecoder();
    const reports = [
      [],
      hex('00 00 1e'),
      hex('00 00 1e 00 00 00 00'),
      hex('00 00 1e 00 00 00 00 00 00 00'),
      new Array<number>(64).fill(0x1e),
      ...tap(0x1e), // 1
      hex('00 00 1f 00 00 00 00 00'), // 2 held
      hex('00 00 01 01 01 01 01 01'), // rollover: keys unknown, state kept
      hex('00 00 1f 00 00 00 00 00'), // still 2, not a new press
      RELEASE,
      ...ENTER,
    ];
    expect(decode(reports, decoder)).toEqual(['12']);
    expect(decoder.ignoredReports).toBe(6);
  });

  it('never throws on random bytes', () => {
    const decoder = new KeyboardReportDecoder();
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    for (let i = 0; i < 5000; i++) {
      const report = Array.from({ length: [0, 7, 8, 9, 64][random() % 5] ?? 8 }, random);
      expect(() => decoder.push(report, i)).not.toThrow();
    }
  });
});
