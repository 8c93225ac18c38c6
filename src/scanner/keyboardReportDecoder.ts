import type { DecodedScan } from './decodedScan.js';
import {
  KEY_ESCAPE,
  characterForKey,
  isKeyboardErrorCode,
  isScanTerminatorKey,
} from './keyboardUsage.js';

export interface KeyboardDecoderOptions {
  /**
   * A partial scan whose next key comes later than this is dropped. Scanners send a key every few
   * milliseconds; a long gap means the scan was cut (cable pulled, scanner reset), and joining its
   * rest to the next barcode would make a serial that does not exist.
   */
  keyTimeoutMs?: number;
}

export const DEFAULT_KEY_TIMEOUT_MS = 250;

/**
 * Decodes boot keyboard reports (8 bytes: modifiers, reserved, six key codes; or 9 with a report id
 * first) from a keyboard-mode scanner into scans.
 *
 * A key counts when it newly appears compared with the previous report. Counting keys present in
 * each report would type "8" twice for one press held over two reports; counting only changed
 * reports would lose the second "8" of "88". Scanners release between keys, so transitions are exact.
 */
export class KeyboardReportDecoder {
  readonly #keyTimeoutMs: number;
  #held: number[] = [];
  #text = '';
  #lastKeyAt: number | undefined;
  /** Reports that were not keyboard reports (wrong length) or were rollover errors. */
  ignoredReports = 0;
  /** Partial scans dropped by the inter-key timeout. */
  droppedPartials = 0;

  constructor(options: KeyboardDecoderOptions = {}) {
    this.#keyTimeoutMs = options.keyTimeoutMs ?? DEFAULT_KEY_TIMEOUT_MS;
  }

  /** Feeds one report received at `now` (ms); returns the scans it completed (usually none). */
  push(report: ArrayLike<number>, now: number): DecodedScan[] {
    const keyboardReport = asBootReport(report);
    if (keyboardReport === undefined) {
      this.ignoredReports++;
      return [];
    }
    const modifiers = keyboardReport[0] ?? 0;
    const keys: number[] = [];
    for (let i = 2; i < 8; i++) {
      const key = keyboardReport[i] ?? 0;
      if (key !== 0) keys.push(key);
    }
    // In rollover the device reports 0x01 in every slot; the keys it really holds are unknown, so the
    // report is skipped and the previous state kept.
    if (keys.some(isKeyboardErrorCode)) {
      this.ignoredReports++;
      return [];
    }
    const pressed = keys.filter((key) => !this.#held.includes(key));
    this.#held = keys;

    const scans: DecodedScan[] = [];
    for (const key of pressed) {
      this.expire(now);
      this.#lastKeyAt = now;
      if (isScanTerminatorKey(key)) {
        if (this.#text !== '') scans.push({ text: this.#text });
        this.#text = '';
      } else if (key === KEY_ESCAPE) {
        this.#text = '';
      } else {
        this.#text += characterForKey(key, modifiers) ?? '';
      }
    }
    return scans;
  }

  /** Drops the partial scan if its last key is older than the timeout. Safe to call at any time. */
  expire(now: number): void {
    if (this.#text !== '' && this.#lastKeyAt !== undefined && now - this.#lastKeyAt > this.#keyTimeoutMs) {
      this.#text = '';
      this.droppedPartials++;
    }
  }

  /** True while characters of an unfinished scan are held. */
  get hasPartialScan(): boolean {
    return this.#text !== '';
  }

  /** Forgets everything, e.g. after the device was unplugged. */
  reset(): void {
    this.#held = [];
    this.#text = '';
    this.#lastKeyAt = undefined;
  }
}

/** The 8 boot-report bytes, or undefined when this is not a boot keyboard report. */
function asBootReport(report: ArrayLike<number>): ArrayLike<number> | undefined {
  if (report.length === 8) return report;
  if (report.length === 9) return Array.prototype.slice.call(report, 1) as number[];
  return undefined;
}
