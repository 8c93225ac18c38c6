/**
 * Turns what a terminal sends into kiosk keys, before anything else sees it. Ink's own use-input
 * crashes on some sequences (`\e[1;5m` has no key name: "reading 'startsWith'") and passes others
 * on as literal text (bracketed-paste markers, Shift+F3 `\e[1;2R`). This parser:
 * - consumes every escape sequence whole (CSI, SS3, OSC, DCS, SOS, PM, APC, nF, and the 8-bit C1
 *   introducers), naming the few keys the kiosk uses and dropping the rest;
 * - treats a bracketed paste as one `paste` token of plain text (anything else inside it dropped);
 * - drops control bytes it has no meaning for, U+FFFD (what invalid UTF-8 decodes to), lone
 *   surrogates, and every other non-printable code point;
 * - keeps state across chunks: a sequence split over two reads is still one sequence. `flush()`
 *   (called when input goes quiet) turns a held lone Esc into the Escape key and gives up on any
 *   unfinished sequence, so a stray introducer can never swallow later typing for good.
 * Pure: no timers, no I/O; the key router owns the timing.
 */
import type { KioskKey, NamedKey } from './keys.js';

export type TerminalToken = KioskKey | { kind: 'paste'; text: string };

const ESC = '\u001b';
const BEL = '\u0007';
/** Longest sequence or string kept; a longer one is dropped whole (its end is still looked for). */
const MAX_SEQUENCE = 256;
/** Longest paste kept; the rest of a longer one is dropped (fields are far shorter). */
export const MAX_PASTE = 4096;
const PASTE_END = '\u001b[201~';

type State =
  | { mode: 'ground' }
  | { mode: 'esc' }
  /** ESC followed by intermediates (0x20-0x2f): an nF sequence such as `ESC ( B`. */
  | { mode: 'nf' }
  /** `long`: past MAX_SEQUENCE; still consumed to its final byte, then dropped. */
  | { mode: 'csi'; body: string; long?: boolean }
  | { mode: 'ss3' }
  /** OSC/DCS/SOS/PM/APC: everything up to BEL or ESC \ (ST) or the 8-bit ST. */
  | { mode: 'string'; length: number; escSeen: boolean }
  /** X10 mouse report (`ESC [ M` + three bytes). */
  | { mode: 'mouse'; left: number }
  | { mode: 'paste'; text: string; tail: string };

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]$/u;

export class TerminalParser {
  #state: State = { mode: 'ground' };
  /** A CR just ended a line: the LF of a CR LF pair is not a second Enter. */
  #afterCr = false;

  /** True while something is held that only more input (or flush) can settle. */
  get pending(): boolean {
    return this.#state.mode !== 'ground';
  }

  push(chunk: string): TerminalToken[] {
    const out: TerminalToken[] = [];
    for (const char of chunk) this.#char(char, out);
    return out;
  }

  /** Input went quiet: a lone Esc is the Escape key, a paste ends, an unfinished sequence is dropped. */
  flush(): TerminalToken[] {
    const out: TerminalToken[] = [];
    const state = this.#state;
    this.#state = { mode: 'ground' };
    if (state.mode === 'esc') out.push({ kind: 'key', name: 'escape' });
    if (state.mode === 'paste') pushPaste(out, state.text + state.tail);
    return out;
  }

