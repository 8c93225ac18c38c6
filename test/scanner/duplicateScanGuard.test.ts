import { describe, expect, it } from 'vitest';
import { DuplicateScanGuard } from '../../src/scanner/duplicateScanGuard.js';
import type { ScanEvent } from '../../src/scanner/types.js';

const scan = (text: string, source: ScanEvent['source'], at: number): ScanEvent => ({ text, source, at });

describe('duplicate scan guard', () => {
  it('refuses the keystroke copy of a HID scan, in either order, within the window', () => {
    const guard = new DuplicateScanGuard({ windowMs: 1500 });
    expect(guard.admit(scan('2100000012345', 'hid-keyboard', 1000))).toBe(true);
    expect(guard.admit(scan('2100000012345', 'wedge', 1030))).toBe(false);
    expect(guard.admit(scan('6957842208856', 'wedge', 5000))).toBe(true);
    expect(guard.admit(scan('6957842208856', 'hid-keyboard', 5200))).toBe(false);
  });

  it('admits a deliberate second scan from the same path, and copies outside the window', () => {
    const guard = new DuplicateScanGuard({ windowMs: 1500 });
    expect(guard.admit(scan('2100000012345', 'hid-pos', 0))).toBe(true);
    expect(guard.admit(scan('2100000012345', 'hid-pos', 300))).toBe(true);
    expect(guard.admit(scan('2100000012345', 'wedge', 5000))).toBe(true);
  });

  it('pairs each copy with one original: a third scan of the same code counts', () => {
    const guard = new DuplicateScanGuard();
    expect(guard.admit(scan('42424242', 'hid-keyboard', 0))).toBe(true);
    expect(guard.admit(scan('42424242', 'wedge', 10))).toBe(false);
    expect(guard.admit(scan('42424242', 'wedge', 800))).toBe(true);
  });

  it('different texts never collide', () => {
    const guard = new DuplicateScanGuard();
    expect(guard.admit(scan('1111', 'hid-pos', 0))).toBe(true);
    expect(guard.admit(scan('2222', 'wedge', 1))).toBe(true);
  });
});
