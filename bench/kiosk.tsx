/**
 * Kiosk figures for `npm run bench`, each beside a floor from the same run:
 *   - process start to the first interactive frame (the sign-in screen) vs a bare Ink hello app,
 *     both started in a pseudo-terminal by util-linux `script`
 *   - keystroke-to-frame latency at the Verify step vs a bare Ink app echoing the same keys,
 *     both rendered in-process to a test terminal
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Text, useInput } from 'ink';
import { render } from 'ink-testing-library';
import { useState, type ReactElement } from 'react';
import { encodeBase32 } from '../src/core/secretCodec.js';
import { initHome, openInventory } from '../src/store/db.js';
import { importSeeds } from '../src/services/importSeeds.js';
import { addStaff } from '../src/services/staff.js';
import { KioskApp } from '../src/kiosk/KioskApp.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const hello = fileURLToPath(new URL('./hello.js', import.meta.url));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function line(label: string, value: number, floor: number, unit: string, target: number): void {
  const ratio = value / floor;
  console.log(
    `${label.padEnd(34)} ${`${value.toFixed(1)} ${unit}`.padStart(14)}   floor ${`${floor.toFixed(1)} ${unit}`.padStart(14)}   ${ratio.toFixed(2)}x (target <= ${target}x) ${ratio <= target ? 'ok' : 'OVER TARGET'}`,
  );
}

/** ms from spawn until `marker` appears on the pseudo-terminal. */
function timeToFrame(command: string, marker: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn('script', ['-qfec', `stty cols 100 rows 30; exec ${command}`, '/dev/null'], { env: { ...process.env, ...env, TERM: 'xterm-256color' }, stdio: ['pipe', 'pipe', 'ignore'] });
    let seen = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "${marker}" within 20 s`));
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (seen.includes(marker)) {
        const ms = performance.now() - start;
        clearTimeout(timer);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 500).unref();
        resolve(ms);
      }
    });
  });
}

async function startup(home: string): Promise<void> {
  if (spawnSync('script', ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.log('kiosk start-up: skipped (util-linux `script` is not installed)');
    return;
  }
  const kiosk: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    floor.push(await timeToFrame(`${process.execPath} ${hello}`, 'hello, ready', {}));
    kiosk.push(await timeToFrame(`${process.execPath} ${cli} kiosk --home ${home} --scanner off`, 'Staff sign-in', {}));
  }
  line('kiosk start to first frame', median(kiosk), median(floor), 'ms', 1.5);
}

/** Mean ms from a keystroke to the frame that shows it, over `keys`. */
async function keystrokeLatency(element: ReactElement, prepare: (type: (s: string) => Promise<void>, waitFor: (s: string) => Promise<void>) => Promise<void>, keys: string[]): Promise<number> {
  const app = render(element);
  let resolveFrame: (() => void) | null = null;
  const original = app.stdout.write;
  app.stdout.write = (frame: string) => {
    original(frame);
    resolveFrame?.();
  };
  const waitFor = async (text: string) => {
    const start = Date.now();
    while (!(app.lastFrame() ?? '').includes(text)) {
      if (Date.now() - start > 5000) throw new Error(`bench: no "${text}" on screen:\n${app.lastFrame()}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const type = async (text: string) => {
    for (const ch of text) {
      app.stdin.write(ch);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await prepare(type, waitFor);
  const samples: number[] = [];
  for (const key of keys) {
    await new Promise((r) => setTimeout(r, 2));
    const frame = new Promise<void>((r) => (resolveFrame = r));
    const start = performance.now();
    app.stdin.write(key);
    await frame;
    samples.push(performance.now() - start);
    resolveFrame = null;
  }
  app.unmount();
  return samples.reduce((a, b) => a + b, 0) / samples.length;
}

/** The floor: Ink echoing keys into a frame of the kiosk's size (30 rows of 100 columns). */
function Echo() {
  const [text, setText] = useState('');
  useInput((input, key) => setText((t) => (key.backspace || key.delete ? t.slice(0, -1) : (t + input).slice(-6))));
  const filler = '─┌┐└┘│ tokendesk kiosk frame of the same size '.repeat(3).slice(0, 98);
  return (
    <>
      {Array.from({ length: 29 }, (_, i) => (
        <Text key={i}>{filler}</Text>
      ))}
      <Text>code: {text}</Text>
    </>
  );
}

async function latency(home: string): Promise<void> {
  const inventory = openInventory(home);
  // Three digits, three backspaces: every key changes what the screen shows.
  const keys = Array.from({ length: 240 }, (_, i) => (i % 6 < 3 ? String(i % 10) : '\u007f'));
  try {
    const floorMs = await keystrokeLatency(<Echo />, async (_type, waitFor) => waitFor('code:'), keys);
    const kioskMs = await keystrokeLatency(
      <KioskApp session={{ inventory, homeDir: home, practice: null }} homeDir={home} wedge={false} size={{ columns: 100, rows: 30 }} />,
      async (type, waitFor) => {
        await waitFor('Staff sign-in');
        await type('bench');
        await type('\r');
        await type('123456');
        await type('\r');
        await waitFor('What next?');
        await type('h');
        await waitFor('[Employee]');
        await type('bench@example.com');
        await type('\r');
        await waitFor('[Token]');
        await type('0070000000001');
        await type('\r');
        await waitFor('[Name]');
        await type('\r');
        await waitFor('[Verify]');
      },
      keys,
    );
    line('keystroke to frame (Verify step)', kioskMs, floorMs, 'ms', 3);
    console.log('  (floor: a bare Ink app echoing the same keys into a frame of the same size)');
  } finally {
    inventory.close();
  }
}

const work = mkdtempSync(join(tmpdir(), 'tokendesk-bench-kiosk-'));
try {
  const home = join(work, 'home');
  initHome(home, { deskId: 'bench' });
  const inventory = openInventory(home);
  const rows = ['upn,serial number,secret key,time interval,manufacturer,model'];
  for (let i = 1; i <= 1000; i++) rows.push(`,${String(70_000_000_000 + i).padStart(13, '0')},${encodeBase32(randomBytes(20))},30,Token2,C202`);
  writeFileSync(join(work, 'seeds.csv'), `${rows.join('\n')}\n`);
  await importSeeds(inventory, { file: join(work, 'seeds.csv'), actor: { name: 'bench', role: 'admin' } });
  addStaff(inventory, { name: 'bench', role: 'staff', pin: '123456', actor: { name: 'bench', role: 'admin' } });
  inventory.close();
  await startup(home);
  await latency(home);
} finally {
  rmSync(work, { recursive: true, force: true });
}
