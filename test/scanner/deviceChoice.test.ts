import { describe, expect, it } from 'vitest';
import { chooseScannerDevice, deviceName } from '../../src/scanner/deviceChoice.js';
import { SCANNER_VENDORS } from '../../src/scanner/scannerVendors.js';
import { HONEYWELL_POS, ORDINARY_KEYBOARD, ZEBRA_KEYBOARD } from './fakeHid.js';

describe('which device --scanner auto reads', () => {
  it('prefers a HID POS interface over a scanner-vendor keyboard', () => {
    const choice = chooseScannerDevice([ORDINARY_KEYBOARD, ZEBRA_KEYBOARD, HONEYWELL_POS], { kind: 'auto' });
    expect(choice).toMatchObject({ found: true, mode: 'hid-pos', device: { path: '/dev/hidraw3' } });
    expect(choice.why).toMatch(/HID POS interface \(usage page 0x8C\)/);
  });

  it('takes the data collection (usage 0x02) of a POS device with several', () => {
    const attributes = { ...HONEYWELL_POS, usage: 0x01, path: '/dev/hidraw2' };
    expect(chooseScannerDevice([attributes, HONEYWELL_POS], { kind: 'auto' })).toMatchObject({ device: { path: '/dev/hidraw3' } });
  });

  it('takes a keyboard interface only from a known scanner vendor', () => {
    const choice = chooseScannerDevice([ORDINARY_KEYBOARD, ZEBRA_KEYBOARD], { kind: 'auto' });
    expect(choice).toMatchObject({ found: true, mode: 'keyboard', device: { path: '/dev/hidraw5' } });
    expect(choice.why).toMatch(/Zebra \(Symbol\), vendor id 05e0/);
  });

  it('finds nothing among ordinary keyboards and says how to name a scanner by hand', () => {
    expect(chooseScannerDevice([ORDINARY_KEYBOARD], { kind: 'auto' })).toEqual({
      found: false,
      why: 'none of the 1 HID interfaces is a HID POS scanner or a keyboard from a known scanner maker (a keyboard-mode scanner of another make: --scanner VID:PID)',
    });
    expect(chooseScannerDevice([], { kind: 'auto' })).toEqual({ found: false, why: 'no HID devices found' });
  });

  it('VID:PID and PATH pick exactly that device, even an unknown maker', () => {
    expect(chooseScannerDevice([ORDINARY_KEYBOARD], { kind: 'usb-id', vendorId: 0x046d, productId: 0xc31c })).toMatchObject({
      found: true,
      mode: 'keyboard',
    });
    expect(chooseScannerDevice([ORDINARY_KEYBOARD], { kind: 'path', path: '/dev/hidraw9' })).toEqual({
      found: false,
      why: 'no HID device at /dev/hidraw9',
    });
    const mouse = { ...ORDINARY_KEYBOARD, usage: 0x02 };
    expect(chooseScannerDevice([mouse], { kind: 'usb-id', vendorId: 0x046d, productId: 0xc31c }).why).toMatch(
      /has no HID POS or keyboard interface \(usage pages 0x01\)/,
    );
  });

  it('names devices for the header without repeating the maker', () => {
    expect(deviceName(HONEYWELL_POS)).toBe('Honeywell Voyager 1250g (0c2e:0b61)');
    expect(deviceName({ vendorId: 0x05f9, productId: 0x4204, interface: 0 })).toBe('Datalogic (PSC) (05f9:4204)');
  });

  it('keeps each vendor id once, with a source', () => {
    const ids = SCANNER_VENDORS.map((vendor) => vendor.vendorId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const vendor of SCANNER_VENDORS) expect(vendor.source.length).toBeGreaterThan(10);
  });
});
