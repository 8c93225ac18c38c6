/**
 * Command start, for `npm run bench`: wall time from spawn to exit, median of interleaved runs, each
 * beside a floor from the same run:
 *   - `tokendesk --help` and `tokendesk tokens list` (a small home) vs `node -e 'console.log(1)'`
 *   - `node scripts/start.mjs tokens list` (the `npm start` path: freshness check, then the CLI in
 *     the same process) vs the built CLI
 * The kiosk's start to its first frame is in bench/kiosk.tsx.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { initHome } from '../src/store/db.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const start = fileURLToPath(new URL('../../scripts/start.mjs', import.meta.url));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function run(args: string[]): number {
  const begin = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bench: ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return performance.now() - begin;
}

function line(label: string, value: number, floor: number, floorLabel: string, target: number): void {
  const ratio = value / floor;
  console.log(
    `${label.padEnd(34)} ${`${value.toFixed(0)} ms`.padStart(14)}   ${floorLabel} ${`${floor.toFixed(0)} ms`.padStart(8)}   ${ratio.toFixed(2)}x (target <= ${target}x) ${ratio <= target ? 'ok' : 'OVER TARGET'}`,
  );
}

const work = mkdtempSync(join(tmpdir(), 'tokendesk-bench-start-'));
try {
  const home = join(work, 'home');
  initHome(home, { deskId: 'bench' });
  const cases = {
    node: ['-e', 'console.log(1)'],
    help: [cli, '--help'],
    list: [cli, 'tokens', 'list', '--home', home],
    npmStart: [start, 'tokens', 'list', '--home', home],
  } as const;
  const times: Record<keyof typeof cases, number[]> = { node: [], help: [], list: [], npmStart: [] };
  run([...cases.npmStart]); // the first start may build; later ones find the build current
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(cases) as Array<keyof typeof cases>) times[name].push(run([...cases[name]]));
  }
  const node = median(times.node);
  console.log(`command start (median of ${ROUNDS}, wall time from spawn to exit)`);
  line('tokendesk --help', median(times.help), node, "node -e", 2);
  line('tokendesk tokens list (small home)', median(times.list), node, "node -e", 2);
  line('npm start path (tokens list)', median(times.npmStart), median(times.list), 'built', 1.2);
} finally {
  rmSync(work, { recursive: true, force: true });
}
