import type { ScanEvent, ScannerStatus } from './types.js';

/** One line for the kiosk header, `scanner test` and logs. */
export function scannerStatusText(status: ScannerStatus): string {
  switch (status.kind) {
    case 'connected': {
      const mode = status.mode === 'hid-pos' ? 'HID POS' : status.mode === 'keyboard' ? 'keyboard mode' : 'replay';
      return `scanner: ${status.device}, ${mode}${status.typesIntoTerminal ? ' (it also types; duplicates are filtered)' : ''}`;
    }
    case 'keyboard-wedge':
      return `scanner: keyboard-wedge input${status.reason ? ` (${status.reason})` : ''}`;
    case 'disconnected':
      return `scanner disconnected${status.device ? `: ${status.device}` : ''}; it reconnects when plugged back in`;
    case 'unavailable':
      return `scanner unavailable: ${status.reason}`;
  }
}

/** One line per scan: the text (control characters made visible), where it came from, its symbology. */
export function scanLine(scan: ScanEvent): string {
  const text = scan.text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `${text}  [${scan.source}${scan.symbology ? ` ${scan.symbology}` : ''}]`;
}
