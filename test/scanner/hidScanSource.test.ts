import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createScanSource } from '../../src/scanner/createScanSource.js';
import { DuplicateScanGuard } from '../../src/scanner/duplicateScanGuard.js';
import type { ScanEvent, ScanSource, ScannerStatus } from '../../src/scanner/types.js';
import { FakeHid, HONEYWELL_POS, ORDINARY_KEYBOARD, ZEBRA_KEYBOARD, fakeLoader } from './fakeHid.js';
import { RELEASE, digitKey, genericReport, honeywellReport, tap } from './reports.js';

function record(source: ScanSource): { scans: ScanEvent[]; statuses: ScannerStatus[] } {
  const scans: ScanEvent[] = [];
  const statuses: ScannerStatus[] = [];
  source.onScan((scan) => scans.push(scan));
  source.onStatus((status) => statuses.push(status));
  return { scans, statuses };
}

function typedReports(text: string): number[][] {
  return [...[...text].flatMap((digit) => tap(digitKey(digit))), ...tap(0x28)];
}

let sources: ScanSource[] = [];
function track(source: ScanSource): ScanSource {
  sources.push(source);
  return source;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(async () => {
  for (const source of sources) await source.stop();
  sources = [];
  vi.useRealTimers();
});

describe('node-hid scan source with a fake node-hid', () => {
  it('auto prefers the HID POS interface, connects and emits decoded scans with symbology', async () => {
    const hid = new FakeHid();
    hid.devices = [ORDINARY_KEYBOARD, ZEBRA_KEYBOARD, HONEYWELL_POS];
    const source = track(createScanSource('auto', { loadHid: fakeLoader(hid) }));
    const { scans } = record(source);
    await source.start();

    expect(source.status()).toEqual({
      kind: 'connected',
      device: 'Honeywell Voyager 1250g (0c2e:0b61)',
      mode: 'hid-pos',
      typesIntoTerminal: false,
    });
    expect(hid.lastOpened?.path).toBe('/dev/hidraw3');
    vi.setSystemTime(1234);
    hid.lastOpened?.send(honeywellReport('6957842208856', { aim: ']E0' }));
    expect(scans).toEqual([{ text: '6957842208856', symbology: ']E0', source: 'hid-pos', at: 1234 }]);
  });

  it('finishes a generic POS barcode that ends on a full report by its timer', async () => {
    const hid = new FakeHid();
    hid.devices = [HONEYWELL_POS];
    const source = track(createScanSource('auto', { loadHid: fakeLoader(hid), posLayout: 'generic', keyTimeoutMs: 100 }));
    const { scans } = record(source);
    await source.start();
    hid.lastOpened?.send(genericReport('12345678901234'));
    expect(scans).toEqual([]);
    await vi.advanceTimersByTimeAsync(150);
    expect(scans.map((scan) => scan.text)).toEqual(['12345678901234']);
  });

  it('on Linux opens a keyboard-mode scanner through libusb so it stops typing', async () => {
    const hidraw = new FakeHid();
    hidraw.devices = [ORDINARY_KEYBOARD, ZEBRA_KEYBOARD];
    const libusb = new FakeHid();
    libusb.devices = [{ ...ZEBRA_KEYBOARD, path: '1-2:1.0', usagePage: 0, usage: 0 }];
    const loader = fakeLoader(hidraw, libusb);
    const source = track(createScanSource('auto', { loadHid: loader, platform: 'linux' }));
    const { scans } = record(source);
    await source.start();

    expect(loader.calls).toEqual(['default', 'libusb']);
    expect(hidraw.opened).toEqual([]);
    expect(libusb.lastOpened?.path).toBe('1-2:1.0');
    expect(source.status()).toMatchObject({ kind: 'connected', mode: 'keyboard', typesIntoTerminal: false });
    for (const report of typedReports('6957842208856')) libusb.lastOpened?.send(report);
    expect(scans.map((scan) => [scan.text, scan.source])).toEqual([['6957842208856', 'hid-keyboard']]);
  });

  it('falls back to hidraw when libusb cannot take the device, and flags the keystroke echo', async () => {
    const hidraw = new FakeHid();
    hidraw.devices = [ZEBRA_KEYBOARD];
    const libusb = new FakeHid();
    libusb.devices = [{ ...ZEBRA_KEYBOARD, path: '1-2:1.0' }];
    libusb.refuse.set('1-2:1.0', 'Failed to open a device with path 1-2:1.0: Access denied');
    const source = track(createScanSource('auto', { loadHid: fakeLoader(hidraw, libusb), platform: 'linux' }));
    await source.start();

    const status = source.status();
    expect(status).toMatchObject({ kind: 'connected', mode: 'keyboard', typesIntoTerminal: true });
    expect(status.kind === 'connected' && status.note).toMatch(/Access denied/);
    expect(hidraw.lastOpened?.path).toBe('/dev/hidraw5');
  });

  it('the duplicate guard drops the keystroke copy of a scan that also came through HID', async () => {
    const hidraw = new FakeHid();
    hidraw.devices = [ZEBRA_KEYBOARD];
    const source = track(createScanSource('auto', { loadHid: fakeLoader(hidraw, new Error('no libusb')), platform: 'linux' }));
    const guard = new DuplicateScanGuard({ windowMs: 1500 });
    const taken: string[] = [];
    source.onScan((scan) => guard.admit(scan) && taken.push(`${scan.source}:${scan.text}`));
    await source.start();
    expect(source.status()).toMatchObject({ typesIntoTerminal: true });

    vi.setSystemTime(10_000);
    for (const report of typedReports('2100000012345')) hidraw.lastOpened?.send(report);
    // The kiosk's wedge detector sees the same scan typed into the terminal a moment later.
    const wedgeCopy: ScanEvent = { text: '2100000012345', source: 'wedge', at: 10_040 };
    if (guard.admit(wedgeCopy)) taken.push(`wedge:${wedgeCopy.text}`);
    // Scanning the same token again on purpose is a new scan, through either path.
    vi.setSystemTime(14_000);
    for (const report of typedReports('2100000012345')) hidraw.lastOpened?.send(report);
    expect(taken).toEqual(['hid-keyboard:2100000012345', 'hid-keyboard:2100000012345']);
  });

  it('reports an unplug at once, polls with back-off, and reconnects by itself on replug', async () => {
    const hid = new FakeHid();
    hid.devices = [HONEYWELL_POS];
    const source = track(createScanSource('auto', { loadHid: fakeLoader(hid) }));
    const { scans, statuses } = record(source);
    await source.start();
    const first = hid.lastOpened;
    expect(hid.enumerations).toEqual([0]);

    vi.setSystemTime(1000);
    hid.devices = [];
    first?.unplug();
    expect(source.status()).toEqual({ kind: 'disconnected', device: 'Honeywell Voyager 1250g (0c2e:0b61)' });
    await vi.advanceTimersByTimeAsync(0);
    expect(first?.closed).toBe(true);

    await vi.advanceTimersByTimeAsync(20_000);
    // 0.5 s, then doubling to the 5 s cap: a handful of looks, no busy loop.
    const gaps = hid.enumerations.slice(1).map((at, i, all) => at - (i === 0 ? 1000 : (all[i - 1] ?? 0)));
    expect(gaps).toEqual([500, 1000, 2000, 4000, 5000, 5000]);

    hid.devices = [HONEYWELL_POS];
    await vi.advanceTimersByTimeAsync(5000);
    expect(source.status()).toMatchObject({ kind: 'connected', mode: 'hid-pos' });
    expect(hid.opened).toHaveLength(2);
    const second = hid.lastOpened;
    second?.send(honeywellReport('2100000012345'));
    first?.send(honeywellReport('from the old handle'));
    expect(scans.map((scan) => scan.text)).toEqual(['2100000012345']);
    expect(statuses.map((status) => status.kind)).toEqual(['connected', 'disconnected', 'keyboard-wedge', 'connected']);

    // Connected again: no more polling.
    const looks = hid.enumerations.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(hid.enumerations.length).toBe(looks);
  });

  it('waits for an explicitly named device that is not plugged in, as disconnected', async () => {
    const hid = new FakeHid();
    hid.devices = [ORDINARY_KEYBOARD];
    const source = track(createScanSource('05e0:1200', { loadHid: fakeLoader(hid) }));
    await source.start();
    expect(source.status()).toEqual({ kind: 'disconnected', device: '05e0:1200 (no device 05e0:1200 is plugged in)' });

    hid.devices = [ORDINARY_KEYBOARD, ZEBRA_KEYBOARD];
    await vi.advanceTimersByTimeAsync(600);
    expect(source.status()).toMatchObject({ kind: 'connected', mode: 'keyboard' });
  });

  it('auto without a scanner says keyboard-wedge once, keeps looking, and takes a scanner plugged in later', async () => {
    const hid = new FakeHid();
    hid.devices = [ORDINARY_KEYBOARD];
    const source = track(createScanSource('auto', { loadHid: fakeLoader(hid) }));
    const { statuses } = record(source);
    await source.start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({ kind: 'keyboard-wedge' });
    expect(source.status().kind === 'keyboard-wedge' && source.status()).toMatchObject({
      reason: expect.stringMatching(/none of the 1 HID interfaces .*keystrokes/),
    });
    hid.devices = [ORDINARY_KEYBOARD, HONEYWELL_POS];
    await vi.advanceTimersByTimeAsync(5000);
    expect(source.status()).toMatchObject({ kind: 'connected', mode: 'hid-pos' });
  });

  it('says once that node-hid cannot load, and does not retry', async () => {
    const loadHid = vi.fn(async () => {
      throw new Error('libusb-1.0.so.0: cannot open shared object file: No such file or directory');
    });
    const source = track(createScanSource('auto', { loadHid }));
    const { statuses } = record(source);
    await expect(source.start()).resolves.toBeUndefined();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(loadHid).toHaveBeenCalledTimes(1);
    expect(statuses).toHaveLength(1);
    expect(source.status()).toEqual({
      kind: 'unavailable',
      reason: expect.stringMatching(/libusb-1\.0\.so\.0.*apt-get install libusb-1\.0-0.*keystrokes/),
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a device that cannot be opened (permissions) is retried, with a pointer to the udev rule', async () => {
    const hid = new FakeHid();
    hid.devices = [HONEYWELL_POS];
    hid.refuse.set('/dev/hidraw3', 'Permission denied');
    const source = track(createScanSource('auto', { loadHid: fakeLoader(hid) }));
    await source.start();
    expect(source.status()).toMatchObject({ kind: 'keyboard-wedge', reason: expect.stringMatching(/Permission denied.*udev/) });
    hid.refuse.clear();
    await vi.advanceTimersByTimeAsync(600);
    expect(source.status()).toMatchObject({ kind: 'connected' });
  });

  it('stop() releases the device and every timer, and may be called twice or before start()', async () => {
    const hid = new FakeHid();
    const never = track(createScanSource('auto', { loadHid: fakeLoader(hid) }));
    await never.stop();

    hid.devices = [HONEYWELL_POS];
    const source = track(createScanSource('auto', { loadHid: fakeLoader(hid) }));
    const { scans } = record(source);
    await source.start();
    const device = hid.lastOpened;
    await source.stop();
    await source.stop();
    expect(device?.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    device?.send(honeywellReport('after stop'));
    expect(scans).toEqual([]);

    // Stopped while disconnected: the pending reconnect is cancelled too.
    const again = track(createScanSource('auto', { loadHid: fakeLoader(hid) }));
    await again.start();
    hid.devices = [];
    hid.lastOpened?.unplug();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    await again.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a keyboard scan cut by the inter-key timeout is dropped', async () => {
    const hidraw = new FakeHid();
    hidraw.devices = [ZEBRA_KEYBOARD];
    const source = track(createScanSource('05e0:1200', { loadHid: fakeLoader(hidraw), platform: 'darwin', keyTimeoutMs: 100 }));
    const { scans } = record(source);
    await source.start();
    const device = hidraw.lastOpened;
    for (const report of tap(digitKey('1'))) device?.send(report);
    vi.setSystemTime(5000);
    for (const report of [...tap(digitKey('2')), RELEASE, ...tap(0x28)]) device?.send(report);
    expect(scans.map((scan) => scan.text)).toEqual(['2']);
  });
});
