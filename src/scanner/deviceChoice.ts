import type { HidDeviceInfo } from './nodeHid.js';
import { scannerVendor } from './scannerVendors.js';
import { hex4, usbIdText, type ScannerSpec } from './scannerSpec.js';

/** HID usage pages and usages that identify a scanner interface (USB HID Usage Tables 1.4). */
export const USAGE_PAGE_GENERIC_DESKTOP = 0x01;
export const USAGE_KEYBOARD = 0x06;
export const USAGE_PAGE_BARCODE_SCANNER = 0x8c;
export const USAGE_BARCODE_SCANNER = 0x02;

export type InterfaceMode = 'hid-pos' | 'keyboard';

export type DeviceChoice =
  | { found: true; device: HidDeviceInfo & { path: string }; mode: InterfaceMode; why: string }
  | { found: false; why: string };

/** Which kind of scanner interface this is, by its usage page; undefined for anything else. */
export function interfaceModeOf(device: HidDeviceInfo): InterfaceMode | undefined {
  if (device.usagePage === USAGE_PAGE_BARCODE_SCANNER) return 'hid-pos';
  if (device.usagePage === USAGE_PAGE_GENERIC_DESKTOP && device.usage === USAGE_KEYBOARD) return 'keyboard';
  return undefined;
}

/**
 * Picks the interface to read for a device choice from an enumeration, and says why in words a
 * person at the desk can check against `tokendesk scanner list`.
 */
export function chooseScannerDevice(
  devices: readonly HidDeviceInfo[],
  spec: Extract<ScannerSpec, { kind: 'auto' | 'usb-id' | 'path' }>,
): DeviceChoice {
  const openable = devices.filter((device): device is HidDeviceInfo & { path: string } => !!device.path);
  switch (spec.kind) {
    case 'auto':
      return chooseAutomatically(openable);
    case 'usb-id': {
      const id = usbIdText(spec.vendorId, spec.productId);
      const matching = openable.filter((d) => d.vendorId === spec.vendorId && d.productId === spec.productId);
      if (matching.length === 0) return { found: false, why: `no device ${id} is plugged in` };
      const pos = bestPosInterface(matching);
      if (pos) return { found: true, device: pos, mode: 'hid-pos', why: `${id} as asked; its HID POS interface (usage page 0x8C)` };
      const keyboard = matching.find((d) => interfaceModeOf(d) === 'keyboard');
      if (keyboard) return { found: true, device: keyboard, mode: 'keyboard', why: `${id} as asked; its keyboard interface` };
      return {
        found: false,
        why: `${id} has no HID POS or keyboard interface (usage pages ${matching.map((d) => usagePageText(d)).join(', ')})`,
      };
    }
    case 'path': {
      const device = openable.find((d) => d.path === spec.path);
      if (device === undefined) return { found: false, why: `no HID device at ${spec.path}` };
      const mode = interfaceModeOf(device);
      return mode
        ? { found: true, device, mode, why: `${spec.path} as asked (${mode === 'hid-pos' ? 'HID POS' : 'keyboard'} interface)` }
        : { found: true, device, mode: 'keyboard', why: `${spec.path} as asked; usage page ${usagePageText(device)} is not a scanner's, read as a keyboard` };
    }
  }
}

function chooseAutomatically(devices: (HidDeviceInfo & { path: string })[]): DeviceChoice {
  const pos = bestPosInterface(devices);
  if (pos) {
    return {
      found: true,
      device: pos,
      mode: 'hid-pos',
      why: 'a HID POS interface (usage page 0x8C): preferred, it sends whole barcodes and does not type into the terminal',
    };
  }
  for (const device of devices) {
    const vendor = scannerVendor(device.vendorId);
    if (vendor && interfaceModeOf(device) === 'keyboard') {
      return {
        found: true,
        device,
        mode: 'keyboard',
        why: `no HID POS interface; a keyboard interface from a scanner maker (${vendor.name}, vendor id ${hex4(vendor.vendorId)})`,
      };
    }
  }
  return {
    found: false,
    why:
      devices.length === 0
        ? 'no HID devices found'
        : `none of the ${devices.length} HID interfaces is a HID POS scanner or a keyboard from a known scanner maker` +
          ' (a keyboard-mode scanner of another make: --scanner VID:PID)',
  };
}

/** A POS device may expose several 0x8C collections; the "Bar Code Scanner" usage is the data one. */
function bestPosInterface<T extends HidDeviceInfo>(devices: readonly T[]): T | undefined {
  const pos = devices.filter((d) => d.usagePage === USAGE_PAGE_BARCODE_SCANNER);
  return pos.find((d) => d.usage === USAGE_BARCODE_SCANNER) ?? pos[0];
}

export function usagePageText(device: HidDeviceInfo): string {
  return device.usagePage === undefined ? 'unknown' : `0x${device.usagePage.toString(16).padStart(2, '0')}`;
}

/** A name for the header: "Honeywell Voyager 1250g (0c2e:0b61)". */
export function deviceName(device: HidDeviceInfo): string {
  const manufacturer = device.manufacturer?.trim() ?? '';
  const product = device.product?.trim() ?? '';
  const words = product.toLowerCase().startsWith(manufacturer.toLowerCase()) ? [product] : [manufacturer, product];
  const label = words.filter((word) => word !== '').join(' ') || scannerVendor(device.vendorId)?.name || 'USB scanner';
  return `${label} (${usbIdText(device.vendorId, device.productId)})`;
}
