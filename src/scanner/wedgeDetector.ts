import type { ScanEvent } from './types.js';

/**
 * Tells a keyboard-wedge scanner from a person at the same keyboard. A scanner "types" a whole
 * barcode in a few milliseconds and ends with Enter; a person leaves 80+ ms between keys.
 *
 * Printable characters are held back for at most `maxKeyGapMs` to see whether more follow fast:
 * - a burst of at least `minScanLength` characters that ends in Enter is a scan (the Enter is eaten);
 * - anything else is released unchanged as typing (a person never notices a 35 ms hold).
 *
 * Pure: time comes in with each call. The kiosk feeds every keypress and calls tick() at releaseAt,
 * e.g. `useInput((input, key) => key.return ? feed('\r', now) : feed(input, now))`. One stdin chunk
 * may hold a whole scan plus Enter ("6957842208856\r"): it is split here on \r and \n.
 */
export type WedgeOutput =
  /** Text a person typed: goes to the focused field as usual. */
  | { kind: 'typing'; text: string }
  /** A person's Enter key. */
  | { kind: 'enter' }
  | { kind: 'scan'; scan: ScanEvent };

export interface WedgeDetectorOptions {
  /** Characters closer together than this are machine-fast. Scanners: 1-15 ms; people: 80+ ms. */
  maxKeyGapMs?: number;
  /** Shorter bursts are typing (a fast "ok" + Enter must not become a scan). */
  minScanLength?: number;
}

export const DEFAULT_MAX_KEY_GAP_MS = 35;
export const DEFAULT_MIN_SCAN_LENGTH = 4;

export class WedgeDetector {
  readonly #maxGapMs: number;
  readonly #minLength: number;
  /** Characters of a possible burst, all arrived within maxGap of each other. */
  #held = '';
  #lastCharAt = 0;
  /** After a scan ended by \r, a \n right behind it (a CR LF suffix) is part of the same scan. */
  #lineEndAfterScan: { char: string; at: number } | undefined;

  constructor(options: WedgeDetectorOptions = {}) {
    this.#maxGapMs = options.maxKeyGapMs ?? DEFAULT_MAX_KEY_GAP_MS;
    this.#minLength = options.minScanLength ?? DEFAULT_MIN_SCAN_LENGTH;
  }

  feed(input: string, now: number): WedgeOutput[] {
    const out = this.tick(now);
    for (const char of input) {
      if (char === '\r' || char === '\n') {
        this.#lineEnd(char, now, out);
      } else if (isControl(char)) {
        // Not printable: never part of a barcode here; release what is held and pass it on at once.
        this.#release(out);
        pushTyping(out, char);
      } else {
        this.#held += char;
        this.#lastCharAt = now;
      }
    }
    return out;
  }

  /** Releases held characters as typing once no fast follower can come any more. */
  tick(now: number): WedgeOutput[] {
    const out: WedgeOutput[] = [];
    if (this.#held !== '' && now - this.#lastCharAt > this.#maxGapMs) this.#release(out);
    return out;
  }

  /** When tick() should next be called, or undefined when nothing is held. */
  get releaseAt(): number | undefined {
    return this.#held === '' ? undefined : this.#lastCharAt + this.#maxGapMs + 1;
  }

  #lineEnd(char: string, now: number, out: WedgeOutput[]): void {
    const previous = this.#lineEndAfterScan;
    this.#lineEndAfterScan = undefined;
    if (this.#held === '' && previous !== undefined && previous.char !== char && now - previous.at <= this.#maxGapMs) {
      return; // the second half of a CR LF scan suffix
    }
    const fast = this.#held !== '' && now - this.#lastCharAt <= this.#maxGapMs;
    if (fast && this.#held.length >= this.#minLength) {
      out.push({ kind: 'scan', scan: { text: this.#held, source: 'wedge', at: now } });
      this.#held = '';
      this.#lineEndAfterScan = { char, at: now };
      return;
    }
    this.#release(out);
    out.push({ kind: 'enter' });
  }

  #release(out: WedgeOutput[]): void {
    if (this.#held === '') return;
    pushTyping(out, this.#held);
    this.#held = '';
  }
}

function isControl(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f;
}

/** Adjacent typing is merged so the kiosk gets one text per burst of released characters. */
function pushTyping(out: WedgeOutput[], text: string): void {
  const last = out[out.length - 1];
  if (last?.kind === 'typing') last.text += text;
  else out.push({ kind: 'typing', text });
}
