/**
 * Reading a seed file's bytes: chunk by chunk with progress, or whole with a size cap for the
 * formats that cannot be streamed (JSON).
 */
import { SeedFileError } from './types.js';
import type { ByteSource } from './types.js';

export interface ReadOptions {
  onProgress?: (bytesRead: number) => void;
  /** Refuse the file once more than this many bytes have been read. */
  maxBytes?: number;
  /** What the file is, for the refusal message ("a PSKC file"). */
  what?: string;
}

/** The source's chunks in order, counting bytes for progress and the size cap. */
export async function* readChunks(source: ByteSource, options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
  let bytesRead = 0;
  for await (const chunk of source as AsyncIterable<Uint8Array>) {
    if (chunk.byteLength === 0) continue;
    bytesRead += chunk.byteLength;
    if (options.maxBytes !== undefined && bytesRead > options.maxBytes) {
      throw new SeedFileError(
        `${options.what ?? 'The file'} is larger than ${formatBytes(options.maxBytes)}, the most tokendesk reads in this format: ` +
          'ask the vendor to split it into smaller files.',
      );
    }
    options.onProgress?.(bytesRead);
    yield chunk;
  }
}

/** The whole source as one buffer, refusing it beyond `maxBytes`. */
export async function readAllBytes(source: ByteSource, options: ReadOptions & { maxBytes: number }): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of readChunks(source, options)) {
    chunks.push(chunk);
    total += chunk.byteLength;
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / (1024 * 1024))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
