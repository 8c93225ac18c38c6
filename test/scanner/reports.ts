/** Helpers for writing report streams in tests: hex strings as people read them in traces. */

export function hex(text: string): number[] {
  return text
    .trim()
    .split(/\s+/)
    .map((byte) => parseInt(byte, 16));
}

export const RELEASE = hex('00 00 00 00 00 00 00 00');

/** One key press (with modifiers) followed by the all-zero release, as scanners send keys. */
export function tap(usage: number, modifiers = 0): number[][] {
  return [[modifiers, 0, usage, 0, 0, 0, 0, 0], RELEASE];
}

/** Digits typed on the top row: 1..9 are 0x1e..0x26, 0 is 0x27. */
export function digitKey(digit: string): number {
  return digit === '0' ? 0x27 : 0x1e + Number(digit) - 1;
}

/** A Honeywell HID POS report: [02][len][AIM x3][data, 56 bytes][code id][00][continued]. */
export function honeywellReport(data: string, options: { aim?: string; continued?: boolean } = {}): number[] {
  const report = new Array<number>(64).fill(0);
  const bytes = [...Buffer.from(data, 'latin1')];
  if (bytes.length > 56) throw new Error('at most 56 data bytes per Honeywell report');
  report[0] = 0x02;
  report[1] = bytes.length;
  [...Buffer.from(options.aim ?? ']E0', 'latin1')].forEach((b, i) => (report[2 + i] = b));
  bytes.forEach((b, i) => (report[5 + i] = b));
  report[61] = 0x64;
  report[63] = options.continued ? 1 : 0;
  return report;
}

/** A generic length-prefixed POS report: [report id][len][data...] padded to `size`. */
export function genericReport(data: string, size = 16, reportId = 0x02): number[] {
  const report = new Array<number>(size).fill(0);
  const bytes = [...Buffer.from(data, 'latin1')];
  report[0] = reportId;
  report[1] = bytes.length;
  bytes.forEach((b, i) => (report[2 + i] = b));
  return report;
}
