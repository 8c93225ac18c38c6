import { describe, expect, it } from 'vitest';
import { createScanSource } from '../../src/scanner/createScanSource.js';
import { HidScanSource } from '../../src/scanner/hidScanSource.js';
import { ReplayScanSource } from '../../src/scanner/replayScanSource.js';
import { ScannerSpecError, parseScannerSpec } from '../../src/scanner/scannerSpec.js';

describe('--scanner values', () => {
  it.each([
    ['auto', { kind: 'auto' }],
    ['AUTO', { kind: 'auto' }],
    ['off', { kind: 'off' }],
    ['keyboard', { kind: 'keyboard' }],
    ['0c2e:0B61', { kind: 'usb-id', vendorId: 0x0c2e, productId: 0x0b61 }],
    ['/dev/hidraw3', { kind: 'path', path: '/dev/hidraw3' }],
    ['1-2.4:1.0', { kind: 'path', path: '1-2.4:1.0' }],
    ['DevSrvsID:4294969337', { kind: 'path', path: 'DevSrvsID:4294969337' }],
    ['\\\\?\\HID#VID_0C2E&PID_0B61#7&1', { kind: 'path', path: '\\\\?\\HID#VID_0C2E&PID_0B61#7&1' }],
    ['replay:practice.txt', { kind: 'replay', file: 'practice.txt' }],
    ['replay:/tmp/a b.txt', { kind: 'replay', file: '/tmp/a b.txt' }],
  ])('%s', (value, expected) => {
    expect(parseScannerSpec(value)).toEqual(expected);
  });

  it.each([
    ['honeywell', /is not a scanner choice: use auto, off, keyboard, VID:PID/],
    ['c2e:b61', /4 hex digits on each side/],
    ['replay:', /replay: needs a file/],
    ['0c2e-0b61', /is not a scanner choice/],
  ])('refuses %j clearly', (value, message) => {
    expect(() => parseScannerSpec(value)).toThrow(ScannerSpecError);
    expect(() => parseScannerSpec(value)).toThrow(message);
    expect(() => createScanSource(value)).toThrow(ScannerSpecError);
  });

  it('makes the matching source; off turns keystroke scans off too', async () => {
    expect(createScanSource('auto')).toBeInstanceOf(HidScanSource);
    expect(createScanSource('0c2e:0b61')).toBeInstanceOf(HidScanSource);
    expect(createScanSource('replay:x.txt')).toBeInstanceOf(ReplayScanSource);
    const keyboard = createScanSource('keyboard');
    await keyboard.start();
    expect(keyboard.status()).toMatchObject({ kind: 'keyboard-wedge' });
    expect(keyboard.keystrokeScans).toBe(true);
    const off = createScanSource('off');
    expect(off.status()).toEqual({ kind: 'unavailable', reason: 'scanner input is off (--scanner off)' });
    expect(off.keystrokeScans).toBe(false);
    await off.stop();
    await off.stop();
  });
});
