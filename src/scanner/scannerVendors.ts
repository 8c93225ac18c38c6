/**
 * USB vendor ids of barcode-scanner makers. `--scanner auto` takes a KEYBOARD interface only from
 * these vendors (any keyboard could be a real keyboard); HID POS interfaces (usage page 0x8C) are
 * scanners whoever made them. Add an id only with a source; anything else: `--scanner VID:PID`.
 */
export interface ScannerVendor {
  vendorId: number;
  name: string;
  /** Where the id was checked. */
  source: string;
}

export const SCANNER_VENDORS: readonly ScannerVendor[] = [
  {
    vendorId: 0x0c2e,
    name: 'Honeywell (Metrologic)',
    source: 'usb.ids "Metrologic Instruments"; current Honeywell scanners use it (e.g. CM4680SR 0c2e:10d3), Linux metro-usb driver',
  },
  {
    vendorId: 0x0536,
    name: 'Honeywell (Hand Held Products)',
    source: 'usb.ids "Hand Held Products (Welch Allyn, Inc.)", now Honeywell',
  },
  {
    vendorId: 0x067e,
    name: 'Honeywell (Intermec)',
    source: 'Intermec SG20 scanners, 067e:0809; Intermec is now Honeywell',
  },
  {
    vendorId: 0x05e0,
    name: 'Zebra (Symbol)',
    source: 'usb.ids "Symbol Technologies"; Symbol MS4407 integration guide PIDs, e.g. DS4308 05e0:1701',
  },
  {
    vendorId: 0x05f9,
    name: 'Datalogic (PSC)',
    source: 'usb.ids "PSC Scanning, Inc.", now Datalogic; e.g. QuickScan Lite QW2400 05f9:4204',
  },
  {
    vendorId: 0x1eab,
    name: 'Newland',
    source: 'Newland NLS-FM430 user guide, 1eab:1d06',
  },
];

export function scannerVendor(vendorId: number): ScannerVendor | undefined {
  return SCANNER_VENDORS.find((vendor) => vendor.vendorId === vendorId);
}
