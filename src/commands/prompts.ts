/**
 * Asking for PINs and passphrases: on the terminal with echo off (the prompt on stderr, so --json
 * stays clean), from standard input one line per question (--pin-stdin), or from a file
 * (--passphrase-file). Nothing typed is ever echoed back, not even in an error message.
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { createInterface, type Interface } from 'node:readline';
import { createInterface as createPromptInterface } from 'node:readline/promises';
import { Refusal, UsageError } from '../core/errors.js';

/** One line from the terminal, typed characters not echoed. */
export async function askHidden(prompt: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const rl = createPromptInterface({ input: process.stdin, output, terminal: true });
  const cancel = new AbortController();
  rl.on('SIGINT', () => cancel.abort());
  try {
    process.stderr.write(prompt);
    muted = true;
    return await rl.question('', { signal: cancel.signal });
  } catch (error) {
    if (cancel.signal.aborted) throw new Refusal('cancelled', 'cancelled; nothing was changed');
    throw error;
  } finally {
    muted = false;
    process.stderr.write('\n');
    rl.close();
  }
}

/** A new secret typed twice; `problem` says what is wrong with the first before the second is asked. */
export async function askNewSecret(what: string, problem: (value: string) => string | null): Promise<string> {
  const first = await askHidden(`${what}: `);
  const issue = problem(first);
  if (issue) throw new Refusal('bad-new-secret', `${issue}; nothing was changed`);
  const second = await askHidden('The same again: ');
  if (second !== first) throw new Refusal('secret-mismatch', 'the two entries differ; nothing was changed');
  return first;
}

export const stdinIsTerminal = (): boolean => process.stdin.isTTY === true;

let lines: { rl: Interface; next: AsyncIterator<string> } | undefined;

/**
 * The next line of standard input (--pin-stdin). One reader for the whole command, so a command
 * that asks two questions (your PIN, then a new one) gets one line each, in order.
 */
export async function readStdinLine(what: string): Promise<string> {
  if (!lines) {
    const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
    lines = { rl, next: rl[Symbol.asyncIterator]() };
  }
  const result = await lines.next.next();
  if (result.done) throw new UsageError(`standard input ended before ${what} (--pin-stdin reads one line per question)`);
  return result.value;
}

/** Lets go of standard input at the end of a command. */
export function closeStdinLines(): void {
  lines?.rl.close();
  lines = undefined;
}

/** The first line of a file holding a passphrase (a trailing newline is not part of it). */
export function readSecretFile(file: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line.length === 0) throw new UsageError(`${flag}: ${file} is empty; put the passphrase on its first line`);
  return line;
}