  #char(char: string, out: TerminalToken[]): void {
    const code = char.codePointAt(0)!;
    const state = this.#state;
    switch (state.mode) {
      case 'ground':
        return this.#ground(char, code, out);
      case 'esc':
        return this.#afterEsc(char, code, out);
      case 'nf':
        if (code >= 0x20 && code <= 0x2f) return;
        this.#state = { mode: 'ground' };
        // A final byte ends it; anything else was not part of it.
        if (code >= 0x30 && code <= 0x7e) return;
        return this.#ground(char, code, out);
      case 'csi':
        return this.#csi(state, char, code, out);
      case 'ss3':
        this.#state = { mode: 'ground' };
        if (code >= 0x40 && code <= 0x7e) return void pushKey(out, SS3_KEYS[char]);
        return this.#ground(char, code, out);
      case 'string':
        if (char === BEL || code === 0x9c || (state.escSeen && char === '\\')) return void (this.#state = { mode: 'ground' });
        if (state.escSeen) {
          // ESC inside a string that is not ST: the string was cut short; this ESC starts afresh.
          this.#state = { mode: 'esc' };
          return this.#afterEsc(char, code, out);
        }
        if (char === ESC) return void (this.#state = { ...state, escSeen: true });
        // A string that never ends must not eat the kiosk: past the cap it is given up.
        if (state.length + 1 > MAX_SEQUENCE * 16) return void (this.#state = { mode: 'ground' });
        return void (this.#state = { ...state, length: state.length + 1 });
      case 'mouse':
        this.#state = state.left > 1 ? { mode: 'mouse', left: state.left - 1 } : { mode: 'ground' };
        return;
      case 'paste':
        return this.#paste(state, char, out);
    }
  }

  #ground(char: string, code: number, out: TerminalToken[]): void {
    const afterCr = this.#afterCr;
    this.#afterCr = false;
    if (char === ESC) return void (this.#state = { mode: 'esc' });
    if (code === 0x9b) return void (this.#state = { mode: 'csi', body: '' });
    if (code === 0x8f) return void (this.#state = { mode: 'ss3' });
    if (code === 0x90 || code === 0x9d || code === 0x98 || code === 0x9e || code === 0x9f) {
      return void (this.#state = { mode: 'string', length: 0, escSeen: false });
    }
    if (char === '\r') {
      this.#afterCr = true;
      return void out.push({ kind: 'key', name: 'enter' });
    }
    if (char === '\n') {
      if (!afterCr) out.push({ kind: 'key', name: 'enter' });
      return;
    }
    if (char === '\t') return void out.push({ kind: 'key', name: 'tab' });
    if (char === '\b' || code === 0x7f) return void out.push({ kind: 'key', name: 'backspace' });
    // Ctrl+letter (Ctrl+C, Ctrl+U, Ctrl+Z...): the screens and the root decide what they mean.
    if (code >= 0x01 && code <= 0x1a) return void out.push({ kind: 'ctrl', letter: String.fromCharCode(code + 0x60) });
    // NUL, Ctrl+\ ] ^ _, C1 controls, U+FFFD, surrogates, format and private-use code points.
    if (!printable.test(char) || code === 0xfffd) return;
    const last = out.at(-1);
    if (last?.kind === 'text') last.text += char;
    else out.push({ kind: 'text', text: char });
  }

  #afterEsc(char: string, code: number, out: TerminalToken[]): void {
    this.#state = { mode: 'ground' };
    if (char === '[') return void (this.#state = { mode: 'csi', body: '' });
    if (char === 'O') return void (this.#state = { mode: 'ss3' });
    if (char === ']' || char === 'P' || char === 'X' || char === '^' || char === '_') {
      return void (this.#state = { mode: 'string', length: 0, escSeen: false });
    }
    if (char === ESC) {
      // Esc pressed twice, or Esc then a sequence (Alt+arrow): the first one is the Escape key.
      out.push({ kind: 'key', name: 'escape' });
      return void (this.#state = { mode: 'esc' });
    }
    if (code >= 0x20 && code <= 0x2f) return void (this.#state = { mode: 'nf' });
    // Alt+key (ESC + key) and the other two-byte escapes: never typed into a field.
    if (code >= 0x20) return;
    // ESC then a control byte: the Escape key, then that control.
    out.push({ kind: 'key', name: 'escape' });
    this.#ground(char, code, out);
  }

  #csi(state: { mode: 'csi'; body: string; long?: boolean }, char: string, code: number, out: TerminalToken[]): void {
    // Parameters and intermediates; a `[` first is the Linux console's F1-F5 (`ESC [ [ A`).
    if ((code >= 0x20 && code <= 0x3f) || (char === '[' && state.body === '')) {
      if (state.body.length >= MAX_SEQUENCE) return void (this.#state = { mode: 'csi', body: state.body, long: true });
      return void (this.#state = { mode: 'csi', body: state.body + char });
    }
    this.#state = { mode: 'ground' };
    if (code >= 0x40 && code <= 0x7e) return state.long ? undefined : this.#csiFinal(state.body, char, out);
    // Not a CSI byte: the sequence was broken off. Drop it and read this character afresh.
    this.#ground(char, code, out);
  }

  #csiFinal(body: string, final: string, out: TerminalToken[]): void {
    if (body.startsWith('[')) return; // Linux console function keys
    if (final === 'M' && body === '') return void (this.#state = { mode: 'mouse', left: 3 });
    if (final === '~') {
      const first = body.split(';')[0];
      if (first === '200') return void (this.#state = { mode: 'paste', text: '', tail: '' });
      return void pushKey(out, TILDE_KEYS[first ?? '']);
    }
    // Arrows, Home/End and Shift+Tab, with or without modifiers (`ESC [ 1 ; 5 A` is Ctrl+Up).
    if (/^(1(;\d+)?)?$/.test(body)) pushKey(out, CSI_KEYS[final]);
  }

  #paste(state: { mode: 'paste'; text: string; tail: string }, char: string, out: TerminalToken[]): void {
    // The last few characters are held back until they cannot be the start of the end marker.
    let tail = state.tail + char;
    if (tail === PASTE_END) {
      this.#state = { mode: 'ground' };
      return pushPaste(out, state.text);
    }
    let text = state.text;
    while (tail.length > 0 && !PASTE_END.startsWith(tail)) {
      if (text.length < MAX_PASTE * 2) text += tail[0];
      tail = tail.slice(1);
    }
    this.#state = { mode: 'paste', text, tail };
  }
}

const CSI_KEYS: Record<string, NamedKey> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end', Z: 'shift-tab' };
const SS3_KEYS: Record<string, NamedKey> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end', M: 'enter' };
const TILDE_KEYS: Record<string, NamedKey> = {
  '1': 'home',
  '7': 'home',
  '4': 'end',
  '8': 'end',
  '5': 'pageup',
  '6': 'pagedown',
  // Delete: the kiosk's fields only ever edit at the end, where Delete and Backspace agree.
  '3': 'backspace',
};

function pushKey(out: TerminalToken[], name: NamedKey | undefined): void {
  if (name) out.push({ kind: 'key', name });
}

/**
 * A paste as plain text: lines become one line (a field is one line), anything that is not
 * printable is dropped, escape sequences inside it with it. An empty paste is nothing.
 */
function pushPaste(out: TerminalToken[], raw: string): void {
  const inner = new TerminalParser();
  const lines: string[] = [''];
  for (const token of [...inner.push(raw), ...inner.flush()]) {
    if (token.kind === 'text') lines[lines.length - 1] += token.text;
    else if (token.kind === 'key' && token.name === 'enter') lines.push('');
    else if (token.kind === 'key' && token.name === 'tab') lines[lines.length - 1] += ' ';
  }
  const endsWithNewline = lines.length > 1 && lines.at(-1) === '';
  const text = lines.map((l) => l.trim()).filter((l) => l !== '').join(' ').slice(0, MAX_PASTE);
  if (text === '') return;
  out.push({ kind: 'paste', text });
  // One line and a line break: what a person means by pasting a value and pressing Enter.
  if (endsWithNewline && lines.length === 2) out.push({ kind: 'key', name: 'enter' });
}
