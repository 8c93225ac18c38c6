/**
 * Building a batch exporter from its streaming parts (see "How a batch exporter is built" in
 * types.ts): `render` and `unsupported` follow from `writer` and `whyNot`, the same for every format.
 */
import { assertCanTake, rowsItCannotTake, type WhyNot } from './exportRules.js';
import type { BatchExporter, BatchFileWriter, BatchFormat, BatchReadBack, BatchRow, Chunk, ManifestFacts } from './types.js';

export interface ExporterParts {
  format: BatchFormat;
  fileExtension: string;
  description: string;
  whyNot: WhyNot;
  header(): Chunk;
  row(row: BatchRow, index: number): Chunk;
  footer(count: number): Chunk;
  readBack?(bytes: Uint8Array, manifest: ManifestFacts): Promise<BatchReadBack>;
}

/** An exporter with one layout, from its parts. */
export function defineExporter(parts: ExporterParts): BatchExporter {
  const { header, row, footer } = parts;
  return layeredExporter({
    format: parts.format,
    fileExtension: parts.fileExtension,
    description: parts.description,
    whyNot: parts.whyNot,
    layouts: { 1: () => ({ header, row, footer }) },
    ...(parts.readBack ? { readBack: parts.readBack } : {}),
  });
}

export interface LayeredParts {
  format: BatchFormat;
  fileExtension: string;
  description: string;
  whyNot: WhyNot;
  /** A fresh writer per layout number; the highest number is the current layout. */
  layouts: Record<number, () => BatchFileWriter>;
  readBack?(bytes: Uint8Array, manifest: ManifestFacts): Promise<BatchReadBack>;
}

/** An exporter whose file changed over time: each layout stays writable, for rewrites. */
export function layeredExporter(parts: LayeredParts): BatchExporter {
  const layouts = Object.keys(parts.layouts).map(Number).sort((a, b) => b - a);
  const current = layouts[0]!;
  const writer = (layout = current): BatchFileWriter => {
    const make = parts.layouts[layout];
    if (!make) throw new Error(`${parts.format} has no layout ${layout}`);
    return make();
  };
  const exporter: BatchExporter = {
    format: parts.format,
    fileExtension: parts.fileExtension,
    description: parts.description,
    layout: current,
    layouts,
    whyNot: parts.whyNot,
    writer,
    unsupported: (rows) => rowsItCannotTake(rows, parts.whyNot),
    render(rows, layout) {
      assertCanTake(parts.format, rows, parts.whyNot);
      return renderAll(writer(layout), rows);
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
