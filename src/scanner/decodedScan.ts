/** What a decoder hands back: the text of one barcode, before a source stamps it with origin and time. */
export interface DecodedScan {
  text: string;
  /** AIM symbology identifier ("]E0"), when the report carries one. */
  symbology?: string;
}

/**
 * Turns barcode bytes into text: UTF-8 when the bytes are valid UTF-8 (QR codes often are), else one
 * character per byte (Latin-1), so no byte is ever lost to a replacement character.
 */
export function barcodeBytesToText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

/** Scanners configured with a CR/LF suffix send it as data in HID POS mode: it is not part of the code. */
export function withoutLineEnding(text: string): string {
  return text.replace(/[\r\n]+$/, '');
}
