/**
 * Scanner figures for `npm run bench`, each beside a floor measured in the same run:
 *   1. keyboard-report decoding (reports/s) vs a plain switch over the same 8-byte reports
 *   2. HID POS decoding (reports/s) vs a plain loop over the same 64-byte reports
 *   3. scan-to-event latency from a fake node-hid device's last report of a barcode to the
 *      ScanSource's onScan listener (HID POS and keyboard mode) vs a bare EventEmitter round trip
 *   4. scan-to-event latency from a keyboard-wedge burst on the kiosk's stdin, through Ink and
 *      KeyRouter (wedge detector, duplicate guard), to the screen's useKeys handler vs a bare Ink
 *      useInput handler receiving the same chunk
 *
 * Why these targets. Speed is not what a desk lacks: a scanner sends at most about 1,000 reports/s
 * (a boot keyboard interface is polled every 1-10 ms and sends two reports per character; HID POS
 * a few reports per barcode), so a decoder above 100,000 reports/s spends under 1% of a core on
 * it, and a person notices a delay only above ~50 ms while every latency here is microseconds.
 * The floors skip what the code must do (key transitions, shift tables, report ids, timeouts,
 * reassembly, UTF-8 text, the HID POS expiry timer, the wedge detector and duplicate guard), so
 * the ratios are large by design, and the decoding floors (a few ns per report) are noisy. Each
 * target is therefore about twice the ratio this code measured over several runs on a busy 2-core
 * machine (decoding: keyboard 18-32x, HID POS 13-25x; latency: HID POS ~45x, keyboard ~21x,
 * wedge ~1.7x): a regression guard that flags the code getting 2x slower (a regex or an allocation
 * per byte, a buffer re-scanned per report), not a goal to chase the floor.
 */
process.env.NODE_ENV ??= 'production'; // React's production build, as the kiosk runs; set before React loads

import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { KeyboardReportDecoder } from '../src/scanner/keyboardReportDecoder.js';
import { PosReportDecoder } from '../src/scanner/posReportDecoder.js';
import { parseReplayFile } from '../src/scanner/replayFile.js';
import { HidScanSource } from '../src/scanner/hidScanSource.js';
import type { HidDeviceHandle, HidDeviceInfo, HidModule } from '../src/scanner/nodeHid.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 3000);
const SERIAL = '9900000000005';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The same shape as bench/run.ts: label, value, floor, ratio against a target, verdict. */
function line(label: string, value: string, floor: string, ratio: number, target: number): void {
  const verdict = ratio <= target ? 'ok' : 'OVER TARGET';
  console.log(`${label.padEnd(34)} ${value.padStart(14)}   floor ${floor.padStart(14)}   ${ratio.toFixed(2)}x (target <= ${target}x) ${verdict}`);
}

const perSecond = (rate: number) => `${Math.round(rate).toLocaleString('en-US')}/s`;
const micros = (ms: number) => `${(ms * 1000).toFixed(2)} µs`;

/** Reports per second of `pass` over `reports`, for about a second. */
function rate(reports: number, pass: () => void): number {
  for (let i = 0; i < 200; i++) pass(); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 1000) {
    for (let i = 0; i < 20; i++) pass();
    n += 20 * reports;
  }
  return n / ((performance.now() - start) / 1000);
}

// ---- report streams ---------------------------------------------------------------------------

/** Key usage ids for digits: "1".."9" are 0x1e..0x26, "0" is 0x27. */
const digitKey = (digit: string): number => (digit === '0' ? 0x27 : 0x1e + Number(digit) - 1);

/** A boot keyboard stream for one barcode: press, all-zero release, ..., Enter, release. */
function keyboardBarcode(text: string): Buffer[] {
  const reports: Buffer[] = [];
  for (const key of [...[...text].map(digitKey), 0x28]) {
    reports.push(Buffer.from([0, 0, key, 0, 0, 0, 0, 0]), Buffer.alloc(8));
  }
  return reports;
}

/** A Honeywell HID POS report: id 2, length, AIM id, data, code id, reserved, continuation flag. */
function honeywellReport(data: string, aim: string, continued: boolean): Buffer {
  const report = Buffer.alloc(64);
  report[0] = 0x02;
  report[1] = data.length;
  report.write(aim, 2, 'latin1');
  report.write(data, 5, 'latin1');
  report[63] = continued ? 1 : 0;
  return report;
}

/**
 * The recorded node-hid #323 trace (6957842208856, with repeated digits and a Ctrl+Shift+J tail),
 * then the practice serial: what a keyboard-mode scanner really sends.
 */
