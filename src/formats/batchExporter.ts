/**
 * Building a batch exporter from its streaming parts (see "How a batch exporter is built" in
 * types.ts): `render` and `unsupported` follow from `writer` and `whyNot`, the same for every format.
 */
import { assertNoneRefused, type ExportPieces, type WhyNot } from './exportRules.js';
import type { BatchExporter, BatchFileWriter, BatchFormat, BatchReadBack, BatchRow, Chunk, ExportOptions, ManifestFacts } from './types.js';

export interface ExporterParts {
  format: BatchFormat;
  fileExtension: string;
  description: string;
  whyNot: WhyNot;
  /** Each piece gets the export's options (realm, resolver...); most formats ignore them. */
  header(options: ExportOptions): Chunk;
  row(row: BatchRow, index: number, options: ExportOptions): Chunk;
  footer(count: number, options: ExportOptions): Chunk;
  /** Rules over the whole file: a fresh checker per file (see BatchFileWriter.conflict). */
  conflicts?(options: ExportOptions): (row: BatchRow) => string | null;
  readBack?(bytes: Uint8Array, manifest: ManifestFacts): Promise<BatchReadBack>;
}

/** An exporter with one layout, from its parts. */
export function defineExporter(parts: ExporterParts): BatchExporter {
  const { header, row, footer, conflicts } = parts;
  return layeredExporter({
    format: parts.format,
    fileExtension: parts.fileExtension,
    description: parts.description,
    whyNot: parts.whyNot,
    layouts: {
      1: (options) => ({
        header: () => header(options),
        row: (r, index) => row(r, index, options),
        footer: (count) => footer(count, options),
        ...(conflicts ? { conflict: conflicts(options) } : {}),
      }),
    },
    ...(parts.readBack ? { readBack: parts.readBack } : {}),
  });
}

export interface LayeredParts {
  format: BatchFormat;
  fileExtension: string;
  description: string;
  whyNot: WhyNot;
  /** A fresh writer per layout number, for one export's options; the highest number is the current layout. */
  layouts: Record<number, (options: ExportOptions) => BatchFileWriter>;
  readBack?(bytes: Uint8Array, manifest: ManifestFacts): Promise<BatchReadBack>;
}

/** An exporter whose file changed over time: each layout stays writable, for rewrites. */
export function layeredExporter(parts: LayeredParts): BatchExporter {
  const layouts = Object.keys(parts.layouts).map(Number).sort((a, b) => b - a);
  const current = layouts[0]!;
  const writer = (layout = current, options: ExportOptions = {}): BatchFileWriter => {
    const make = parts.layouts[layout];
    if (!make) throw new Error(`${parts.format} has no layout ${layout}`);
    return make(options);
  };
  const exporter: BatchExporter = {
    format: parts.format,
    fileExtension: parts.fileExtension,
    description: parts.description,
    layout: current,
    layouts,
    whyNot: (row, options = {}) => parts.whyNot(row, options),
    writer,
    unsupported: (rows, options = {}) => refusedRows(rows, parts.whyNot, writer(current, options), options),
    render(rows, options = {}) {
      const { layout, ...exportOptions } = options;
      assertNoneRefused(parts.format, refusedRows(rows, parts.whyNot, writer(layout, exportOptions), exportOptions));
      return renderAll(writer(layout, exportOptions), rows);
    },
  };
  if (parts.readBack) exporter.readBack = parts.readBack;
  return exporter;
}

/** The whole file in memory: header, rows, footer, concatenated. */
export function renderAll(writer: BatchFileWriter, rows: readonly BatchRow[]): Uint8Array {
  const encoder = new TextEncoder();
  const pieces: Array<{ bytes: Uint8Array; ours: boolean }> = [];
  const add = (chunk: Chunk) => pieces.push(typeof chunk === 'string' ? { bytes: encoder.encode(chunk), ours: true } : { bytes: chunk, ours: false });
  add(writer.header());
  rows.forEach((row, index) => add(writer.row(row, index)));
  add(writer.footer(rows.length));
  const bytes = new Uint8Array(pieces.reduce((n, p) => n + p.bytes.byteLength, 0));
  let offset = 0;
  for (const piece of pieces) {
    bytes.set(piece.bytes, offset);
    offset += piece.bytes.byteLength;
    if (piece.ours) piece.bytes.fill(0); // they hold seeds; a writer's own bytes are its to keep
  }
  return bytes;
}

/** Rows the format refuses: each on its own (`whyNot`), then against the rows admitted before it. */
function refusedRows(rows: readonly BatchRow[], whyNot: WhyNot, writer: BatchFileWriter, options: ExportOptions): Array<{ serial: string; reason: string }> {
  const refused: Array<{ serial: string; reason: string }> = [];
  for (const row of rows) {
    const reason = whyNot(row, options) ?? writer.conflict?.(row) ?? null;
    if (reason !== null) refused.push({ serial: row.serial, reason });
  }
  return refused;
}

/** The header/row/footer of text pieces (exportRules.ts) as an exporter's parts. */
export function fromPieces(pieces: ExportPieces): Pick<ExporterParts, 'header' | 'row' | 'footer'> {
  return {
    header: (options) => pieces.header(options),
    row: (row, index, options) => pieces.row(row, index, options),
    footer: (_count, options) => pieces.footer(options),
  };
}
