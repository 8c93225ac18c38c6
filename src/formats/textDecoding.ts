/**
 * Seed files as UTF-8 text, decoded chunk by chunk: the BOM Excel adds is dropped, and a file that
 * is not text at all (zipped, GPG-encrypted, UTF-16 "Unicode text") is refused early with a message
 * that says what it probably is, instead of producing thousands of nonsense rejects.
 */
import { readChunks } from './byteSource.js';
import type { ReadOptions } from './byteSource.js';
import { SeedFileError } from './types.js';
import type { ByteSource, ParseWarning } from './types.js';

export interface TextReadOptions extends ReadOptions {
  /** The format's name for messages: "CSV", "XML". */
  kind: string;
  /** Where a note about stray non-UTF-8 bytes goes. */
  warnings?: ParseWarning[];
}

/** Once this many characters are seen, a high share of garbage means binary data. */
const SAMPLE_CHARS = 256;
/** More than one character in ten undecodable or a control character: not text. */
const GARBAGE_SHARE = 0.1;
/** Any character the garbage count below would count. */
const SUSPECT = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]/;

export async function* readText(source: ByteSource, options: TextReadOptions): AsyncGenerator<string> {
  // The default TextDecoder drops a leading UTF-8 BOM; non-fatal so that one stray Latin-1 byte in
  // a model name does not refuse the file (the garbage count below catches real binary).
  const decoder = new TextDecoder('utf-8');
  let head: Uint8Array | null = new Uint8Array(0);
  let chars = 0;
  let garbage = 0;
  let replacements = 0;

  const notText = (why: string) =>
    new SeedFileError(
      `This is not a text ${options.kind} file: ${why}. If the vendor sent it zipped or GPG-encrypted, ` +
        'unpack or decrypt it first.',
    );

  const count = (text: string): void => {
    // Nearly every chunk of a real seed file is clean: one native scan instead of a loop per char.
    if (!SUSPECT.test(text)) {
      chars += text.length;
      return;
    }
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 0xfffd) {
        replacements++;
        garbage++;
      } else if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) {
        garbage++;
      }
    }
    chars += text.length;
  };
  const looksBinary = () => garbage >= 4 && garbage > chars * GARBAGE_SHARE;

  // Nothing is handed on until the first SAMPLE_CHARS characters are judged, so a binary file is
  // refused as binary rather than as "wrong header".
  let pending: string | null = '';
  const pass = (text: string): string | null => {
    count(text);
    if (pending !== null) {
      pending += text;
      if (chars < SAMPLE_CHARS) return null;
      if (looksBinary()) throw notText('most of it is not valid UTF-8 text');
      const out = pending;
      pending = null;
      return out;
    }
    if (looksBinary()) throw notText('most of it is not valid UTF-8 text');
    return text;
  };

  for await (const chunk of readChunks(source, options)) {
    let bytes = chunk;
    if (head !== null) {
      // Hold back the first two bytes until we can tell a UTF-16 byte order mark.
      const joined: Uint8Array = new Uint8Array(head.byteLength + chunk.byteLength);
      joined.set(head);
      joined.set(chunk, head.byteLength);
      if (joined.byteLength < 2) {
        head = joined;
        continue;
      }
      if ((joined[0] === 0xff && joined[1] === 0xfe) || (joined[0] === 0xfe && joined[1] === 0xff)) {
        throw new SeedFileError(
          `This ${options.kind} file is saved as UTF-16 ("Unicode text"): save it as UTF-8 ${options.kind} and import it again.`,
        );
      }
      head = null;
      bytes = joined;
    }
    if (bytes.indexOf(0) !== -1) throw notText('it contains NUL bytes (binary data)');
    const text = pass(decoder.decode(bytes, { stream: true }));
    if (text) yield text;
  }
  if (head !== null && head.byteLength > 0) {
    if (head.indexOf(0) !== -1) throw notText('it contains NUL bytes (binary data)');
    const text = pass(decoder.decode(head, { stream: true }));
    if (text) yield text;
  }
  const rest = pass(decoder.decode());
  if (rest) yield rest;
  if (pending !== null) {
    // A file shorter than the sample: judge it on what there is.
    if (looksBinary()) throw notText('most of it is not valid UTF-8 text');
    if (pending.length > 0) yield pending;
  }
  if (replacements > 0) {
    options.warnings?.push({
      message:
        `${replacements} byte sequence(s) in the file are not valid UTF-8 and show as "\uFFFD" ` +
        '(was it saved as Windows-1252 or Latin-1?). Names may look wrong; save the file as UTF-8 to fix them.',
    });
  }
}