const trace = fileURLToPath(new URL('../../test/fixtures/scanner/issue-323.txt', import.meta.url));
const keyboardStream: Buffer[] = [
  ...parseReplayFile(readFileSync(trace, 'utf8'), trace).flatMap((item) => (item.kind === 'keyboard-report' ? [Buffer.from(item.bytes)] : [])),
  ...keyboardBarcode(SERIAL),
];
const KEYBOARD_SCANS = 2;

/** An EAN-13 in one report, and a 80-character QR code over two (the practice.txt one). */
const QR = 'https://desk.example/t/TOKEN2-C202-0000123456789-batch-42?check=ABCDEFGHIJKLMNOP';
const posStream: Buffer[] = [
  honeywellReport(SERIAL, ']E0', false),
  honeywellReport(QR.slice(0, 56), ']Q1', true),
  honeywellReport(QR.slice(56), ']Q1', false),
];
const POS_SCANS = 2;

// ---- 1 + 2: decoding throughput ---------------------------------------------------------------

function decodingThroughput(): void {
  let clock = 0;
  const keyboard = new KeyboardReportDecoder();
  const keyboardPass = () => {
    let scans = 0;
    for (const report of keyboardStream) scans += keyboard.push(report, (clock += 1)).length;
    if (scans !== KEYBOARD_SCANS) throw new Error(`bench: keyboard decoder found ${scans} scans, not ${KEYBOARD_SCANS}`);
  };
  // The floor: one switch per report on the first key slot, counting presses and Enters. No
  // shift table, no report-id form, no rollover, no timeout: the least a decoder could do.
  let sink = 0;
  const keyboardFloorPass = () => {
    let scans = 0;
    let held = 0;
    for (const report of keyboardStream) {
      const key = report[2]!;
      if (key !== held) {
        switch (key) {
          case 0x00:
            break;
          case 0x28:
            scans++;
            break;
          default:
            sink = (sink + key + report[0]!) | 0;
        }
      }
      held = key;
    }
    if (scans !== KEYBOARD_SCANS) throw new Error('bench: keyboard floor miscounted');
  };

  const pos = new PosReportDecoder();
  const posPass = () => {
    let scans = 0;
    for (const report of posStream) scans += pos.push(report, (clock += 1)).length;
    if (scans !== POS_SCANS) throw new Error(`bench: HID POS decoder found ${scans} scans, not ${POS_SCANS}`);
  };
  // The floor: sum the data bytes each report's length byte names, end a barcode on a clear
  // continuation flag. No copy, no reassembly, no text.
  const posFloorPass = () => {
    let scans = 0;
    for (const report of posStream) {
      const end = 5 + report[1]!;
      for (let i = 5; i < end; i++) sink = (sink + report[i]!) | 0;
      if ((report[63]! & 1) === 0) scans++;
    }
    if (scans !== POS_SCANS) throw new Error('bench: HID POS floor miscounted');
  };

  const rates = { keyboard: [] as number[], keyboardFloor: [] as number[], pos: [] as number[], posFloor: [] as number[] };
  for (let round = 0; round < 3; round++) {
    rates.keyboardFloor.push(rate(keyboardStream.length, keyboardFloorPass));
    rates.keyboard.push(rate(keyboardStream.length, keyboardPass));
    rates.posFloor.push(rate(posStream.length, posFloorPass));
    rates.pos.push(rate(posStream.length, posPass));
  }
  const [k, kf, p, pf] = [median(rates.keyboard), median(rates.keyboardFloor), median(rates.pos), median(rates.posFloor)];
  line('keyboard reports decoded', perSecond(k), perSecond(kf), kf / k, 60);
  line('HID POS reports decoded', perSecond(p), perSecond(pf), pf / p, 50);
  if (sink === 0.5) console.log(sink); // keeps the floors' work observable
}

// ---- 3: fake HID device to onScan -------------------------------------------------------------

class BenchDevice extends EventEmitter implements HidDeviceHandle {
  async close(): Promise<void> {}
}

/** node-hid with one plugged-in device, opened through either driver. */
function benchHid(info: HidDeviceInfo): { hid: HidModule; device: () => BenchDevice } {
  let opened: BenchDevice | undefined;
  const hid: HidModule = {
    devicesAsync: async () => [{ ...info }],
    HIDAsync: {
      open: async () => {
        opened = new BenchDevice();
        return opened;
      },
    },
  };
  return { hid, device: () => opened! };
}

/** Median ms from emitting `last` (after `before`, untimed) to the listener seeing the scan. */
function timeLastReport(emitter: EventEmitter, subscribe: (onEvent: () => void) => void, before: Buffer[], last: Buffer, after: Buffer[]): number {
  let seenAt = 0n;
  subscribe(() => {
    seenAt = process.hrtime.bigint();
  });
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES + 500; i++) {
    for (const report of before) emitter.emit('data', report);
    seenAt = 0n;
    const start = process.hrtime.bigint();
    emitter.emit('data', last);
    if (seenAt === 0n) throw new Error('bench: the last report did not produce a scan');
    if (i >= 500) samples.push(Number(seenAt - start) / 1e6);
    for (const report of after) emitter.emit('data', report);
  }
  return median(samples);
}

