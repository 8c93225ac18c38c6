import type { ScanEvent, ScanSource, ScannerStatus } from '../../src/scanner/index.js';

/** A scanner the test pulls the trigger of: scans arrive as they would from a HID POS device. */
export class FakeScanner implements ScanSource {
  readonly keystrokeScans = true;
  #scan = new Set<(scan: ScanEvent) => void>();
  #status = new Set<(status: ScannerStatus) => void>();
  #current: ScannerStatus = { kind: 'connected', device: 'Test scanner', mode: 'hid-pos', typesIntoTerminal: false } as ScannerStatus;

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  onScan(listener: (scan: ScanEvent) => void) {
    this.#scan.add(listener);
    return () => void this.#scan.delete(listener);
  }
  onStatus(listener: (status: ScannerStatus) => void) {
    this.#status.add(listener);
    return () => void this.#status.delete(listener);
  }
  status(): ScannerStatus {
    return this.#current;
  }
  scan(text: string): void {
    for (const l of this.#scan) l({ text, source: 'hid-pos', at: Date.now() });
  }
  setStatus(status: ScannerStatus): void {
    this.#current = status;
    for (const l of this.#status) l(status);
  }
}
