import { chooseScannerDevice, deviceName, interfaceModeOf, type InterfaceMode } from './deviceChoice.js';
import { hidErrorText, loadNodeHid, type LoadHid } from './nodeHid.js';
import { hex4 } from './scannerSpec.js';
import { scannerVendor } from './scannerVendors.js';

/** What `tokendesk scanner list` and `doctor` show: one enumeration, explained. */
export interface ScannerListing {
  nodeHid: { loaded: true; hidapiVersion?: string } | { loaded: false; reason: string };
  devices: ListedDevice[];
  /** What `--scanner auto` would read, and why; null when node-hid did not load. */
  auto: { device: ListedDevice; mode: InterfaceMode; why: string } | { device: null; why: string } | null;
}

export interface ListedDevice {
  /** "0c2e:0b61", as VID:PID for --scanner. */
  id: string;
  name: string;
  manufacturer: string | null;
  product: string | null;
  serialNumber: string | null;
  /** "0x8c" */
  usagePage: string | null;
  usage: string | null;
  interface: number;
  path: string | null;
  kind: InterfaceMode | 'other';
  /** The scanner maker from scannerVendors.ts, when the vendor id is one. */
  scannerVendor: string | null;
}

export async function listScanners(loadHid: LoadHid = loadNodeHid): Promise<ScannerListing> {
  let hid;
  try {
    hid = await loadHid('default');
  } catch (error) {
    return {
      nodeHid: { loaded: false, reason: `${hidErrorText(error)} (install libusb-1.0-0: apt-get install libusb-1.0-0)` },
      devices: [],
      auto: null,
    };
  }
  const version = safely(() => hid.getHidapiVersion?.());
  let raw;
  try {
    raw = await hid.devicesAsync();
  } catch (error) {
    return {
      nodeHid: { loaded: false, reason: `node-hid loaded but could not list devices: ${hidErrorText(error)}` },
      devices: [],
      auto: null,
    };
  }
  const devices = raw.map((device): ListedDevice => ({
    id: `${hex4(device.vendorId)}:${hex4(device.productId)}`,
    name: deviceName(device),
    manufacturer: device.manufacturer ?? null,
    product: device.product ?? null,
    serialNumber: device.serialNumber ?? null,
    usagePage: device.usagePage === undefined ? null : `0x${device.usagePage.toString(16).padStart(2, '0')}`,
    usage: device.usage === undefined ? null : `0x${device.usage.toString(16).padStart(2, '0')}`,
    interface: device.interface,
    path: device.path ?? null,
    kind: interfaceModeOf(device) ?? 'other',
    scannerVendor: scannerVendor(device.vendorId)?.name ?? null,
  }));
  const choice = chooseScannerDevice(raw, { kind: 'auto' });
  // The choice is one of the enumerated entries, so its listing sits at the same index.
  const chosen = choice.found ? devices[raw.indexOf(choice.device)] : undefined;
  const auto = choice.found && chosen !== undefined ? { device: chosen, mode: choice.mode, why: choice.why } : { device: null, why: choice.why };
  return { nodeHid: { loaded: true, ...(version !== undefined && { hidapiVersion: version }) }, devices, auto };
}

/** The scanner part of `tokendesk doctor`. Not ok only when node-hid cannot load: no scanner plugged in is a fine state. */
export async function scannerDoctorReport(
  loadHid: LoadHid = loadNodeHid,
): Promise<{ ok: boolean; summary: string; details: ScannerListing }> {
  const listing = await listScanners(loadHid);
  if (!listing.nodeHid.loaded) {
    return { ok: false, summary: `scanner: node-hid cannot load (${listing.nodeHid.reason}); keyboard-wedge input only`, details: listing };
  }
  const auto = listing.auto;
  if (auto === null || auto.device === null) {
    return { ok: true, summary: `scanner: none found (${auto?.why ?? 'no devices'}); keyboard-wedge input`, details: listing };
  }
  return { ok: true, summary: `scanner: ${auto.device.name}, ${auto.mode === 'hid-pos' ? 'HID POS' : 'keyboard'} mode`, details: listing };
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
