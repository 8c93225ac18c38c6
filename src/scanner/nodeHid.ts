import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The slice of node-hid 3 the scanner uses, as an interface so tests inject a fake module that
 * plays recorded reports and unplug errors. The real module is loaded lazily by loadNodeHid(): its
 * prebuilt binary needs libusb-1.0 at load time, and a desk without it must still start.
 */
export interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  release?: number | undefined;
  interface: number;
  usagePage?: number | undefined;
  usage?: number | undefined;
}

/** An open device (node-hid's HIDAsync): emits 'data' (Buffer) and 'error' (on unplug). */
export interface HidDeviceHandle {
  on(event: 'data', listener: (report: Buffer) => void): unknown;
  on(event: 'error' | 'close', listener: (error?: unknown) => void): unknown;
  removeAllListeners(event?: string): unknown;
  close(): Promise<void>;
}

export interface HidModule {
  devicesAsync(): Promise<HidDeviceInfo[]>;
  HIDAsync: { open(path: string): Promise<HidDeviceHandle> };
  getHidapiVersion?(): string;
}

/**
 * 'default': hidraw on Linux (enumeration fills usage pages from sysfs; opening a keyboard leaves
 * the kernel driver attached, so the scanner also types). 'libusb' (Linux only): opening detaches
 * the kernel keyboard driver, so the scanner stops typing while the kiosk reads it.
 */
export type HidDriver = 'default' | 'libusb';
export type LoadHid = (driver: HidDriver) => Promise<HidModule>;

/** The real node-hid. Throws when the module or its native part cannot load. */
export const loadNodeHid: LoadHid = async (driver) => {
  if (driver === 'libusb') return loadLibusbInstance();
  const imported = (await import('node-hid')) as unknown as { default?: HidModule } & HidModule;
  const hid = imported.default ?? imported;
  // node-hid loads its native binding on first use: force it now so a missing libusb-1.0 shows
  // up here, as one clear error, rather than inside the first enumeration.
  hid.getHidapiVersion?.();
  return hid;
};

/**
 * node-hid picks hidraw or libusb once per module instance (setDriverType before first use), and
 * the kiosk needs both: hidraw to enumerate usage pages, libusb to take a keyboard-mode scanner away
 * from the kernel. So a second, private instance is required with the module cache set aside, and
 * its binding loaded at once: node-hid mutates its shared binding-options object on first load.
 */
function loadLibusbInstance(): HidModule {
  if (process.platform !== 'linux') throw new Error('the libusb driver is only used on Linux');
  const require = createRequire(import.meta.url);
  const mainFile = require.resolve('node-hid');
  const optionsFile = path.join(path.dirname(mainFile), 'binding-options.js');
  const saved = new Map([mainFile, optionsFile].map((file) => [file, require.cache[file]] as const));
  for (const file of saved.keys()) delete require.cache[file];
  try {
    const hid = require('node-hid') as HidModule & { setDriverType(type: 'hidraw' | 'libusb'): void };
    hid.setDriverType('libusb');
    hid.getHidapiVersion?.();
    return hid;
  } finally {
    for (const [file, module] of saved) {
      if (module === undefined) delete require.cache[file];
      else require.cache[file] = module;
    }
  }
}

/** One line for errors from node-hid (they are plain Errors or strings). */
export function hidErrorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
