/**
 * RFC 4180 CSV, read as a stream: records come out as the bytes come in, each with the line it
 * starts on, so a 100 MB seed file never becomes one string. Tolerant where vendors and Excel are
 * sloppy (CR, LF or CRLF line ends, a BOM, quotes inside unquoted cells); strict where guessing
 * could shift a secret into the wrong column (text after a closing quote is flagged on the record).
 */
import type { ReadOptions } from './byteSource.js';
import { readText } from './textDecoding.js';
import { SeedFileError } from './types.js';
import type { ByteSource, ParseWarning } from './types.js';

export interface CsvRecord {
  /** 1-based line where the record starts (a quoted cell can span lines). */
  line: number;
  /** Cells as written, quotes removed, not trimmed. For a comment: the whole line. */
  cells: string[];
  /** A line starting with the comment prefix, passed on unparsed. */
  comment?: boolean;
  /** Why the record is malformed, when it is; the importer rejects it with this reason. */
  problem?: string;
}

export interface CsvReadOptions extends ReadOptions {
  /** Format name for messages ("Entra CSV"). */
  kind?: string;
  warnings?: ParseWarning[];
  /** A record starting with this character is a comment line (OATH CSV uses "#"). */
  commentPrefix?: string;
  /** A record longer than this is refused: usually a quote that is never closed. */
  maxRecordChars?: number;
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_SEEN = 3; // a quote inside a quoted cell: either the close or the first of ""
const COMMENT = 4;

const DEFAULT_MAX_RECORD_CHARS = 64 * 1024;

export async function* readCsvRecords(source: ByteSource, options: CsvReadOptions = {}): AsyncGenerator<CsvRecord> {
  for await (const batch of readCsvRecordBatches(source, options)) yield* batch;
}

/**
 * The same records, handed over a chunk's worth at a time: one await per chunk instead of one per
 * record, which is most of the difference on a 100,000-row file.
 */
export async function* readCsvRecordBatches(source: ByteSource, options: CsvReadOptions = {}): AsyncGenerator<CsvRecord[]> {
  const kind = options.kind ?? 'CSV';
  const maxRecordChars = options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
  const commentCode = options.commentPrefix ? options.commentPrefix.charCodeAt(0) : -1;

  let state = FIELD_START;
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let recordLine = 1;
  let recordStarted = false;
  let recordChars = 0;
  let problem: string | undefined;
  let prevCR = false;
  let ready: CsvRecord[] = [];

  const endRecord = (): void => {
    if (state === COMMENT) {
      ready.push({ line: recordLine, cells: [cell], comment: true });
    } else {
      cells.push(cell);
      const record: CsvRecord = { line: recordLine, cells };
      if (problem !== undefined) record.problem = problem;
      ready.push(record);
    }
    cells = [];
    cell = '';
    state = FIELD_START;
    recordStarted = false;
    recordChars = 0;
    problem = undefined;
  };

  const grow = (count: number): void => {
    recordChars += count;
    if (recordChars > maxRecordChars) {
      throw new SeedFileError(
        `The ${kind} record starting on line ${recordLine} is longer than ${maxRecordChars} characters: ` +
          'probably a quote (") that is never closed. Check that line in a text editor.',
        { line: recordLine },
      );
    }
  };

  for await (const text of readText(source, { ...options, kind })) {
    const n = text.length;
    let i = 0;
    while (i < n) {
      const ch = text.charCodeAt(i);
      if (ch === LF && prevCR) {
        // The LF of a CRLF: the line was counted (and any record ended) at the CR.
        prevCR = false;
        if (state === QUOTED) cell += '\n';
        i++;
        continue;
      }
      prevCR = ch === CR;
      const newline = ch === CR || ch === LF;
      if (newline) line++;

      switch (state) {
        case FIELD_START: {
          if (newline) {
            // A blank line between records is not a record.
            if (recordStarted) endRecord();
            i++;
            break;
          }
          if (!recordStarted) {
            recordStarted = true;
            recordLine = line;
            if (ch === commentCode) {
              state = COMMENT; // the comment keeps its prefix: "# version: 2"
              break;
            }
          }
          if (ch === QUOTE) {
            state = QUOTED;
            i++;
          } else if (ch === COMMA) {
            cells.push('');
            grow(1);
            i++;
          } else {
            state = UNQUOTED;
          }
          break;
        }
        case UNQUOTED:
        case COMMENT: {
          if (newline) {
            endRecord();
            i++;
            break;
          }
          if (ch === COMMA && state === UNQUOTED) {
            cells.push(cell);
            cell = '';
            state = FIELD_START;
            grow(1);
            i++;
            break;
          }
          let j = i + 1;
          while (j < n) {
            const c = text.charCodeAt(j);
            if (c === CR || c === LF || (c === COMMA && state === UNQUOTED)) break;
            j++;
          }
          grow(j - i);
          cell += text.slice(i, j);
          i = j;
          break;
        }
        case QUOTED: {
          if (ch === QUOTE) {
            state = QUOTE_SEEN;
            i++;
            break;
          }
          if (newline) {
            cell += text[i];
            grow(1);
            i++;
            break;
          }
          let j = i + 1;
          while (j < n) {
            const c = text.charCodeAt(j);
            if (c === QUOTE || c === CR || c === LF) break;
            j++;
          }
          grow(j - i);
          cell += text.slice(i, j);
          i = j;
          break;
        }
        case QUOTE_SEEN: {
          if (ch === QUOTE) {
            cell += '"';
            grow(1);
            state = QUOTED;
            i++;
          } else if (ch === COMMA) {
            cells.push(cell);
            cell = '';
            state = FIELD_START;
            i++;
          } else if (newline) {
            endRecord();
            i++;
          } else {
            // "abc"def: keep the text so nothing is lost, but the record is not trustworthy.
            problem ??= `cell ${cells.length + 1} has text after its closing quote`;
            state = UNQUOTED;
          }
          break;
        }
      }
    }
    if (ready.length > 0) {
      yield ready;
      ready = [];
    }
  }

  if (state === QUOTED) {
    throw new SeedFileError(
      `A quoted cell that starts on line ${recordLine} is never closed: the ${kind} file may be cut short.`,
      { line: recordLine },
    );
  }
  if (recordStarted) endRecord();
  if (ready.length > 0) yield ready;
}

/** One cell for writing: quoted only when it holds a comma, a quote or a line break. */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
