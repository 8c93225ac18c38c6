#!/usr/bin/env node
/**
 * Builds dist/ with tsc, but only when the sources changed since the last build: `npm start` and
 * `npm test` call this first, so a fresh clone builds once and every later start skips the compiler
 * (about 10 s on a small kiosk PC). "Changed" means the content of src/, bench/, db/migrations, the
 * tsconfigs or package.json, hashed: a fingerprint in dist/.build-fingerprint records the last build.
 *
 *   node scripts/build.mjs            build if stale (quiet when nothing changed)
 *   node scripts/build.mjs --force    build now
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = join(root, 'dist', '.build-fingerprint');
const INPUTS = ['src', 'bench', 'db/migrations', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function* filesUnder(path) {
  if (!existsSync(path)) return;
  const entries = readdirSync(path, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full);
    else yield full;
  }
}

export function sourceFingerprint() {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    const path = join(root, input);
    const files = existsSync(path) && !input.includes('.json') ? [...filesUnder(path)] : [path];
    for (const file of files) {
      if (!existsSync(file)) continue;
      hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

/** True when dist/ holds a build of exactly these sources. */
export function buildIsCurrent(fingerprint = sourceFingerprint()) {
  return existsSync(join(root, 'dist', 'src', 'cli.js')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === fingerprint;
}

/** Runs tsc when the build is stale (or always, with force); exits the process when tsc fails. */
export function build({ force = false } = {}) {
  const fingerprint = sourceFingerprint();
  if (!force && buildIsCurrent(fingerprint)) return false;
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) {
    process.stderr.write('tokendesk: the TypeScript build failed (see above); nothing was started\n');
    process.exit(result.status ?? 1);
  }
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, `${fingerprint}\n`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  build({ force: process.argv.includes('--force') });
}
