import { describe, expect, it } from 'vitest';
import { PosReportDecoder } from '../../src/scanner/posReportDecoder.js';
import { genericReport, honeywellReport } from './reports.js';

const QR = 'https://desk.example/t/TOKEN2-C202-0000123456789-batch-42?check=ABCDEFGHIJKLMNOP-and-then-some-more-text-past-112';

describe('HID POS reports, Honeywell layout', () => {
  it('reads one report: AIM symbology id and data', () => {
    const decoder = new PosReportDecoder();
    expect(decoder.push(honeywellReport('6957842208856', { aim: ']E0' }), 0)).toEqual([
      { text: '6957842208856', symbology: ']E0' },
    ]);
  });

  it('reassembles a barcode spread over three reports by the continuation flag', () => {
    expect(QR.length).toBeGreaterThan(112);
    const decoder = new PosReportDecoder();
    const parts = [QR.slice(0, 56), QR.slice(56, 112), QR.slice(112)];
    const scans = parts.flatMap((part, i) =>
      decoder.push(honeywellReport(part, { aim: ']Q1', continued: i < parts.length - 1 }), i * 8),
    );
    expect(scans).toEqual([{ text: QR, symbology: ']Q1' }]);
  });

  it('decodes the REVINF trace layout: full 56-byte reports flagged 1, a short last one flagged 0', () => {
    // Shape of the multi-report reply recorded in github.com/HenkVanAsselt/python_hon_usbhid.
    const first = honeywellReport('Product Name: Voyager 1602g\r\nBoot Revision: : 8992\r\nSoft', { aim: ']X0', continued: true });
    const last = honeywellReport('ware: 1.0', { aim: ']X0' });
    expect(first[1]).toBe(56);
    const decoder = new PosReportDecoder();
    expect([...decoder.push(first, 0), ...decoder.push(last, 5)]).toEqual([
      { text: 'Product Name: Voyager 1602g\r\nBoot Revision: : 8992\r\nSoftware: 1.0', symbology: ']X0' },
    ]);
  });

  it('strips a CR/LF suffix configured on the scanner', () => {
    expect(new PosReportDecoder().push(honeywellReport('2100000012345\r\n'), 0)).toEqual([
      { text: '2100000012345', symbology: ']E0' },
    ]);
  });

  it('drops a barcode whose continuation never comes, and reads the next one', () => {
    const decoder = new PosReportDecoder({ reportTimeoutMs: 100 });
    expect(decoder.push(honeywellReport('half of a', { continued: true }), 0)).toEqual([]);
    expect(decoder.expiresAt).toBe(101);
    expect(decoder.expire(50)).toEqual([]);
    expect(decoder.push(honeywellReport('2100000012345'), 1000)).toEqual([{ text: '2100000012345', symbology: ']E0' }]);
    expect(decoder.droppedPartials).toBe(1);
  });

  it('keeps bytes that are not UTF-8 as Latin-1 characters', () => {
    const report = honeywellReport('ab');
    report[1] = 3;
    report[7] = 0xe9; // é in Latin-1, invalid alone in UTF-8
    expect(new PosReportDecoder().push(report, 0)).toEqual([{ text: 'abé', symbology: ']E0' }]);
  });
});

describe('HID POS reports, generic length-prefixed layout', () => {
  it('reads a short barcode in one report', () => {
    expect(new PosReportDecoder().push(genericReport('2100000012345'), 0)).toEqual([{ text: '2100000012345' }]);
  });

  it('joins full reports until a shorter one ends the barcode', () => {
    const decoder = new PosReportDecoder({ layout: 'generic' });
    // 16-byte reports hold 14 data bytes each.
    const text = '6957842208856-0000123456789-XYZ';
    const parts = [text.slice(0, 14), text.slice(14, 28), text.slice(28)];
    const scans = parts.flatMap((part, i) => decoder.push(genericReport(part), i * 8));
    expect(scans).toEqual([{ text }]);
  });

  it('finishes a barcode that ends exactly on a full report at the timeout, or on an empty report', () => {
    const decoder = new PosReportDecoder({ reportTimeoutMs: 100 });
    expect(decoder.push(genericReport('12345678901234'), 0)).toEqual([]);
    expect(decoder.expire(100)).toEqual([]);
    expect(decoder.expire(101)).toEqual([{ text: '12345678901234' }]);

    expect(decoder.push(genericReport('ABCDEFGHIJKLMN'), 500)).toEqual([]);
    expect(decoder.push(genericReport(''), 505)).toEqual([{ text: 'ABCDEFGHIJKLMN' }]);
  });

  it('is chosen by auto when the first data byte is not an AIM "]"', () => {
    expect(new PosReportDecoder({ layout: 'auto' }).push(genericReport('0042', 64), 0)).toEqual([{ text: '0042' }]);
  });
});

describe('HID POS garbage', () => {
  it('ignores reports whose length byte does not fit, and too-short reports', () => {
    const decoder = new PosReportDecoder();
    const tooLong = honeywellReport('x');
    tooLong[1] = 57;
    const generic = genericReport('abc', 8);
    generic[1] = 7;
    expect(decoder.push(tooLong, 0)).toEqual([]);
    expect(decoder.push(generic, 1)).toEqual([]);
    expect(decoder.push([], 2)).toEqual([]);
    expect(decoder.push([0x02], 3)).toEqual([]);
    expect(decoder.ignoredReports).toBe(4);
    expect(decoder.push(honeywellReport('ok1234'), 4)).toEqual([{ text: 'ok1234', symbology: ']E0' }]);
  });

  it('never throws on random bytes', () => {
    const decoder = new PosReportDecoder();
    let seed = 11;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    for (let i = 0; i < 5000; i++) {
      const report = Array.from({ length: random() % 70 }, random);
      expect(() => decoder.push(report, i * 300)).not.toThrow();
    }
  });
});
