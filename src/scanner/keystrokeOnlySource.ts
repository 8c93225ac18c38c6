import { Listeners } from './emitter.js';
import type { ScanEvent, ScanSource, ScannerStatus, Unsubscribe } from './types.js';

/**
 * The source for `--scanner keyboard` and `--scanner off`: it opens nothing and never scans by
 * itself. With `keyboard`, scans come from the kiosk's wedge detector; with `off`, there are none.
 */
export class KeystrokeOnlySource implements ScanSource {
  readonly keystrokeScans: boolean;
  readonly #status: ScannerStatus;
  readonly #scans = new Listeners<ScanEvent>();

  constructor(kind: 'keyboard' | 'off') {
    this.keystrokeScans = kind === 'keyboard';
    this.#status =
      kind === 'keyboard'
        ? { kind: 'keyboard-wedge', reason: 'chosen with --scanner keyboard' }
        : { kind: 'unavailable', reason: 'scanner input is off (--scanner off)' };
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  onScan(listener: (scan: ScanEvent) => void): Unsubscribe {
    return this.#scans.add(listener);
  }

  onStatus(_listener: (status: ScannerStatus) => void): Unsubscribe {
    // The status never changes.
    return () => undefined;
  }

  status(): ScannerStatus {
    return this.#status;
  }
}
