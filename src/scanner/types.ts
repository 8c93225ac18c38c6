/**
 * The one thing the kiosk consumes from the scanner folder: a scan source. Sources are created by
 * `createScanSource(spec)` and injected into the kiosk, so tests and practice mode use a replay source.
 */

/** Where a scan came from: which decoder turned input into text. */
export type ScanOrigin = 'hid-pos' | 'hid-keyboard' | 'wedge' | 'replay';

/** One decoded barcode. */
export interface ScanEvent {
  /** The barcode's text without the terminator (Enter/Tab). Not trimmed: serials are opaque. */
  text: string;
  source: ScanOrigin;
  /** AIM symbology identifier such as "]E0" (EAN-13) or "]C1" (GS1-128), when the scanner sends one. */
  symbology?: string;
  /** Milliseconds since the epoch, from the source's clock. */
  at: number;
}

/** How an open scanner delivers its reports. 'replay' is a recorded file, not a device. */
export type ScannerMode = 'hid-pos' | 'keyboard' | 'replay';

export type ScannerStatus =
  | {
      kind: 'connected';
      /** A name for the header, e.g. "Honeywell Voyager 1250g (0c2e:0b61)". */
      device: string;
      mode: ScannerMode;
      /**
       * True when the same scan ALSO reaches the terminal as keystrokes (a keyboard-mode scanner read
       * through hidraw, or on macOS/Windows where the OS keeps the keyboard). The kiosk then must not
       * take the wedge copy as a second scan: see duplicateScanGuard.ts.
       */
      typesIntoTerminal: boolean;
      /** Why the scanner is read the way it is, for `scanner list` and doctor (e.g. libusb refused). */
      note?: string;
    }
  /** No device is read; scans come from keystroke bursts (wedgeDetector.ts). `reason` says why. */
  | { kind: 'keyboard-wedge'; reason?: string }
  /** The chosen scanner went away; the source is polling for it to come back. */
  | { kind: 'disconnected'; device?: string }
  /** No scanner input from this source at all, with a reason a person can act on. */
  | { kind: 'unavailable'; reason: string };

export type Unsubscribe = () => void;

export interface ScanSource {
  /** Begins reading. Resolves once the first connection attempt has settled; never rejects. */
  start(): Promise<void>;
  /** Releases devices and timers. Safe to call twice, or before start(). */
  stop(): Promise<void>;
  onScan(listener: (scan: ScanEvent) => void): Unsubscribe;
  /** Called on every status change (not on repeats of the same status). */
  onStatus(listener: (status: ScannerStatus) => void): Unsubscribe;
  status(): ScannerStatus;
  /**
   * Whether the kiosk should also run the keyboard-wedge burst detector on its keystrokes.
   * False only for `--scanner off`.
   */
  readonly keystrokeScans: boolean;
}