async function hidLatency(): Promise<void> {
  const cases = [
    {
      label: 'HID POS last report to onScan',
      info: { vendorId: 0x0c2e, productId: 0x0b61, product: 'Voyager 1250g', interface: 0, usagePage: 0x8c, usage: 0x02, path: '/dev/hidraw3' },
      before: [posStream[1]!],
      last: posStream[2]!,
      after: [] as Buffer[],
      target: 100,
    },
    {
      label: 'keyboard Enter report to onScan',
      info: { vendorId: 0x05e0, productId: 0x1200, product: 'Symbol Bar Code Scanner', interface: 0, usagePage: 0x01, usage: 0x06, path: '/dev/hidraw5' },
      before: keyboardBarcode(SERIAL).slice(0, -2),
      last: keyboardBarcode(SERIAL).at(-2)!,
      after: [Buffer.alloc(8)],
      target: 50,
    },
  ];
  for (const c of cases) {
    const values: number[] = [];
    const floors: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // The floor: the same reports through a bare emitter to a listener that takes every one.
      const bare = new EventEmitter();
      floors.push(timeLastReport(bare, (onEvent) => bare.on('data', (report: Buffer) => report === c.last && onEvent()), c.before, c.last, c.after));

      const { hid, device } = benchHid(c.info);
      const source = new HidScanSource({ spec: { kind: 'auto' }, loadHid: async () => hid, platform: 'linux' });
      await source.start();
      if (source.status().kind !== 'connected') throw new Error(`bench: fake scanner not connected: ${JSON.stringify(source.status())}`);
      values.push(timeLastReport(device(), (onEvent) => source.onScan(onEvent), c.before, c.last, c.after));
      await source.stop();
    }
    const value = median(values);
    const floor = median(floors);
    line(c.label, micros(value), micros(floor), value / floor, c.target);
  }
}

// ---- 4: keyboard-wedge burst through Ink and KeyRouter ----------------------------------------

async function wedgeLatency(): Promise<void> {
  const { createElement } = await import('react');
  const { Text, useInput } = await import('ink');
  const { render } = await import('ink-testing-library');
  const { KeyRouter, useKeys } = await import('../src/kiosk/input/KeyRouter.js');
  const { createScanSource } = await import('../src/scanner/createScanSource.js');

  let seenAt = 0n;
  const Probe = () => {
    useKeys((key) => {
      if (key.kind === 'scan' && key.text === SERIAL) seenAt = process.hrtime.bigint();
    });
    return createElement(Text, null, 'probe ready');
  };
  const BareInk = () => {
    useInput((input) => {
      if (input === `${SERIAL}\r`) seenAt = process.hrtime.bigint();
    });
    return createElement(Text, null, 'probe ready');
  };

  // Scans at a desk come seconds apart: the router's clock moves 2 s per burst, so the duplicate
  // guard's 1.5 s window holds one scan, as it does at a desk, not the thousands a tight loop makes.
  let clock = Date.now();
  const now = () => clock;
  const measure = async (element: ReturnType<typeof createElement>): Promise<number> => {
    const app = render(element);
    const start = Date.now();
    while (!(app.lastFrame() ?? '').includes('probe ready')) {
      if (Date.now() - start > 5000) throw new Error('bench: the probe never rendered');
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 20)); // useInput subscribes in a passive effect
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES + 500; i++) {
      seenAt = 0n;
      clock += 2000;
      const t0 = process.hrtime.bigint();
      app.stdin.write(`${SERIAL}\r`);
      // Ink delivers a chunk synchronously; a microtask wait covers a version that does not.
      if (seenAt === 0n) await Promise.resolve();
      if (seenAt === 0n) throw new Error('bench: the burst did not arrive as a scan');
      if (i >= 500) samples.push(Number(seenAt - t0) / 1e6);
    }
    app.unmount();
    return median(samples);
  };

  const values: number[] = [];
  const floors: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    floors.push(await measure(createElement(BareInk)));
    values.push(await measure(createElement(KeyRouter, { scanSource: createScanSource('keyboard'), now, children: createElement(Probe) })));
  }
  const value = median(values);
  const floor = median(floors);
  line('wedge burst to scan (KeyRouter)', micros(value), micros(floor), value / floor, 4);
}

console.log(`tokendesk scanner bench (median of ${ROUNDS} rounds of ${SAMPLES} scans for latency; node ${process.version})`);
decodingThroughput();
await hidLatency();
await wedgeLatency();
