/**
 * The replay file format (`--scanner replay:FILE`), one item a line:
 *
 *   6957842208856                       a scan, as text (surrounding spaces trimmed)
 *   text: # not a comment               a scan whose text would otherwise read as a directive
 *   hex: 00 00 23 00 00 00 00 00        one raw boot keyboard report (8 bytes, or 9 with a report id)
 *   pos: 02 0d 5d 45 30 36 39 ...       one raw HID POS report
 *   delay: 250                          wait this many milliseconds before the next item
 *   status: disconnected                pretend the scanner was unplugged (or: connected)
 *   follow: on                          at the end, keep playing lines appended to the file (or: off)
 *   # comment                           ignored, as are blank lines
 *
 * Raw reports go through the same decoders as a real scanner's, so a recorded trace replays exactly.
 */
export type ReplayItem =
  | { kind: 'scan'; text: string; line: number }
  | { kind: 'keyboard-report'; bytes: number[]; line: number }
  | { kind: 'pos-report'; bytes: number[]; line: number }
  | { kind: 'delay'; ms: number; line: number }
  | { kind: 'status'; connected: boolean; line: number }
  | { kind: 'follow'; on: boolean; line: number };

export class ReplayFileError extends Error {
  override readonly name = 'ReplayFileError';
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file} line ${line}: ${reason}`);
  }
}

const MAX_DELAY_MS = 10 * 60 * 1000;

/**
 * Parses a whole replay file, or lines appended to it (`firstLine` numbers them as in the file);
 * the first bad line throws a ReplayFileError naming file and line.
 */
export function parseReplayFile(content: string, file: string, firstLine = 1): ReplayItem[] {
  const items: ReplayItem[] = [];
  const lines = content.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, index) => {
    const line = index + firstLine;
    const text = raw.replace(/\r$/, '').trim();
    if (text === '' || text.startsWith('#')) return;
    const directive = /^(hex|pos|delay|text|status|follow):\s*(.*)$/i.exec(text);
    if (directive === null) {
      items.push({ kind: 'scan', text, line });
      return;
    }
    const name = (directive[1] ?? '').toLowerCase();
    const value = directive[2] ?? '';
    switch (name) {
      case 'text':
        if (value === '') throw new ReplayFileError(file, line, 'text: needs the scan text after it');
        items.push({ kind: 'scan', text: value, line });
        return;
      case 'hex':
        items.push({ kind: 'keyboard-report', bytes: parseHexBytes(value, file, line), line });
        return;
      case 'pos':
        items.push({ kind: 'pos-report', bytes: parseHexBytes(value, file, line), line });
        return;
      case 'delay': {
        if (!/^\d+$/.test(value) || Number(value) > MAX_DELAY_MS) {
          throw new ReplayFileError(file, line, `delay: needs whole milliseconds from 0 to ${MAX_DELAY_MS}, not "${value}"`);
        }
        items.push({ kind: 'delay', ms: Number(value), line });
        return;
      }
      case 'status': {
        const state = value.toLowerCase();
        if (state !== 'connected' && state !== 'disconnected') {
          throw new ReplayFileError(file, line, `status: is "connected" or "disconnected", not "${value}"`);
        }
        items.push({ kind: 'status', connected: state === 'connected', line });
        return;
      }
      case 'follow': {
        const state = value.toLowerCase();
        if (state !== 'on' && state !== 'off') throw new ReplayFileError(file, line, `follow: is "on" or "off", not "${value}"`);
        items.push({ kind: 'follow', on: state === 'on', line });
        return;
      }
    }
  });
  return items;
}

function parseHexBytes(value: string, file: string, line: number): number[] {
  const tokens = value.split(/[\s,]+/).filter((token) => token !== '');
  if (tokens.length === 0) throw new ReplayFileError(file, line, 'no report bytes after the colon');
  return tokens.map((token) => {
    const digits = token.replace(/^0x/i, '');
    if (!/^[0-9a-f]{1,2}$/i.test(digits)) throw new ReplayFileError(file, line, `"${token}" is not a hex byte (00..ff)`);
    return parseInt(digits, 16);
  });
}
