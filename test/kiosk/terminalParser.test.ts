/**
 * The terminal parser on its own: each escape sequence the issue names (and the families they
 * belong to) is consumed whole, pastes arrive as text, nothing unprintable reaches a field, and
 * properties over random input: it never throws, its text is always printable, and how the input
 * is cut into reads never changes what comes out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PASTE, TerminalParser, type TerminalToken } from '../../src/kiosk/input/terminalParser.js';

const ESC = '\u001b';

/** All tokens for the input, settled (as if input then went quiet), adjacent text merged. */
function parse(...chunks: string[]): TerminalToken[] {
  const parser = new TerminalParser();
  const tokens = [...chunks.flatMap((c) => parser.push(c)), ...parser.flush()];
  return merge(tokens);
}

function merge(tokens: TerminalToken[]): TerminalToken[] {
  const out: TerminalToken[] = [];
  for (const t of tokens) {
    const last = out.at(-1);
    if (t.kind === 'text' && last?.kind === 'text') last.text += t.text;
    else out.push({ ...t });
  }
  return out;
}

const text = (s: string): TerminalToken => ({ kind: 'text', text: s });
const key = (name: string): TerminalToken => ({ kind: 'key', name }) as TerminalToken;

describe('TerminalParser: what the issue saw', () => {
  it('consumes colour codes whole instead of crashing or typing them', () => {
    expect(parse(`${ESC}[31m`)).toEqual([]);
    expect(parse(`${ESC}[0m`)).toEqual([]);
    expect(parse(`x${ESC}[1;5my`)).toEqual([text('xy')]);
  });

  it('takes a bracketed paste as one paste of its text, never its markers', () => {
    expect(parse(`${ESC}[200~abc${ESC}[201~`)).toEqual([{ kind: 'paste', text: 'abc' }]);
    // A stray end marker alone is nothing.
    expect(parse(`${ESC}[201~`)).toEqual([]);
  });

  it('drops function keys with modifiers (Shift+F3 is ESC [ 1 ; 2 R)', () => {
    expect(parse(`a${ESC}[1;2Rb`)).toEqual([text('ab')]);
    expect(parse(`${ESC}OR${ESC}[15;2~${ESC}[[A`)).toEqual([]);
  });
});

describe('TerminalParser: keys', () => {
  it('names the keys the kiosk uses, with or without modifiers', () => {
    expect(parse(`${ESC}[A${ESC}[B${ESC}[C${ESC}[D${ESC}OA${ESC}[1;5A`)).toEqual(['up', 'down', 'right', 'left', 'up', 'up'].map(key));
    expect(parse(`${ESC}[5~${ESC}[6~${ESC}[H${ESC}[F${ESC}[1~${ESC}[4~${ESC}[Z${ESC}[3~`)).toEqual(
      ['pageup', 'pagedown', 'home', 'end', 'home', 'end', 'shift-tab', 'backspace'].map(key),
    );
  });

  it('reads Enter, Tab, Backspace and Ctrl+letters from control bytes; CR LF is one Enter', () => {
    expect(parse('a\r\nb\n\t\u007f\b\u0003\u001a\u0015')).toEqual([
      text('a'),
      key('enter'),
      text('b'),
      key('enter'),
      key('tab'),
      key('backspace'),
      key('backspace'),
      { kind: 'ctrl', letter: 'c' },
      { kind: 'ctrl', letter: 'z' },
      { kind: 'ctrl', letter: 'u' },
    ]);
    expect(parse('\r\r')).toEqual([key('enter'), key('enter')]);
  });

  it('holds a lone Esc until input goes quiet, then it is the Escape key', () => {
    const parser = new TerminalParser();
    expect(parser.push(ESC)).toEqual([]);
    expect(parser.pending).toBe(true);
    expect(parser.flush()).toEqual([key('escape')]);
    expect(parser.pending).toBe(false);
    // Esc Esc: the first is a key, the second waits.
    expect(parse(`${ESC}${ESC}`)).toEqual([key('escape'), key('escape')]);
    expect(parse(`${ESC}${ESC}[A`)).toEqual([key('escape'), key('up')]);
  });

  it('never types Alt+key, ESC sequences with intermediates or mouse reports', () => {
    expect(parse(`${ESC}x${ESC}(B${ESC}#8${ESC}[M !!z`)).toEqual([text('z')]);
  });
});

