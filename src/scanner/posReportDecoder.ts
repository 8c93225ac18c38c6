import { barcodeBytesToText, withoutLineEnding, type DecodedScan } from './decodedScan.js';

/**
 * Report layouts of HID POS scanners (usage page 0x8C, "Bar Code Scanner"):
 *
 * honeywell  [0x02][length][AIM id: 3 bytes "]E0"][data ... ][code id][reserved][continuation]
 *            64 bytes; `length` counts the data bytes of this report (up to 56); the last byte is 1
 *            while more reports of the same barcode follow. Seen on Honeywell/Hand Held Products
 *            scanners in "HID POS" mode (a recorded trace: github.com/HenkVanAsselt/python_hon_usbhid).
 *            It is the POS usage table's Scanned Data Report: symbology id, data, "continued" flag.
 * generic    [report id][length][data ...]
 *            A report whose data fills it means "more follows"; a shorter one (or an empty one)
 *            ends the barcode. A barcode that ends exactly on a full report is flushed by expire().
 * auto       honeywell when the first report starts 0x02 and its AIM field starts with "]",
 *            generic otherwise.
 */
export type PosLayout = 'auto' | 'honeywell' | 'generic';

export interface PosDecoderOptions {
  layout?: PosLayout;
  /** A barcode whose next report does not come within this time is finished (generic) or dropped (honeywell). */
  reportTimeoutMs?: number;
}

export const DEFAULT_REPORT_TIMEOUT_MS = 250;

const HONEYWELL_REPORT_ID = 0x02;
const AIM_FLAG = 0x5d; // "]"
const HONEYWELL_HEADER = 5; // report id, length, 3 AIM bytes
const HONEYWELL_TRAILER = 3; // code id, reserved, continuation flag

interface PendingBarcode {
  layout: 'honeywell' | 'generic';
  chunks: Uint8Array[];
  symbology?: string;
  lastReportAt: number;
}

export class PosReportDecoder {
  readonly #layout: PosLayout;
  readonly #timeoutMs: number;
  #pending: PendingBarcode | undefined;
  ignoredReports = 0;
  droppedPartials = 0;

  constructor(options: PosDecoderOptions = {}) {
    this.#layout = options.layout ?? 'auto';
    this.#timeoutMs = options.reportTimeoutMs ?? DEFAULT_REPORT_TIMEOUT_MS;
  }

  push(report: ArrayLike<number>, now: number): DecodedScan[] {
    const scans = this.expire(now);
    const bytes = Uint8Array.from(report);
    const layout = this.#pending?.layout ?? this.#layoutOf(bytes);
    const scan = layout === 'honeywell' ? this.#pushHoneywell(bytes, now) : this.#pushGeneric(bytes, now);
    if (scan !== undefined) scans.push(scan);
    return scans;
  }

  /**
   * Settles a barcode whose next report is overdue: a generic barcode made of full reports is
   * complete and returned; a Honeywell barcode still flagged "continued" is incomplete and dropped.
   */
  expire(now: number): DecodedScan[] {
    const pending = this.#pending;
    if (pending === undefined || now - pending.lastReportAt <= this.#timeoutMs) return [];
    this.#pending = undefined;
    if (pending.layout === 'generic') return [finish(pending)];
    this.droppedPartials++;
    return [];
  }

  /** When expire() should next be called, or undefined when nothing is pending. */
  get expiresAt(): number | undefined {
    return this.#pending === undefined ? undefined : this.#pending.lastReportAt + this.#timeoutMs + 1;
  }

  reset(): void {
    this.#pending = undefined;
  }

  #layoutOf(bytes: Uint8Array): 'honeywell' | 'generic' {
    if (this.#layout !== 'auto') return this.#layout;
    return bytes.length > HONEYWELL_HEADER + HONEYWELL_TRAILER && bytes[0] === HONEYWELL_REPORT_ID && bytes[2] === AIM_FLAG
      ? 'honeywell'
      : 'generic';
  }

  #pushHoneywell(bytes: Uint8Array, now: number): DecodedScan | undefined {
    const capacity = bytes.length - HONEYWELL_HEADER - HONEYWELL_TRAILER;
    const length = bytes[1] ?? 0;
    if (capacity <= 0 || bytes[0] !== HONEYWELL_REPORT_ID || length > capacity) {
      this.ignoredReports++;
      return undefined;
    }
    const pending = this.#pending ?? { layout: 'honeywell', chunks: [], lastReportAt: now, ...aimOf(bytes) };
    pending.chunks.push(bytes.slice(HONEYWELL_HEADER, HONEYWELL_HEADER + length));
    pending.lastReportAt = now;
    const continued = ((bytes[bytes.length - 1] ?? 0) & 0x01) === 1;
    if (continued) {
      this.#pending = pending;
      return undefined;
    }
    this.#pending = undefined;
    return emptyToUndefined(finish(pending));
  }

  #pushGeneric(bytes: Uint8Array, now: number): DecodedScan | undefined {
    const capacity = bytes.length - 2;
    const length = bytes[1] ?? 0;
    if (capacity <= 0 || length > capacity) {
      this.ignoredReports++;
      return undefined;
    }
    const pending = this.#pending ?? { layout: 'generic', chunks: [], lastReportAt: now };
    pending.chunks.push(bytes.slice(2, 2 + length));
    pending.lastReportAt = now;
    if (length === capacity) {
      this.#pending = pending;
      return undefined;
    }
    this.#pending = undefined;
    return emptyToUndefined(finish(pending));
  }
}

function aimOf(bytes: Uint8Array): { symbology?: string } {
  if (bytes[2] !== AIM_FLAG) return {};
  return { symbology: String.fromCharCode(bytes[2], bytes[3] ?? 0x20, bytes[4] ?? 0x20) };
}

function finish(pending: PendingBarcode): DecodedScan {
  const size = pending.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of pending.chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  const text = withoutLineEnding(barcodeBytesToText(all));
  return pending.symbology === undefined ? { text } : { text, symbology: pending.symbology };
}

/** An empty report (no barcode) is a keep-alive or a trigger release, not a scan. */
function emptyToUndefined(scan: DecodedScan): DecodedScan | undefined {
  return scan.text === '' ? undefined : scan;
}
