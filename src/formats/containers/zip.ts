/**
 * A password-protected ZIP (WinZip AES or the old ZipCrypto), opened in memory with @zip.js/zip.js.
 * Each entry is inflated into a bounded in-memory writer, so a ZIP bomb stops at the cap instead of
 * filling memory; directories and macOS resource forks (__MACOSX/, ._name) are not seed files.
 */
import { formatBytes } from '../byteSource.js';
import * as zip from '@zip.js/zip.js';
import { DeliveryError, MAX_DELIVERED_BYTES, MAX_DELIVERED_FILES } from './delivery.js';
import type { DeliveredFile, DeliveryKeys } from './delivery.js';

// Node has no web workers in zip.js's sense; the codecs run inline.
zip.configure({ useWebWorkers: false });

class TooLarge extends Error {}

/** Collects an entry's bytes, refusing to grow past what the delivery may still hold. */
class BoundedWriter extends zip.Writer<Uint8Array> {
  private readonly chunks: Uint8Array[] = [];
  private total = 0;

  constructor(private readonly room: number) {
    super();
  }

  override async writeUint8Array(array: Uint8Array): Promise<void> {
    this.total += array.byteLength;
    if (this.total > this.room) throw new TooLarge();
    this.chunks.push(array.slice());
  }

  override async getData(): Promise<Uint8Array> {
    const all = new Uint8Array(this.total);
    let offset = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, offset);
      offset += chunk.byteLength;
      chunk.fill(0);
    }
    return all;
  }
}

export async function openZip(fileName: string, bytes: Uint8Array, keys: DeliveryKeys, maxBytes = MAX_DELIVERED_BYTES): Promise<DeliveredFile[]> {
  const reader = new zip.ZipReader(new zip.Uint8ArrayReader(bytes));
  let entries: zip.Entry[];
  try {
    entries = await reader.getEntries();
  } catch {
    throw new DeliveryError('damaged', `${fileName} is not a readable ZIP archive (cut short or damaged): ask the vendor to send it again.`);
  }
  const files = entries.filter((entry): entry is zip.FileEntry => !entry.directory && !/(^|\/)(__MACOSX\/|\._)/.test(entry.filename));
  if (files.length === 0) throw new DeliveryError('empty', `${fileName} holds no files.`);
  if (files.length > MAX_DELIVERED_FILES) throw new DeliveryError('too-large', `${fileName} holds ${files.length} files; tokendesk opens at most ${MAX_DELIVERED_FILES}.`);
  if (files.some((entry) => entry.encrypted) && keys.password === undefined) {
    throw new DeliveryError('needs-password', `${fileName} is a password-protected ZIP: give the password with --password-file FILE.`);
  }

  const delivered: DeliveredFile[] = [];
  let room = maxBytes;
  try {
    for (const entry of files) {
      const name = entry.filename.split('/').pop() || entry.filename;
      let data: Uint8Array;
      try {
        data = await entry.getData(new BoundedWriter(room), entry.encrypted ? { password: keys.password! } : {});
      } catch (error) {
        throw entryRefusal(fileName, entry, error, maxBytes);
      }
      room -= data.byteLength;
      delivered.push({ name, path: `${fileName} > ${entry.filename}`, bytes: data });
    }
  } finally {
    await reader.close();
  }
  return delivered;
}

function entryRefusal(fileName: string, entry: zip.FileEntry, error: unknown, maxBytes: number): DeliveryError {
  if (error instanceof TooLarge) {
    return new DeliveryError('too-large', `${fileName} holds more than ${formatBytes(maxBytes)} once unpacked: ask the vendor to split it.`);
  }
  const why = String((error as Error)?.message ?? '');
  if (why === zip.ERR_INVALID_PASSWORD || (entry.encrypted && (why === zip.ERR_INVALID_CRC32 || /invalid|inflate|data/i.test(why)))) {
    // ZipCrypto checks a password with one byte: a wrong one can pass that check and fail later.
    return new DeliveryError('wrong-password', `The password for ${fileName} is wrong (or the archive is damaged): check the password file (one line, exactly as the vendor sent it).`);
  }
  if (why === zip.ERR_UNSUPPORTED_ENCRYPTION || why === zip.ERR_UNSUPPORTED_COMPRESSION) {
    return new DeliveryError('unsupported', `${fileName} uses a ZIP encryption or compression tokendesk cannot open: ask for AES or ZipCrypto with deflate.`);
  }
  return new DeliveryError('damaged', `${entry.filename} in ${fileName} does not unpack (damaged): ask the vendor to send it again.`);
}
