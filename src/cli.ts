#!/usr/bin/env node
/** argv -> a command or the kiosk; nothing else. */
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { UsageError } from './core/errors.js';
import { assertKnownCommand, buildProgram } from './commands/program.js';

// `tokendesk audit list | head`: the reader left; stop quietly instead of printing a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const args = process.argv.slice(2);
const program = await buildProgram(pkg.version, args);

try {
  assertKnownCommand(program, args);
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version exit 0; a bad command line is a usage error (2).
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof UsageError) {
    process.stderr.write(`tokendesk: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
