/** The root's view of the world outside React: the clock, the scanner's status, the terminal's size. */
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';
import { scannerStatusText, type ScanSource, type ScannerStatus } from '../../scanner/index.js';

export function useClock(now: () => number): number {
  const [time, setTime] = useState(now);
  useEffect(() => {
    const timer = setInterval(() => setTime(now()), 1000);
    return () => clearInterval(timer);
  }, [now]);
  return time;
}

export function useScannerStatus(source: ScanSource | null): string {
  const [status, setStatus] = useState<ScannerStatus | null>(() => source?.status() ?? null);
  useEffect(() => {
    if (!source) return;
    setStatus(source.status());
    return source.onStatus(setStatus);
  }, [source]);
  return status ? scannerStatusText(status) : 'scanner: keyboard';
}

/** Columns and rows, following resizes; the frame stays one row under the height (Ink redraw). */
export function useTerminalSize(fixed?: { columns: number; rows: number }): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: Math.max(40, stdout.columns || 80), rows: Math.max(12, (stdout.rows || 24) - 1) });
  const [size, setSize] = useState(fixed ?? read());
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed]);
  return size;
}

/** "1 minute", "5 minutes": the idle sign-out's note. */
export const idleText = (minutes: number): string => (minutes === 1 ? '1 minute' : `${minutes} minutes`);
