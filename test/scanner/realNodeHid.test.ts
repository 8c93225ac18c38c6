import { describe, expect, it } from 'vitest';
import { createScanSource } from '../../src/scanner/createScanSource.js';
import { loadNodeHid } from '../../src/scanner/nodeHid.js';
import { listScanners } from '../../src/scanner/scannerReport.js';

/**
 * The real node-hid 3 module on this machine. CI installs libusb-1.0-0, so it loads there and
 * enumerates a machine without USB devices; where it cannot load, the source must say why instead.
 */
async function realNodeHidLoads(): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    await loadNodeHid('default');
    return { ok: true };
  } catch (error) {
    return { ok: false, error: String(error) };
  }
}

describe('the real node-hid', () => {
  it('loads lazily and enumerates, or the source says it is unavailable and why', async () => {
    const loaded = await realNodeHidLoads();
    const source = createScanSource('auto');
    try {
      await source.start();
      const status = source.status();
      if (loaded.ok) {
        const devices = await (await loadNodeHid('default')).devicesAsync();
        expect(Array.isArray(devices)).toBe(true);
        // No scanner on a CI machine: auto falls back to keystrokes and says why.
        if (status.kind !== 'connected') {
          expect(status).toMatchObject({ kind: 'keyboard-wedge', reason: expect.stringMatching(/keystrokes/) });
        }
      } else {
        console.log(`node-hid does not load here (${loaded.error}); checking the fallback`);
        expect(status).toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/node-hid could not load.*libusb-1\.0-0/) });
      }
    } finally {
      await source.stop();
    }
  });

  it('scanner list reports the load state and the auto choice', async () => {
    const loaded = await realNodeHidLoads();
    const listing = await listScanners();
    expect(listing.nodeHid.loaded).toBe(loaded.ok);
    if (listing.nodeHid.loaded) {
      expect(listing.auto).not.toBeNull();
      expect(listing.devices.length).toBeGreaterThanOrEqual(0);
    } else {
      expect(listing.nodeHid.reason).toMatch(/libusb-1\.0-0/);
    }
  });

  it.runIf(process.platform === 'linux')('loads a second, libusb-driven instance beside the hidraw one', async () => {
    const loaded = await realNodeHidLoads();
    if (!loaded.ok) {
      await expect(loadNodeHid('libusb')).rejects.toThrow();
      return;
    }
    const libusb = await loadNodeHid('libusb');
    const hidraw = await loadNodeHid('default');
    expect(libusb).not.toBe(hidraw);
    expect(Array.isArray(await libusb.devicesAsync())).toBe(true);
    expect(Array.isArray(await hidraw.devicesAsync())).toBe(true);
  });
});
