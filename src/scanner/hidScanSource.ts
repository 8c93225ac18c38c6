import { Listeners, StatusCell } from './emitter.js';
import { chooseScannerDevice, deviceName, type DeviceChoice, type InterfaceMode } from './deviceChoice.js';
import { KeyboardReportDecoder } from './keyboardReportDecoder.js';
import { hidErrorText, loadNodeHid, type HidDeviceHandle, type HidDeviceInfo, type HidModule, type LoadHid } from './nodeHid.js';
import { PosReportDecoder, type PosLayout } from './posReportDecoder.js';
import { describeScannerSpec, type ScannerSpec } from './scannerSpec.js';
import type { ScanEvent, ScanSource, ScannerStatus, Unsubscribe } from './types.js';

export type HidScannerSpec = Extract<ScannerSpec, { kind: 'auto' | 'usb-id' | 'path' }>;

export interface HidScanSourceOptions {
  spec: HidScannerSpec;
  /** The node-hid module; tests pass a fake. Default: the real one, imported on start(). */
  loadHid?: LoadHid;
  /** Default: process.platform. The libusb route is taken on 'linux' only. */
  platform?: NodeJS.Platform;
  now?: () => number;
  /** Reconnect back-off: first wait, doubled after each failed look, capped. */
  retryFirstMs?: number;
  retryMaxMs?: number;
  keyTimeoutMs?: number;
  posLayout?: PosLayout;
}

interface OpenScanner {
  handle: HidDeviceHandle;
  name: string;
  mode: InterfaceMode;
  keyboard: KeyboardReportDecoder;
  pos: PosReportDecoder;
}

const INSTALL_LIBUSB = 'install libusb-1.0-0 (apt-get install libusb-1.0-0)';

/**
 * Reads a USB scanner through node-hid, in HID POS or keyboard mode, and keeps reading across
 * unplug and replug: a lost device is reported as `disconnected` at once (node-hid emits 'error'
 * when a read fails), then looked for again after 0.5 s, 1 s, 2 s, 4 s, then every 5 s, until it
 * is back. Nothing here throws into the kiosk; every problem becomes a status with a reason.
 */
export class HidScanSource implements ScanSource {
  readonly keystrokeScans = true;
  readonly #spec: HidScannerSpec;
  readonly #loadHid: LoadHid;
  readonly #platform: NodeJS.Platform;
  readonly #now: () => number;
  readonly #retryFirstMs: number;
  readonly #retryMaxMs: number;
  readonly #keyTimeoutMs: number | undefined;
  readonly #posLayout: PosLayout | undefined;

  readonly #scans = new Listeners<ScanEvent>();
  readonly #status = new StatusCell<ScannerStatus>({ kind: 'unavailable', reason: 'scanner not started yet' });

  #running = false;
  /** Bumped by stop(): callbacks of an older run find it changed and do nothing. */
  #run = 0;
  #hid: Promise<HidModule> | undefined;
  #libusb: Promise<HidModule> | undefined;
  #open: OpenScanner | undefined;
  #attempt: Promise<void> = Promise.resolve();
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelayMs: number;
  #expiryTimer: NodeJS.Timeout | undefined;

  constructor(options: HidScanSourceOptions) {
    this.#spec = options.spec;
    this.#loadHid = options.loadHid ?? loadNodeHid;
    this.#platform = options.platform ?? process.platform;
    this.#now = options.now ?? Date.now;
    this.#retryFirstMs = options.retryFirstMs ?? 500;
    this.#retryMaxMs = options.retryMaxMs ?? 5000;
    this.#retryDelayMs = this.#retryFirstMs;
    this.#keyTimeoutMs = options.keyTimeoutMs;
    this.#posLayout = options.posLayout;
  }

