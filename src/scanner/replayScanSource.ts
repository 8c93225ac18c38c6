import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Listeners, StatusCell } from './emitter.js';
import { KeyboardReportDecoder } from './keyboardReportDecoder.js';
import { PosReportDecoder, type PosLayout } from './posReportDecoder.js';
import { parseReplayFile, type ReplayItem } from './replayFile.js';
import type { ScanEvent, ScanSource, ScannerStatus, Unsubscribe } from './types.js';
import type { DecodedScan } from './decodedScan.js';

export interface ReplayScanSourceOptions {
  file: string;
  now?: () => number;
  /** Tests and the practice-mode bundle may hand over the content instead of a path on disk. */
  readText?: (file: string) => Promise<string>;
  keyTimeoutMs?: number;
  posLayout?: PosLayout;
}

/** How often a followed file (`follow: on`) is read again for appended lines. */
export const FOLLOW_POLL_MS = 100;

/**
 * Plays a replay file (format: replayFile.ts) as if a scanner sent it: for practice mode, demos and
 * tests. Items up to a `delay:` line are played together; delays use ordinary timers, so tests
 * drive them with fake timers.
 *
 * With `follow: on` the file is read again every FOLLOW_POLL_MS once it has played, and each
 * complete line appended to it is played as it comes (like `tail -f`): a demo or a test then scans
 * on cue (`echo 9900000000005 >> scans.txt`) instead of racing a delay against the screen.
 */
export class ReplayScanSource implements ScanSource {
  readonly keystrokeScans = true;
  readonly #file: string;
  readonly #now: () => number;
  readonly #readText: (file: string) => Promise<string>;
  readonly #keyboard: KeyboardReportDecoder;
  readonly #pos: PosReportDecoder;
  readonly #scans = new Listeners<ScanEvent>();
  readonly #status = new StatusCell<ScannerStatus>({ kind: 'unavailable', reason: 'replay not started yet' });
  readonly #deviceName: string;

  #running = false;
  #follow = false;
  /** How much of the file has been played, and the line number where the unplayed part starts. */
  #consumed = 0;
  #nextLine = 1;
  #started: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #finishedResolve: () => void = () => undefined;
  readonly #finishedPromise = new Promise<void>((resolve) => {
    this.#finishedResolve = resolve;
  });

  constructor(options: ReplayScanSourceOptions) {
    this.#file = options.file;
    this.#now = options.now ?? Date.now;
    this.#readText = options.readText ?? ((file) => readFile(file, 'utf8'));
    this.#keyboard = new KeyboardReportDecoder({ ...(options.keyTimeoutMs !== undefined && { keyTimeoutMs: options.keyTimeoutMs }) });
    this.#pos = new PosReportDecoder({
      ...(options.keyTimeoutMs !== undefined && { reportTimeoutMs: options.keyTimeoutMs }),
      ...(options.posLayout !== undefined && { layout: options.posLayout }),
    });
    this.#deviceName = `replay ${path.basename(this.#file)}`;
  }

  start(): Promise<void> {
    this.#started ??= this.#load();
    return this.#started;
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#finishedResolve();
  }

  /** Resolves when the whole file has been played (or the source was stopped). */
  finished(): Promise<void> {
    return this.#finishedPromise;
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

  async #load(): Promise<void> {
    let items: ReplayItem[];
    try {
      const content = await this.#readText(this.#file);
      items = parseReplayFile(content, this.#file);
      this.#markConsumed(content, content.length);
    } catch (error) {
      this.#giveUp(error);
      return;
    }
    this.#running = true;
    this.#setConnected(true);
    // Play from a fresh task so the kiosk can render its first frame before the first scan.
    this.#timer = setTimeout(() => this.#play(items, 0), 0);
  }

  #play(items: ReplayItem[], from: number): void {
    this.#timer = undefined;
    for (let index = from; index < items.length; index++) {
      if (!this.#running) return;
      const item = items[index];
      if (item === undefined) break;
      if (item.kind === 'delay') {
        this.#timer = setTimeout(() => this.#play(items, index + 1), item.ms);
        return;
      }
      this.#playItem(item);
    }
    // A generic POS barcode that ended on a full report has no later report to close it.
    this.#emit(this.#pos.expire(Number.POSITIVE_INFINITY));
    if (this.#follow) this.#timer = setTimeout(() => void this.#readAppended(), FOLLOW_POLL_MS);
    else this.#finishedResolve();
  }

  /** Plays the complete lines appended since the last read; a half-written last line waits. */
  async #readAppended(): Promise<void> {
    this.#timer = undefined;
    let items: ReplayItem[] = [];
    try {
      const content = await this.#readText(this.#file);
      if (!this.#running) return;
      // Shorter than what was played: the file was written anew, so it plays from its start.
      if (content.length < this.#consumed) [this.#consumed, this.#nextLine] = [0, 1];
      const end = content.lastIndexOf('\n') + 1;
      if (end > this.#consumed) {
        items = parseReplayFile(content.slice(this.#consumed, end), this.#file, this.#nextLine);
        this.#markConsumed(content, end);
      }
    } catch (error) {
      if (this.#running) this.#giveUp(error);
      return;
    }
    this.#play(items, 0);
  }

  #markConsumed(content: string, end: number): void {
    this.#nextLine += content.slice(this.#consumed, end).split('\n').length - 1;
    this.#consumed = end;
  }

  #giveUp(error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.#running = false;
    this.#status.set({ kind: 'unavailable', reason: `replay file unusable: ${reason}` });
    this.#finishedResolve();
  }

  #playItem(item: Exclude<ReplayItem, { kind: 'delay' }>): void {
    const now = this.#now();
    switch (item.kind) {
      case 'scan':
        this.#emit([{ text: item.text }]);
        return;
      case 'keyboard-report':
        this.#emit(this.#keyboard.push(item.bytes, now));
        return;
      case 'pos-report':
        this.#emit(this.#pos.push(item.bytes, now));
        return;
      case 'status':
        this.#setConnected(item.connected);
        return;
      case 'follow':
        this.#follow = item.on;
        return;
    }
  }

  #emit(scans: DecodedScan[]): void {
    const at = this.#now();
    for (const scan of scans) this.#scans.emit({ ...scan, source: 'replay', at });
  }

  #setConnected(connected: boolean): void {
    this.#status.set(
      connected
        ? { kind: 'connected', device: this.#deviceName, mode: 'replay', typesIntoTerminal: false }
        : { kind: 'disconnected', device: this.#deviceName },
    );
  }
}
