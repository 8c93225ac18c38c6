/**
 * The shape DESIGN.md section 3 promises, checked on the source text: one direction of dependency,
 * no import cycles, every query in src/store/, no SQL text elsewhere, and no file that grew past
 * about 350 lines without saying why at its top.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

const files = sourceFiles(SRC).map((path) => ({ path, rel: relative(ROOT, path), text: readFileSync(path, 'utf8') }));

/** src/<layer>/... -> layer; src/cli.ts -> cli. */
function layerOf(rel: string): string {
  const parts = rel.split('/');
  return parts.length > 2 ? parts[1]! : 'cli';
}

/** Our own imports (static, re-exports and dynamic), resolved to paths relative to the root. */
function importsOf(file: { path: string; text: string }): string[] {
  const specifiers = [...file.text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specifiers.map((s) => relative(ROOT, resolve(dirname(file.path), s)).replace(/\.js$/, '.ts'));
}

const graph = new Map(files.map((f) => [f.rel, importsOf(f).map((target) => (files.some((g) => g.rel === target) ? target : target.replace(/\.ts$/, '.tsx')))]));

/** Which layers each layer may import (its own always). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  formats: ['core'],
  store: ['core'],
  scanner: ['core'],
  graph: ['core'],
  services: ['core', 'formats', 'store', 'scanner', 'graph'],
  kiosk: ['core', 'formats', 'scanner', 'services'],
  commands: ['core', 'formats', 'scanner', 'services', 'kiosk'],
  cli: ['commands', 'core'],
};

describe('architecture', () => {
  it('imports point inwards only (DESIGN.md section 3)', () => {
    const wrong: string[] = [];
    for (const [from, targets] of graph) {
      const layer = layerOf(from);
      for (const target of targets) {
        const to = layerOf(target);
        if (to !== layer && !(ALLOWED[layer] ?? []).includes(to)) wrong.push(`${from} -> ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (node: string) => {
      state.set(node, 'open');
      stack.push(node);
      for (const next of graph.get(node) ?? []) {
        if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(node, 'done');
    };
    for (const node of graph.keys()) if (!state.has(node)) visit(node);
    expect(cycles).toEqual([]);
  });

  it('keeps every query in src/store/: no prepare(), better-sqlite3 or SQL text anywhere else', () => {
    const wrong = files
      .filter((f) => layerOf(f.rel) !== 'store')
      .flatMap((f) =>
        f.text.split('\n').flatMap((line, i) =>
          /\bprepare\(|better-sqlite3|\b(?:SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b|\.sqlite\b/.test(line) ? [`${f.rel}:${i + 1}: ${line.trim()}`] : [],
        ),
      );
    expect(wrong).toEqual([]);
  });

  it('has no file over about 350 lines that does not say why at its top', () => {
    const long = files
      .filter((f) => f.text.split('\n').length > 360)
      .filter((f) => !/^\/\*\*[\s\S]*?Why this file is long:[\s\S]*?\*\//.test(f.text))
      .map((f) => `${f.rel} (${f.text.split('\n').length} lines)`);
    expect(long).toEqual([]);
  });
});
