/**
 * The `--scanner` value (also the kiosk config's `scanner` setting), parsed once into a choice.
 *
 *   auto        a HID POS scanner, else a keyboard-mode scanner of a known vendor, else keystrokes
 *   off         no scanner input at all
 *   keyboard    no USB access: scans are recognised in keystrokes (keyboard-wedge)
 *   VID:PID     that device, e.g. 0c2e:0b61 (hex, as lsusb prints it)
 *   PATH        that HID interface, as `tokendesk scanner list` prints it (/dev/hidraw3, 1-2:1.0, ...)
 *   replay:FILE a recorded file of scans and reports (practice mode, demos, tests)
 */
export type ScannerSpec =
  | { kind: 'auto' }
  | { kind: 'off' }
  | { kind: 'keyboard' }
  | { kind: 'usb-id'; vendorId: number; productId: number }
  | { kind: 'path'; path: string }
  | { kind: 'replay'; file: string };

/** A --scanner value that cannot be used; the CLI prints `message` and exits with code 2. */
export class ScannerSpecError extends Error {
  override readonly name = 'ScannerSpecError';
}

const HELP =
  'use auto, off, keyboard, VID:PID (hex, e.g. 0c2e:0b61), a device path from "tokendesk scanner list", or replay:FILE';

export function parseScannerSpec(value: string): ScannerSpec {
  const spec = value.trim();
  const keyword = spec.toLowerCase();
  if (keyword === 'auto' || keyword === '') return { kind: 'auto' };
  if (keyword === 'off') return { kind: 'off' };
  if (keyword === 'keyboard') return { kind: 'keyboard' };
  if (keyword.startsWith('replay:')) {
    const file = spec.slice('replay:'.length).trim();
    if (file === '') throw new ScannerSpecError(`--scanner replay: needs a file, e.g. replay:scans.txt`);
    return { kind: 'replay', file };
  }
  const usbId = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(spec);
  if (usbId !== null) {
    if ((usbId[1] ?? '').length !== 4 || (usbId[2] ?? '').length !== 4) {
      throw new ScannerSpecError(`--scanner "${value}": VID:PID needs 4 hex digits on each side, e.g. 0c2e:0b61`);
    }
    return { kind: 'usb-id', vendorId: parseInt(usbId[1] ?? '', 16), productId: parseInt(usbId[2] ?? '', 16) };
  }
  if (looksLikeDevicePath(spec)) return { kind: 'path', path: spec };
  throw new ScannerSpecError(`--scanner "${value}" is not a scanner choice: ${HELP}`);
}

/** The device paths node-hid reports on each platform. */
function looksLikeDevicePath(spec: string): boolean {
  return (
    spec.startsWith('/') || // Linux hidraw: /dev/hidraw3
    spec.startsWith('\\\\') || // Windows: \\?\HID#VID_0C2E&PID_0B61...
    spec.startsWith('DevSrvsID:') || // macOS IOService id
    /^\d+-[\d.]+:\d+\.\d+$/.test(spec) // libusb: bus-port[.port]:config.interface
  );
}

export function describeScannerSpec(spec: ScannerSpec): string {
  switch (spec.kind) {
    case 'usb-id':
      return usbIdText(spec.vendorId, spec.productId);
    case 'path':
      return spec.path;
    case 'replay':
      return `replay:${spec.file}`;
    default:
      return spec.kind;
  }
}

export function usbIdText(vendorId: number, productId: number): string {
  return `${hex4(vendorId)}:${hex4(productId)}`;
}

export function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}
