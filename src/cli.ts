#!/usr/bin/env node
/** argv -> a command or the kiosk; nothing else. */
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { buildProgram } from './commands/program.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const program = buildProgram(pkg.version);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version exit 0; a bad command line is a usage error (2).
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    throw error;
  }
}
