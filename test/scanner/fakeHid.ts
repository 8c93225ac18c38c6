import { EventEmitter } from 'node:events';
import type { HidDeviceHandle, HidDeviceInfo, HidDriver, HidModule, LoadHid } from '../../src/scanner/nodeHid.js';

/** An open fake device: the test plays reports into it and pulls its plug. */
export class FakeDevice extends EventEmitter implements HidDeviceHandle {
  closed = false;

  constructor(readonly path: string) {
    super();
  }

  send(report: number[]): void {
    this.emit('data', Buffer.from(report));
  }

  /** What node-hid does when the USB device goes away during a read. */
  unplug(): void {
    this.emit('error', new Error('could not read from HID device'));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A stand-in for the node-hid module with a plug board of devices. */
export class FakeHid implements HidModule {
  devices: HidDeviceInfo[] = [];
  /** Times (from `now`) at which devicesAsync() was called: the polling pattern. */
  enumerations: number[] = [];
  opened: FakeDevice[] = [];
  /** Paths that fail to open, with the error node-hid would give (e.g. permissions). */
  refuse = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  async devicesAsync(): Promise<HidDeviceInfo[]> {
    this.enumerations.push(this.now());
    return this.devices.map((device) => ({ ...device }));
  }

  HIDAsync = {
    open: async (path: string): Promise<FakeDevice> => {
      const refusal = this.refuse.get(path);
      if (refusal !== undefined) throw new Error(refusal);
      if (!this.devices.some((device) => device.path === path)) throw new Error(`cannot open device with path ${path}`);
      const device = new FakeDevice(path);
      this.opened.push(device);
      return device;
    },
  };

  getHidapiVersion(): string {
    return 'fake';
  }

  get lastOpened(): FakeDevice | undefined {
    return this.opened[this.opened.length - 1];
  }
}

/** loadHid for the sources: the fake for hidraw, and a libusb fake or a load failure. */
export function fakeLoader(hidraw: FakeHid, libusb?: FakeHid | Error): LoadHid & { calls: HidDriver[] } {
  const calls: HidDriver[] = [];
  const load = async (driver: HidDriver): Promise<HidModule> => {
    calls.push(driver);
    if (driver === 'default') return hidraw;
    if (libusb === undefined) throw new Error('libusb driver not available');
    if (libusb instanceof Error) throw libusb;
    return libusb;
  };
  return Object.assign(load, { calls });
}

export const HONEYWELL_POS: HidDeviceInfo = {
  vendorId: 0x0c2e,
  productId: 0x0b61,
  manufacturer: 'Honeywell',
  product: 'Honeywell Voyager 1250g',
  serialNumber: '17251B0BE6',
  interface: 0,
  usagePage: 0x8c,
  usage: 0x02,
  path: '/dev/hidraw3',
};

export const ZEBRA_KEYBOARD: HidDeviceInfo = {
  vendorId: 0x05e0,
  productId: 0x1200,
  manufacturer: 'Symbol Technologies, Inc, 2008',
  product: 'Symbol Bar Code Scanner',
  interface: 0,
  usagePage: 0x01,
  usage: 0x06,
  path: '/dev/hidraw5',
};

export const ORDINARY_KEYBOARD: HidDeviceInfo = {
  vendorId: 0x046d,
  productId: 0xc31c,
  manufacturer: 'Logitech',
  product: 'USB Keyboard',
  interface: 0,
  usagePage: 0x01,
  usage: 0x06,
  path: '/dev/hidraw0',
};
