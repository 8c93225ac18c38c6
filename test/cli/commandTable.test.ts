/**
 * Commands load lazily (program.ts): the top-level help and "did you mean" read a table of names,
 * terms and descriptions instead of the command modules. This keeps the table true to the modules,
 * and checks that running a command loads its module only (not Ink, React, openpgp...).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Help } from 'commander';
import { CLI, tokendesk } from '../support/cli.js';
import { tempDir } from '../support/home.js';
import { buildProgram, commandRun, COMMANDS } from '../../src/commands/program.js';

describe('the lazy command table', () => {
  it('names every command with the term and description its module gives it', async () => {
    const full = await buildProgram('0.0.0', [], { all: true });
    const help = new Help();
    const real = full.commands.map((c) => ({ name: c.name(), term: help.subcommandTerm(c), description: c.description() }));
    expect(COMMANDS.map(({ name, term, description }) => ({ name, term, description }))).toEqual(real);
  });

  it('finds the command a command line runs, past global options and their values', () => {
    expect(commandRun(['--home', 'tokens', 'tokens', 'list'])).toBe('tokens');
    expect(commandRun(['--json', 'import', 'box.csv'])).toBe('import');
    expect(commandRun([])).toBe('kiosk');
    expect(commandRun(['--demo'])).toBe('kiosk');
    expect(commandRun(['--help'])).toBe('');
    expect(commandRun(['-V'])).toBe('');
    expect(commandRun(['help', 'batch'])).toBe('batch');
    expect(commandRun(['help'])).toBe('');
  });

  it('loads only the module of the command being run', async () => {
    const program = await buildProgram('0.0.0', ['tokens', 'list']);
    const loaded = program.commands.filter((c) => c.commands.length > 0 || c.options.length > 0).map((c) => c.name());
    expect(loaded).toEqual(['tokens']);
  });

  it('a command that does not draw or scan loads no Ink, React, node-hid, age, openpgp, zip.js or MSAL', () => {
    const dir = tempDir();
    const home = join(dir, 'home');
    expect(tokendesk(['init'], { home }).status).toBe(0);
    // A module loader hook that names every package loaded, on stderr.
    writeFileSync(join(dir, 'hooks.mjs'), "export async function load(url, context, next) { const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(url); if (m) process.stderr.write('PKG ' + m[1] + '\\n'); return next(url, context); }\n");
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
    const heavy = ['ink', 'react', 'ink-text-input', 'node-hid', 'age-encryption', 'openpgp', '@zip.js/zip.js', '@azure/msal-node', 'saxes'];
    for (const args of [['--help'], ['tokens', 'list', '--home', home], ['audit', 'list', '--home', home]]) {
      const run = spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), CLI, ...args], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const packages = new Set(run.stderr.split('\n').filter((l) => l.startsWith('PKG ')).map((l) => l.slice(4)));
      expect(packages.has('commander'), args.join(' ')).toBe(true); // the hook sees what loads
      expect(heavy.filter((name) => packages.has(name)), args.join(' ')).toEqual([]);
    }
  });
});