describe('TerminalParser: strings, C1 and invalid UTF-8', () => {
  it('swallows OSC, DCS, APC, PM and SOS strings up to BEL or ST', () => {
    expect(parse(`a${ESC}]0;title\u0007b${ESC}]52;c;Zm9v${ESC}\\c${ESC}Pq#0;2;0${ESC}\\d${ESC}_apc${ESC}\\e${ESC}^pm\u0007${ESC}Xsos\u0007f`)).toEqual([
      text('abcdef'),
    ]);
  });

  it('gives up on a string that never ends once input goes quiet', () => {
    const parser = new TerminalParser();
    parser.push(`${ESC}]0;no end`);
    expect(parser.pending).toBe(true);
    parser.flush();
    expect(parser.push('ok')).toEqual([text('ok')]);
  });

  it('treats 8-bit C1 introducers like their ESC forms and drops other C1 controls', () => {
    expect(parse('a\u009b31mb\u009d0;t\u0007c\u0085\u008fAd')).toEqual([text('abc'), key('up'), text('d')]);
  });

  it('drops what invalid UTF-8 decodes to, NUL, Ctrl+\\ and other unprintable code points', () => {
    const decoded = Buffer.from([0x61, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x62]).toString('utf8');
    expect(parse(decoded)).toEqual([text('a(b')]);
    expect(parse('a\u0000\u001c\u001d\u001e\u001f\u200b\u2028\ue000\ud800b')).toEqual([text('ab')]);
    expect(parse('Zoë 😀 ü')).toEqual([text('Zoë 😀 ü')]);
  });

  it('a sequence broken off by a character that cannot belong to it ends there', () => {
    expect(parse(`${ESC}[12\rx`)).toEqual([key('enter'), text('x')]);
    expect(parse(`${ESC}[${'1'.repeat(1000)}m`)).toEqual([]);
  });
});

describe('TerminalParser: pastes', () => {
  it('keeps only the printable text of a paste: sequences and controls inside are dropped', () => {
    expect(parse(`${ESC}[200~ab${ESC}[31mc\u0003d${ESC}[201~`)).toEqual([{ kind: 'paste', text: 'abcd' }]);
  });

  it('one line and a line break is the value and Enter; more lines become one line', () => {
    expect(parse(`${ESC}[200~E1006\r${ESC}[201~`)).toEqual([{ kind: 'paste', text: 'E1006' }, key('enter')]);
    expect(parse(`${ESC}[200~one\ntwo\n${ESC}[201~`)).toEqual([{ kind: 'paste', text: 'one two' }]);
    expect(parse(`${ESC}[200~${ESC}[201~`)).toEqual([]);
  });

  it('caps a huge paste and still finds its end', () => {
    const tokens = parse(`${ESC}[200~${'x'.repeat(MAX_PASTE * 5)}${ESC}[201~y`);
    expect(tokens).toEqual([{ kind: 'paste', text: 'x'.repeat(MAX_PASTE) }, text('y')]);
  });

  it('finds the end marker split over reads, and a paste without an end is settled by flush', () => {
    expect(parse(`${ESC}[20`, '0~a', 'b', `${ESC}[2`, '01', '~c')).toEqual([{ kind: 'paste', text: 'ab' }, text('c')]);
    expect(parse(`${ESC}[200~abc${ESC}[20`)).toEqual([{ kind: 'paste', text: 'abc' }]);
  });
});

/** Any terminal-ish input: printable text, control bytes, sequences of every family, C1, junk. */
const piece = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('\r', '\n', '\t', '\u007f', '\b', '\u0003', '\u001a', '\u001c', '\u0000', ESC, `${ESC}[`, `${ESC}]`, `${ESC}P`, `${ESC}O`, '\u009b', '\u0007', `${ESC}\\`, `${ESC}[200~`, `${ESC}[201~`, '\ufffd'),
  fc.tuple(fc.constantFrom('[', 'O', '[?', '[1;', '[['), fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 5 })).map(
    ([a, b]) => ESC + a + b,
  ),
);
const input = fc.array(piece, { maxLength: 30 }).map((parts) => parts.join(''));

describe('TerminalParser: properties over random input', () => {
  it('never throws, and its text and pastes hold only printable characters', () => {
    fc.assert(
      fc.property(input, (s) => {
        for (const t of parse(s)) {
          if (t.kind === 'text' || t.kind === 'paste') expect(t.text).toMatch(/^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]+$/u);
          if (t.kind === 'ctrl') expect(t.letter).toMatch(/^[a-z]$/);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('how the input is cut into reads never changes what comes out', () => {
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 6 }), (s, cuts) => {
        const chars = [...s];
        const points = [...new Set(cuts.map((c) => c % (chars.length + 1)))].sort((a, b) => a - b);
        const chunks: string[] = [];
        let from = 0;
        for (const p of points) {
          chunks.push(chars.slice(from, p).join(''));
          from = p;
        }
        chunks.push(chars.slice(from).join(''));
        expect(parse(...chunks)).toEqual(parse(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('plain text with complete sequences between its characters comes out as exactly the text', () => {
    const plain = fc.string({ unit: fc.constantFrom(...'abcXYZ09@.- éü'.split('')), minLength: 1, maxLength: 20 });
    const sequence = fc.constantFrom(`${ESC}[31m`, `${ESC}[0m`, `${ESC}[1;5m`, `${ESC}[1;2R`, `${ESC}[?25h`, `${ESC}]0;t\u0007`, `${ESC}P1$r${ESC}\\`, `${ESC}OP`, `${ESC}[15~`, `${ESC}(B`, '\u009b2J', '\ufffd', '\u0000');
    fc.assert(
      fc.property(plain, fc.array(sequence, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 20 }), (s, seqs, at) => {
        const chars = [...s];
        seqs.forEach((seq, i) => chars.splice((at[i] ?? 0) % (chars.length + 1), 0, seq));
        expect(parse(chars.join(''))).toEqual([text(s)]);
      }),
      { numRuns: 2000 },
    );
  });
});
