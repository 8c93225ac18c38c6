import type { ScanEvent } from './types.js';

/**
 * A keyboard-mode scanner that the kiosk reads through hidraw (or on macOS/Windows, where the OS
 * keeps keyboards) delivers every barcode twice: once as a HID scan and once as keystrokes that the
 * wedge detector also recognises. The kiosk passes every scan, from both paths, through admit():
 * the same text from the other path within `windowMs` is the echo and is refused.
 *
 * Two scans of the same text from the SAME path are both admitted: scanning a token twice on
 * purpose must still work.
 */
export interface DuplicateScanGuardOptions {
  /** How far apart the two copies may arrive. Keystrokes lag the HID report by a few ms to ~1 s. */
  windowMs?: number;
}

export const DEFAULT_DUPLICATE_WINDOW_MS = 1500;

type ScanPath = 'device' | 'keystrokes';

export class DuplicateScanGuard {
  readonly #windowMs: number;
  #recent: { text: string; path: ScanPath; at: number }[] = [];

  constructor(options: DuplicateScanGuardOptions = {}) {
    this.#windowMs = options.windowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
  }

  /** True: take this scan. False: it is the other path's copy of a scan already taken. */
  admit(scan: ScanEvent): boolean {
    this.#recent = this.#recent.filter((seen) => Math.abs(scan.at - seen.at) <= this.#windowMs);
    const path: ScanPath = scan.source === 'wedge' ? 'keystrokes' : 'device';
    const echo = this.#recent.findIndex((seen) => seen.text === scan.text && seen.path !== path);
    if (echo !== -1) {
      // Each copy pairs with one original: a third scan of the same code is a new scan.
      this.#recent.splice(echo, 1);
      return false;
    }
    this.#recent.push({ text: scan.text, path, at: scan.at });
    return true;
  }
}