  start(): Promise<void> {
    if (this.#running) return this.#attempt;
    this.#running = true;
    this.#retryDelayMs = this.#retryFirstMs;
    const run = ++this.#run;
    this.#attempt = this.#connect(run);
    return this.#attempt;
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#run++;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#expiryTimer);
    this.#retryTimer = undefined;
    this.#expiryTimer = undefined;
    // A look in flight may be about to open the device: let it finish and see that we stopped.
    await this.#attempt;
    await this.#close();
  }

  onScan(listener: (scan: ScanEvent) => void): Unsubscribe {
    return this.#scans.add(listener);
  }

  onStatus(listener: (status: ScannerStatus) => void): Unsubscribe {
    return this.#status.onChange(listener);
  }

  status(): ScannerStatus {
    return this.#status.get();
  }

  async #connect(run: number): Promise<void> {
    try {
      let hid: HidModule;
      try {
        hid = await (this.#hid ??= this.#loadHid('default'));
      } catch (error) {
        // A missing library will not appear while we run: say it once, do not poll.
        this.#setStatus(run, {
          kind: 'unavailable',
          reason: `node-hid could not load (${hidErrorText(error)}): ${INSTALL_LIBUSB}; scans are read from keystrokes meanwhile`,
        });
        return;
      }
      if (run !== this.#run) return;
      const devices = await hid.devicesAsync();
      if (run !== this.#run) return;
      const choice = chooseScannerDevice(devices, this.#spec);
      if (!choice.found) {
        this.#setStatus(run, this.#notFoundStatus(choice.why));
        this.#retryLater(run);
        return;
      }
      await this.#openChoice(run, hid, choice);
    } catch (error) {
      this.#setStatus(run, this.#notFoundStatus(`could not look for the scanner: ${hidErrorText(error)}`));
      this.#retryLater(run);
    }
  }

  async #openChoice(run: number, hid: HidModule, choice: Extract<DeviceChoice, { found: true }>): Promise<void> {
    const name = deviceName(choice.device);
    let opened: { handle: HidDeviceHandle; typesIntoTerminal: boolean; note?: string };
    try {
      opened = await this.#openDevice(hid, choice);
    } catch (error) {
      if (run !== this.#run) return;
      this.#setStatus(run, this.#notFoundStatus(`found ${name} but could not open it (${hidErrorText(error)}); see the udev rule in the README`));
      this.#retryLater(run);
      return;
    }
    if (run !== this.#run) {
      await closeQuietly(opened.handle);
      return;
    }
    const scanner: OpenScanner = {
      handle: opened.handle,
      name,
      mode: choice.mode,
      keyboard: new KeyboardReportDecoder({ ...(this.#keyTimeoutMs !== undefined && { keyTimeoutMs: this.#keyTimeoutMs }) }),
      pos: new PosReportDecoder({
        ...(this.#keyTimeoutMs !== undefined && { reportTimeoutMs: this.#keyTimeoutMs }),
        ...(this.#posLayout !== undefined && { layout: this.#posLayout }),
      }),
    };
    this.#open = scanner;
    opened.handle.on('data', (report) => this.#onReport(scanner, report));
    opened.handle.on('error', () => void this.#lost(run, scanner));
    opened.handle.on('close', () => void this.#lost(run, scanner));
    this.#retryDelayMs = this.#retryFirstMs;
    this.#setStatus(run, {
      kind: 'connected',
      device: name,
      mode: choice.mode,
      typesIntoTerminal: opened.typesIntoTerminal,
      ...(opened.note !== undefined && { note: opened.note }),
    });
  }

  /**
   * Opens the chosen interface. A keyboard-mode scanner on Linux is opened through libusb, which
   * detaches the kernel keyboard driver: the scanner then stops typing into the terminal and each
   * scan arrives once. Where that fails (no permission on /dev/bus/usb: see the README's udev rule),
   * it is opened through hidraw and the status says `typesIntoTerminal`, so the kiosk drops the
   * keystroke copy (duplicateScanGuard.ts).
   */
  async #openDevice(
    hid: HidModule,
    choice: Extract<DeviceChoice, { found: true }>,
  ): Promise<{ handle: HidDeviceHandle; typesIntoTerminal: boolean; note?: string }> {
    if (choice.mode === 'hid-pos') return { handle: await hid.HIDAsync.open(choice.device.path), typesIntoTerminal: false };
    let note: string | undefined;
    if (this.#platform === 'linux') {
      try {
        const libusb = await (this.#libusb ??= this.#loadHid('libusb'));
        const twin = sameInterface(await libusb.devicesAsync(), choice.device);
        if (twin?.path) return { handle: await libusb.HIDAsync.open(twin.path), typesIntoTerminal: false };
        note = 'not found through libusb';
      } catch (error) {
        note = `libusb could not take it from the kernel (${hidErrorText(error)})`;
      }
      note = `keyboard-mode scanner read through hidraw, so it also types: ${note}; duplicate keystrokes are filtered`;
    } else {
      note = 'keyboard-mode scanner outside Linux: the system may also receive its keystrokes; duplicates are filtered';
    }
    return { handle: await hid.HIDAsync.open(choice.device.path), typesIntoTerminal: true, note };
  }

  #onReport(scanner: OpenScanner, report: Buffer): void {
    if (this.#open !== scanner) return;
    const now = this.#now();
    const decoded = scanner.mode === 'hid-pos' ? scanner.pos.push(report, now) : scanner.keyboard.push(report, now);
    for (const scan of decoded) {
      this.#scans.emit({ ...scan, source: scanner.mode === 'hid-pos' ? 'hid-pos' : 'hid-keyboard', at: now });
    }
    if (scanner.mode === 'hid-pos') this.#armExpiry(scanner);
  }

  /** A generic HID POS barcode that ends on a full report is complete only once no next report comes. */
  #armExpiry(scanner: OpenScanner): void {
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    const expiresAt = scanner.pos.expiresAt;
    if (expiresAt === undefined) return;
    this.#expiryTimer = setTimeout(() => {
      this.#expiryTimer = undefined;
      if (this.#open !== scanner) return;
      const now = this.#now();
      for (const scan of scanner.pos.expire(now)) this.#scans.emit({ ...scan, source: 'hid-pos', at: now });
    }, Math.max(0, expiresAt - this.#now()));
  }

  async #lost(run: number, scanner: OpenScanner): Promise<void> {
    if (run !== this.#run || this.#open !== scanner) return;
    this.#setStatus(run, { kind: 'disconnected', device: scanner.name });
    await this.#close();
    this.#retryDelayMs = this.#retryFirstMs;
    this.#retryLater(run);
  }

  async #close(): Promise<void> {
    const scanner = this.#open;
    this.#open = undefined;
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    if (scanner !== undefined) await closeQuietly(scanner.handle);
  }

  #retryLater(run: number): void {
    if (run !== this.#run || !this.#running) return;
    clearTimeout(this.#retryTimer);
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(delay * 2, this.#retryMaxMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#attempt = this.#connect(run);
    }, delay);
  }

  /** auto without a scanner falls back to keystrokes; an explicitly named device is awaited. */
  #notFoundStatus(why: string): ScannerStatus {
    if (this.#spec.kind === 'auto') return { kind: 'keyboard-wedge', reason: `${why}; scans are read from keystrokes` };
    return { kind: 'disconnected', device: `${describeScannerSpec(this.#spec)} (${why})` };
  }

  #setStatus(run: number, status: ScannerStatus): void {
    if (run === this.#run) this.#status.set(status);
  }
}

/** The libusb enumeration's entry for the same USB interface as a hidraw entry. */
function sameInterface(devices: readonly HidDeviceInfo[], device: HidDeviceInfo): HidDeviceInfo | undefined {
  return devices.find(
    (candidate) =>
      candidate.vendorId === device.vendorId &&
      candidate.productId === device.productId &&
      candidate.interface === device.interface &&
      (candidate.serialNumber === undefined || device.serialNumber === undefined || candidate.serialNumber === device.serialNumber),
  );
}

async function closeQuietly(handle: HidDeviceHandle): Promise<void> {
  handle.removeAllListeners();
  // node-hid may still emit 'error' while closing an unplugged device; an unheard 'error' would throw.
  handle.on('error', () => undefined);
  try {
    await handle.close();
  } catch {
    // Closing a device that is already gone fails; it is released either way.
  }
}
