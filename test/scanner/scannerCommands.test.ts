import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerScannerCommands, scannerDoctorReport, type ScannerCommandIo } from '../../src/commands/scanner.js';
import { scannerDoctorReport as doctorWith } from '../../src/scanner/scannerReport.js';
import { FakeHid, HONEYWELL_POS, ORDINARY_KEYBOARD, fakeLoader } from './fakeHid.js';

const fixtures = fileURLToPath(new URL('../fixtures/scanner/', import.meta.url));

async function run(args: string[], io: ScannerCommandIo = {}): Promise<{ stdout: string; stderr: string; exitCode: number | undefined }> {
  let stdout = '';
  let stderr = '';
  const program = new Command().exitOverride();
  registerScannerCommands(program, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    ...io,
  });
  await program.parseAsync(args, { from: 'user' });
  const exitCode = process.exitCode === undefined ? undefined : Number(process.exitCode);
  return { stdout, stderr, exitCode };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('tokendesk scanner list', () => {
  it('--json prints one JSON document with the devices and the auto choice with its reason', async () => {
    const hid = new FakeHid();
    hid.devices = [ORDINARY_KEYBOARD, HONEYWELL_POS];
    const { stdout, exitCode } = await run(['scanner', 'list', '--json'], { loadHid: fakeLoader(hid) });
    const listing = JSON.parse(stdout);
    expect(exitCode).toBe(0);
    expect(listing.nodeHid).toEqual({ loaded: true, hidapiVersion: 'fake' });
    expect(listing.devices).toHaveLength(2);
    expect(listing.devices[1]).toMatchObject({
      id: '0c2e:0b61',
      usagePage: '0x8c',
      usage: '0x02',
      kind: 'hid-pos',
      path: '/dev/hidraw3',
      scannerVendor: 'Honeywell (Metrologic)',
      manufacturer: 'Honeywell',
      product: 'Honeywell Voyager 1250g',
    });
    expect(listing.auto).toMatchObject({ mode: 'hid-pos', device: { path: '/dev/hidraw3' }, why: expect.stringMatching(/usage page 0x8C/) });
  });

  it('prints text for people, and says when auto finds nothing', async () => {
    const hid = new FakeHid();
    hid.devices = [ORDINARY_KEYBOARD];
    const { stdout } = await run(['scanner', 'list'], { loadHid: fakeLoader(hid) });
    expect(stdout).toContain('node-hid: loaded (hidapi fake)');
    expect(stdout).toMatch(/046d:c31c {2}Logitech USB Keyboard \(046d:c31c\) {2}usage 0x01\/0x06 {2}keyboard/);
    expect(stdout).toMatch(/auto reads nothing: .*the kiosk reads scans from keystrokes/);
  });

  it('fails with exit code 1 and the reason when node-hid cannot load', async () => {
    const loadHid = async (): Promise<never> => {
      throw new Error('libusb-1.0.so.0: cannot open shared object file');
    };
    const { stdout, exitCode } = await run(['scanner', 'list', '--json'], { loadHid });
    expect(exitCode).toBe(1);
    expect(JSON.parse(stdout)).toEqual({
      nodeHid: { loaded: false, reason: expect.stringMatching(/libusb-1\.0\.so\.0.*apt-get install libusb-1\.0-0/) },
      devices: [],
      auto: null,
    });
  });
});

describe('tokendesk scanner test', () => {
  it('prints each scan of a replay with its source and symbology, then ends', async () => {
    const { stdout, exitCode } = await run(['scanner', 'test', '--scanner', `replay:${fixtures}issue-323.txt`]);
    expect(exitCode).toBe(0);
    expect(stdout.split('\n')).toEqual([
      `Testing --scanner replay:${fixtures}issue-323.txt. Scan a barcode; Ctrl+C stops.`,
      'scanner: replay issue-323.txt, replay',
      '6957842208856  [replay]',
      '',
    ]);
  });

  it('prints scans from a device, survives an unplug, and stops on Ctrl+C', async () => {
    const hid = new FakeHid();
    hid.devices = [HONEYWELL_POS];
    const signals = new EventEmitter();
    const running = run(['scanner', 'test'], { loadHid: fakeLoader(hid), signals });
    await waitFor(() => hid.lastOpened !== undefined);
    hid.lastOpened?.send([0x02, 13, 0x5d, 0x45, 0x30, ...Buffer.from('6957842208856'), ...new Array<number>(46).fill(0)]);
    hid.devices = [];
    hid.lastOpened?.unplug();
    signals.emit('SIGINT');
    const { stdout, exitCode } = await running;
    expect(exitCode).toBe(0);
    expect(stdout).toContain('scanner: Honeywell Voyager 1250g (0c2e:0b61), HID POS\n');
    expect(stdout).toContain('6957842208856  [hid-pos ]E0]\n');
    expect(stdout).toContain('scanner disconnected: Honeywell Voyager 1250g (0c2e:0b61); it reconnects when plugged back in\n');
    expect(hid.lastOpened?.closed).toBe(true);
  });

  it('refuses a bad --scanner value as a usage error', async () => {
    const { stderr, exitCode } = await run(['scanner', 'test', '--scanner', 'honeywell']);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/--scanner "honeywell" is not a scanner choice/);
  });

  it('fails with exit code 1 on an unusable replay file', async () => {
    const { stdout, exitCode } = await run(['scanner', 'test', '--scanner', `replay:${fixtures}bad-hex.txt`]);
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/scanner unavailable: replay file unusable: .*bad-hex\.txt line 3/);
  });
});

describe('doctor', () => {
  it('reports the scanner state', async () => {
    const hid = new FakeHid();
    hid.devices = [HONEYWELL_POS];
    await expect(doctorWith(fakeLoader(hid))).resolves.toMatchObject({
      ok: true,
      summary: 'scanner: Honeywell Voyager 1250g (0c2e:0b61), HID POS mode',
    });
    const none = await doctorWith(fakeLoader(new FakeHid()));
    expect(none).toMatchObject({ ok: true, summary: 'scanner: none found (no HID devices found); keyboard-wedge input' });
    const broken = await doctorWith(async () => {
      throw new Error('libusb missing');
    });
    expect(broken.ok).toBe(false);
    expect(broken.summary).toMatch(/node-hid cannot load/);
  });

  it('the exported doctor entry point runs against the real module', async () => {
    const report = await scannerDoctorReport();
    expect(typeof report.ok).toBe('boolean');
    expect(report.summary).toMatch(/^scanner: /);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('condition not met');
}
