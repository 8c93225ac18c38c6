import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createScanSource } from '../../src/scanner/createScanSource.js';
import { loadNodeHid, type HidDeviceInfo } from '../../src/scanner/nodeHid.js';
import { listScanners } from '../../src/scanner/scannerReport.js';

/**
 * The real node-hid 3 module on this machine. CI installs libusb-1.0-0, so it loads there and
 * enumerates what the machine has, which the kernel also lists under /sys: hidraw nodes for the
 * default driver, USB devices for the libusb one (a CI runner has neither). Where node-hid cannot
 * load, the source must say why instead, naming libusb.
 */
async function realNodeHidLoads(): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    await loadNodeHid('default');
    return { ok: true };
  } catch (error) {
    return { ok: false, error: String(error) };
  }
}

/** /dev/hidrawN for each hidraw node the kernel has (none on a machine without HID devices). */
function hidrawPathsOfThisMachine(): string[] {
  const dir = '/sys/class/hidraw';
  return existsSync(dir) ? readdirSync(dir).map((node) => `/dev/${node}`).sort() : [];
}

/** "vvvv:pppp" of each USB device the kernel has. */
function usbIdsOfThisMachine(): Set<string> {
  const dir = '/sys/bus/usb/devices';
  if (!existsSync(dir)) return new Set();
  const read = (device: string, file: string) => {
    try {
      return readFileSync(join(dir, device, file), 'utf8').trim();
    } catch {
      return null;
    }
  };
  return new Set(readdirSync(dir).flatMap((d) => (read(d, 'idVendor') && read(d, 'idProduct') ? [`${read(d, 'idVendor')}:${read(d, 'idProduct')}`] : [])));
}

if (process.platform !== 'linux') process.stderr.write('skipping the real node-hid checks: they compare with /sys, which only Linux has\n');

const pathsOf = (devices: Array<{ path?: string | null | undefined }>) => [...new Set(devices.map((d) => d.path ?? ''))].sort();
const idOf = (d: HidDeviceInfo) => `${d.vendorId.toString(16).padStart(4, '0')}:${d.productId.toString(16).padStart(4, '0')}`;

describe.runIf(process.platform === 'linux')('the real node-hid', () => {
  it('loads lazily and enumerates the hidraw nodes this machine has, or the source says why it cannot', async () => {
    const loaded = await realNodeHidLoads();
    const source = createScanSource('auto');
    try {
      await source.start();
      const status = source.status();
      if (loaded.ok) {
        const devices = await (await loadNodeHid('default')).devicesAsync();
        expect(pathsOf(devices)).toEqual(hidrawPathsOfThisMachine());
        // No scanner among them (CI has no HID devices at all): auto reads keystrokes and says why.
        if (devices.length === 0) expect(status).toMatchObject({ kind: 'keyboard-wedge', reason: expect.stringMatching(/keystrokes/) });
      } else {
        console.log(`node-hid does not load here (${loaded.error}); checking the fallback`);
        expect(status).toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/node-hid could not load.*libusb-1\.0-0/) });
      }
    } finally {
      await source.stop();
    }
  });

  it('scanner list reports the load state, every hidraw node and the auto choice', async () => {
    const loaded = await realNodeHidLoads();
    const listing = await listScanners();
    expect(listing.nodeHid.loaded).toBe(loaded.ok);
    if (listing.nodeHid.loaded) {
      expect(pathsOf(listing.devices)).toEqual(hidrawPathsOfThisMachine());
      expect(listing.auto?.why).toMatch(/\S/);
      if (listing.devices.length === 0) expect(listing.auto?.device).toBeNull();
    } else {
      expect(listing.nodeHid.reason).toMatch(/libusb-1\.0-0/);
      expect(listing.devices).toEqual([]);
    }
  });

  it('loads a second, libusb-driven instance beside the hidraw one, which sees only USB devices', async () => {
    const loaded = await realNodeHidLoads();
    if (!loaded.ok) {
      await expect(loadNodeHid('libusb')).rejects.toThrow();
      return;
    }
    const libusb = await loadNodeHid('libusb');
    const hidraw = await loadNodeHid('default');
    expect(libusb).not.toBe(hidraw);
    const usb = usbIdsOfThisMachine();
    const viaLibusb = await libusb.devicesAsync();
    for (const device of viaLibusb) expect(usb).toContain(idOf(device));
    if (usb.size === 0) expect(viaLibusb).toEqual([]);
    expect(pathsOf(await hidraw.devicesAsync())).toEqual(hidrawPathsOfThisMachine());
  });
});
