/**
 * fast-check arbitraries for damaged seed files: a valid file with bits flipped, bytes inserted or
 * deleted, lines swapped, duplicated, dropped or shuffled, or the file cut short. Positions are
 * fractions of the file, so one arbitrary fits files of any length.
 */
import fc from 'fast-check';

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'drop-delimiter'; at: number; delimiter: number }
  | { kind: 'swap-lines'; a: number; b: number }
  | { kind: 'duplicate-line'; a: number }
  | { kind: 'drop-line'; a: number }
  | { kind: 'shuffle-lines'; keys: number[] };

const position = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const text = (value: string) => new TextEncoder().encode(value);

/** Bytes that mean something to one of the formats, or to text decoding. */
const meaningfulBytes = fc.constantFrom(
  ...['<', '>', '/', '"', "'", '=', ',', '\n', '\r', '&', '&amp;', '#', ' ', '[', ']', '{', '}', ':', '\\', '<!DOCTYPE x>', '<![CDATA[', ']]>', '<!--', '-->']
    .map(text),
  new Uint8Array([0]),
  new Uint8Array([0xff]),
  new Uint8Array([0xef, 0xbb, 0xbf]),
  new Uint8Array([0xc3]),
);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.oneof(meaningfulBytes, fc.uint8Array({ minLength: 1, maxLength: 8 })) }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 16 }) }),
  // A lost comma, quote, bracket or line end: the damage hand-edited and Excel-saved files show.
  fc.record({ kind: fc.constant('drop-delimiter' as const), at: position, delimiter: fc.constantFrom(...[...',"<>\n:{}[]'].map((c) => c.charCodeAt(0))) }),
  fc.record({ kind: fc.constant('swap-lines' as const), a: position, b: position }),
  fc.record({ kind: fc.constant('duplicate-line' as const), a: position }),
  fc.record({ kind: fc.constant('drop-line' as const), a: position }),
  fc.record({ kind: fc.constant('shuffle-lines' as const), keys: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }) }),
);

/** One to four mutations, applied in order. */
export const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });

function splitLines(bytes: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      lines.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines;
}

function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function applyMutation(bytes: Uint8Array, m: Mutation): Uint8Array {
  const index = (at: number, length = bytes.length) => Math.min(length - 1, Math.floor(at * length));
  switch (m.kind) {
    case 'flip': {
      if (bytes.length === 0) return bytes;
      const out = bytes.slice();
      out[index(m.at)]! ^= 1 << m.bit;
      return out;
    }
    case 'truncate':
      return bytes.slice(0, Math.floor(m.at * bytes.length));
    case 'insert': {
      const at = Math.floor(m.at * (bytes.length + 1));
      return join([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
    }
    case 'drop-delimiter': {
      const places: number[] = [];
      bytes.forEach((byte, i) => {
        if (byte === m.delimiter) places.push(i);
      });
      if (places.length === 0) return bytes;
      const at = places[index(m.at, places.length)]!;
      return join([bytes.subarray(0, at), bytes.subarray(at + 1)]);
    }
    case 'delete': {
      const at = Math.floor(m.at * bytes.length);
      return join([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
    }
    default: {
      const lines = splitLines(bytes);
      if (lines.length === 0) return bytes;
      if (m.kind === 'swap-lines') {
        const a = index(m.a, lines.length);
        const b = index(m.b, lines.length);
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      } else if (m.kind === 'duplicate-line') {
        const a = index(m.a, lines.length);
        lines.splice(a, 0, lines[a]!);
      } else if (m.kind === 'drop-line') {
        lines.splice(index(m.a, lines.length), 1);
      } else {
        // Sort by a key per line (cycled) then by position: a permutation fast-check can shrink.
        const order = lines.map((line, i) => ({ line, key: m.keys[i % m.keys.length]!, i }));
        order.sort((x, y) => x.key - y.key || x.i - y.i);
        return join(order.map(({ line }) => line));
      }
      return join(lines);
    }
  }
}

export function applyMutations(bytes: Uint8Array, list: readonly Mutation[]): Uint8Array {
  return list.reduce(applyMutation, bytes);
}

/** A chunk size for feeding a parser: mostly small odd sizes (boundaries everywhere), sometimes whole. */
export const chunkSize = fc.oneof(fc.integer({ min: 1, max: 97 }), fc.constant(65536));
