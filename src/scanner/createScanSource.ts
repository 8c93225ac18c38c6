import path from 'node:path';
import { HidScanSource } from './hidScanSource.js';
import { KeystrokeOnlySource } from './keystrokeOnlySource.js';
import type { LoadHid } from './nodeHid.js';
import type { PosLayout } from './posReportDecoder.js';
import { ReplayScanSource } from './replayScanSource.js';
import { parseScannerSpec, type ScannerSpec } from './scannerSpec.js';
import type { ScanSource } from './types.js';

export interface ScanSourceOptions {
  /** Fake node-hid for tests; default: the real module, loaded on start(). */
  loadHid?: LoadHid;
  platform?: NodeJS.Platform;
  now?: () => number;
  /** Relative replay files are read from here; default: the current directory. */
  cwd?: string;
  keyTimeoutMs?: number;
  posLayout?: PosLayout;
  retryFirstMs?: number;
  retryMaxMs?: number;
}

/**
 * The scanner for a `--scanner` value: auto|off|keyboard|VID:PID|PATH|replay:FILE.
 * Throws ScannerSpecError (a usage error, exit code 2) for a value that is none of these; every
 * later problem (no library, no device, unreadable replay file) is a status, not an exception.
 */
export function createScanSource(spec: string | ScannerSpec, options: ScanSourceOptions = {}): ScanSource {
  const choice = typeof spec === 'string' ? parseScannerSpec(spec) : spec;
  const optional = {
    ...(options.now !== undefined && { now: options.now }),
    ...(options.keyTimeoutMs !== undefined && { keyTimeoutMs: options.keyTimeoutMs }),
    ...(options.posLayout !== undefined && { posLayout: options.posLayout }),
  };
  switch (choice.kind) {
    case 'off':
    case 'keyboard':
      return new KeystrokeOnlySource(choice.kind);
    case 'replay': {
      const file = options.cwd === undefined ? choice.file : path.resolve(options.cwd, choice.file);
      return new ReplayScanSource({ file, ...optional });
    }
    case 'auto':
    case 'usb-id':
    case 'path':
      return new HidScanSource({
        spec: choice,
        ...optional,
        ...(options.loadHid !== undefined && { loadHid: options.loadHid }),
        ...(options.platform !== undefined && { platform: options.platform }),
        ...(options.retryFirstMs !== undefined && { retryFirstMs: options.retryFirstMs }),
        ...(options.retryMaxMs !== undefined && { retryMaxMs: options.retryMaxMs }),
      });
  }
}

