import { execFileSync, spawnSync } from 'node:child_process';
import { expect } from 'vitest';

/** tmux runs the real CLI in a real terminal; send-keys types, capture-pane reads the screen. */
export const tmuxAvailable = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
if (!tmuxAvailable) process.stderr.write('skipping real-terminal tests: tmux is not installed (apt-get install tmux); .ci/run installs it\n');

/** Printed once the command has ended: "command exited with status 0". */
const EXITED = /command exited with status (\d+)/;

export class TmuxTerminal {
  constructor(
    readonly session: string,
    readonly socket: string,
  ) {}

  static start(command: string, options: { columns?: number; rows?: number; env?: Record<string, string> } = {}): TmuxTerminal {
    const session = `td${process.pid}${Math.floor(Math.random() * 1e6)}`;
    const socket = `tokendesk-test-${session}`;
    const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    // The exit line is what only a finished command can show: tests wait for it, not for a blank line.
    execFileSync('tmux', ['-L', socket, 'new-session', '-d', '-s', session, '-x', String(options.columns ?? 110), '-y', String(options.rows ?? 30), `env ${env} ${command}; echo "command exited with status $?"; sleep 30`]);
    return new TmuxTerminal(session, socket);
  }

  /** Waits for the command to end and returns its exit status. */
  async exitStatus(timeoutMs = 10_000): Promise<number> {
    return Number(EXITED.exec(await this.waitFor(EXITED, timeoutMs))![1]);
  }

  screen(): string {
    return execFileSync('tmux', ['-L', this.socket, 'capture-pane', '-p', '-t', this.session], { encoding: 'utf8' });
  }

  async waitFor(text: string | RegExp, timeoutMs = 10_000): Promise<string> {
    const start = Date.now();
    for (;;) {
      const screen = this.screen();
      if (typeof text === 'string' ? screen.includes(text) : text.test(screen)) return screen;
      if (Date.now() - start > timeoutMs) expect.fail(`timed out waiting for ${String(text)}; the terminal shows:\n${screen}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Types like a person: one key at a time, a little apart (the kiosk tells scans from typing by speed). */
  async type(text: string): Promise<void> {
    for (const ch of text) {
      execFileSync('tmux', ['-L', this.socket, 'send-keys', '-t', this.session, '-l', ch]);
      await new Promise((r) => setTimeout(r, 120));
    }
  }

  async key(name: 'Enter' | 'Escape' | 'C-c' | 'Tab'): Promise<void> {
    execFileSync('tmux', ['-L', this.socket, 'send-keys', '-t', this.session, name]);
    await new Promise((r) => setTimeout(r, 80));
  }

  /** Keys as tmux names them (C-z, 'C-\\', Escape, F3, S-F3 ...), one send each, a little apart. */
  async keys(...names: string[]): Promise<void> {
    for (const name of names) {
      execFileSync('tmux', ['-L', this.socket, 'send-keys', '-t', this.session, name]);
      await new Promise((r) => setTimeout(r, 80));
    }
  }

  /** Exactly these bytes (invalid UTF-8 and control bytes included), in writes of up to 1000 bytes. */
  bytes(data: Uint8Array): void {
    // tmux refuses a command over about 16 KB: long input goes in parts (the terminal may split it anyway).
    for (let at = 0; at < data.length; at += 1000) {
      const part = [...data.subarray(at, at + 1000)].map((b) => b.toString(16).padStart(2, '0'));
      execFileSync('tmux', ['-L', this.socket, 'send-keys', '-t', this.session, '-H', ...part]);
    }
  }

  /** True while the command still runs (its exit line is not on the screen). */
  running(): boolean {
    return !EXITED.test(this.screen());
  }

  /** A keyboard-wedge scanner: the whole barcode and Enter in one burst. */
  scan(text: string): void {
    execFileSync('tmux', ['-L', this.socket, 'send-keys', '-t', this.session, '-l', `${text}\r`]);
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
  }
}
