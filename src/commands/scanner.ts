import type { Command } from 'commander';
import { createScanSource } from '../scanner/createScanSource.js';
import { DuplicateScanGuard } from '../scanner/duplicateScanGuard.js';
import type { LoadHid } from '../scanner/nodeHid.js';
import { ReplayScanSource } from '../scanner/replayScanSource.js';
import { listScanners, scannerDoctorReport as doctorReport, type ScannerListing } from '../scanner/scannerReport.js';
import { ScannerSpecError } from '../scanner/scannerSpec.js';
import { scanLine, scannerStatusText } from '../scanner/statusText.js';
import type { ScanSource } from '../scanner/types.js';
import { WedgeDetector } from '../scanner/wedgeDetector.js';

/** What the scanner commands touch, replaceable in tests. */
export interface ScannerCommandIo {
  loadHid?: LoadHid;
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  /** Keystrokes for keyboard-wedge scans in `scanner test`; read only when it is a TTY. */
  stdin?: NodeJS.ReadStream;
  /** Where Ctrl+C arrives when stdin is not in raw mode. */
  signals?: NodeJS.EventEmitter;
}

/**
 * `tokendesk scanner list [--json]`: the HID devices, their usage pages, and which one
 *   `--scanner auto` would read and why.
 * `tokendesk scanner test [--scanner SPEC]`: prints each decoded scan as it comes, until Ctrl+C
 *   (or the end of a replay file). The tool a desk uses on day one.
 */
export function registerScannerCommands(program: Command, io: ScannerCommandIo = {}): void {
  const scanner = program.command('scanner').description('barcode scanner: list devices, test scanning');

  scanner
    .command('list')
    .description('list HID devices and say which one --scanner auto would read, and why')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const listing = await listScanners(io.loadHid);
      const out = io.stdout ?? process.stdout;
      out.write(options.json ? `${JSON.stringify(listing, null, 2)}\n` : listingText(listing));
      process.exitCode = listing.nodeHid.loaded ? 0 : 1;
    });

  scanner
    .command('test')
    .description('print decoded scans live until Ctrl+C')
    .option('--scanner <spec>', 'auto | off | keyboard | VID:PID | PATH | replay:FILE', 'auto')
    .action(async (options: { scanner: string }) => {
      process.exitCode = await runScannerTest(options.scanner, io);
    });
}

/** For `tokendesk doctor`. */
export function scannerDoctorReport(): Promise<{ ok: boolean; summary: string; details: object }> {
  return doctorReport();
}

function listingText(listing: ScannerListing): string {
  const lines: string[] = [];
  if (!listing.nodeHid.loaded) {
    lines.push(`node-hid: not loaded: ${listing.nodeHid.reason}`);
    lines.push('The kiosk reads scans from keystrokes (keyboard-wedge) until this is fixed.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(`node-hid: loaded${listing.nodeHid.hidapiVersion ? ` (hidapi ${listing.nodeHid.hidapiVersion})` : ''}`);
  lines.push(`HID interfaces: ${listing.devices.length}`);
  for (const device of listing.devices) {
    const kind = device.kind === 'hid-pos' ? 'HID POS scanner' : device.kind === 'keyboard' ? 'keyboard' : 'other';
    const usage = `usage ${device.usagePage ?? '?'}/${device.usage ?? '?'}`;
    const vendor = device.scannerVendor ? `, scanner maker: ${device.scannerVendor}` : '';
    lines.push(`  ${device.id}  ${device.name}  ${usage}  ${kind}${vendor}  interface ${device.interface}  ${device.path ?? '(no path)'}`);
  }
  const auto = listing.auto;
  if (auto?.device) lines.push(`auto reads: ${auto.device.name} at ${auto.device.path ?? '?'}, because ${auto.why}`);
  else lines.push(`auto reads nothing: ${auto?.why ?? 'no devices'}; the kiosk reads scans from keystrokes`);
  return `${lines.join('\n')}\n`;
}

async function runScannerTest(spec: string, io: ScannerCommandIo): Promise<number> {
  const out = io.stdout ?? process.stdout;
  const err = io.stderr ?? process.stderr;
  let source: ScanSource;
  try {
    source = createScanSource(spec, io.loadHid ? { loadHid: io.loadHid } : {});
  } catch (error) {
    if (error instanceof ScannerSpecError) {
      err.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const guard = new DuplicateScanGuard();
  let shownStatus = '';
  const showStatus = (): void => {
    const line = scannerStatusText(source.status());
    if (line !== shownStatus) out.write(`${line}\n`);
    shownStatus = line;
  };
  source.onStatus(showStatus);
  source.onScan((scan) => {
    if (guard.admit(scan)) out.write(`${scanLine(scan)}\n`);
    else out.write(`(the same scan again as keystrokes: ignored)\n`);
  });

  let finish: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const signals = io.signals ?? process;
  signals.once('SIGINT', finish);
  const keystrokes = source.keystrokeScans ? readWedgeScans(io.stdin ?? process.stdin, guard, out, finish) : undefined;

  out.write(`Testing --scanner ${spec}. Scan a barcode; Ctrl+C stops.\n`);
  await source.start();
  showStatus();
  if (source instanceof ReplayScanSource) void source.finished().then(finish);

  await stopped;
  signals.removeListener('SIGINT', finish);
  keystrokes?.();
  await source.stop();
  const status = source.status();
  return status.kind === 'unavailable' && source instanceof ReplayScanSource ? 1 : 0;
}

/**
 * Runs the keyboard-wedge detector on the terminal's keystrokes, so a keyboard-mode scanner that
 * types can be tested too. Returns the function that gives the terminal back.
 */
function readWedgeScans(
  stdin: NodeJS.ReadStream,
  guard: DuplicateScanGuard,
  out: { write(text: string): unknown },
  onCtrlC: () => void,
): (() => void) | undefined {
  if (!stdin.isTTY) return undefined;
  const detector = new WedgeDetector();
  let timer: NodeJS.Timeout | undefined;
  const show = (outputs: ReturnType<WedgeDetector['feed']>): void => {
    for (const output of outputs) {
      if (output.kind === 'scan') {
        out.write(guard.admit(output.scan) ? `${scanLine(output.scan)}\n` : '(the same scan again as keystrokes: ignored)\n');
      } else if (output.kind === 'typing') {
        out.write(`typed ${JSON.stringify(output.text)} (too slow or too short for a scan)\n`);
      }
    }
    clearTimeout(timer);
    const releaseAt = detector.releaseAt;
    if (releaseAt !== undefined) timer = setTimeout(() => show(detector.tick(Date.now())), Math.max(0, releaseAt - Date.now()));
  };
  const onData = (chunk: Buffer | string): void => {
    const text = chunk.toString();
    if (text.includes('\u0003')) {
      onCtrlC();
      return;
    }
    show(detector.feed(text, Date.now()));
  };
  stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.resume();
  return () => {
    clearTimeout(timer);
    stdin.removeListener('data', onData);
    stdin.setRawMode(false);
    stdin.pause();
  };
}
