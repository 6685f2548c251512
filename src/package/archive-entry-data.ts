/**
 * Reading one entry's data: its local header verified against the central directory
 * (name, method, encryption, sizes and CRC, and that the data stays inside the entry's
 * extent), and large entries streamed through an inflater and a check that counts the real
 * bytes and their CRC-32, erroring on the first byte past the declared size.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import type { ArchiveEntry, DirectoryEntry } from './archive-directory.js';
import { ArchiveError, isArchiveError, quote } from './archive-errors.js';
import type { ByteSource } from './byte-source.js';
import { crc32 } from './crc32.js';
import { crcError, inflateError, sizeError } from './entry-check.js';
import { FLAG_DATA_DESCRIPTOR, FLAG_ENCRYPTED, LOCAL_HEADER, SIG_LOCAL } from './zip-records.js';

/** Verifies the local header against the central directory; returns where the entry's data starts. */
export async function locateEntry(src: ByteSource, it: DirectoryEntry): Promise<number> {
  const { entry, offset } = it;
  const h = await src.read(offset, LOCAL_HEADER);
  if (h.readUInt32LE(0) !== SIG_LOCAL) {
    throw new ArchiveError('archive.corrupt', `Entry ${quote(entry.name)} has no local header where the central directory says it is.`, entry.name);
  }
  const flags = h.readUInt16LE(6);
  const method = h.readUInt16LE(8);
  const n = h.readUInt16LE(26);
  const m = h.readUInt16LE(28);
  const localName = n === 0 ? Buffer.alloc(0) : await src.read(offset + LOCAL_HEADER, n);
  if (!localName.equals(it.rawName)) {
    throw new ArchiveError('archive.corrupt', `Entry ${quote(entry.name)} is named ${quote(localName)} in its local header.`, entry.name);
  }
  if (method !== entry.method || (flags & FLAG_ENCRYPTED) !== 0) {
    throw new ArchiveError('archive.corrupt', `Entry ${quote(entry.name)} has a local header that disagrees with the central directory about compression or encryption.`, entry.name);
  }
  if (!(flags & FLAG_DATA_DESCRIPTOR)) {
    const crc = h.readUInt32LE(14);
    const cs = h.readUInt32LE(18);
    const us = h.readUInt32LE(22);
    if (crc !== entry.crc32 || (cs !== 0xffffffff && cs !== entry.compressedSize) || (us !== 0xffffffff && us !== entry.uncompressedSize)) {
      throw new ArchiveError('archive.corrupt', `Entry ${quote(entry.name)} has a local header whose sizes or CRC disagree with the central directory.`, entry.name);
    }
  }
  const dataStart = offset + LOCAL_HEADER + n + m;
  if (dataStart + entry.compressedSize > it.extentEnd) {
    throw new ArchiveError('archive.overlap', `Entry ${quote(entry.name)} runs into the next entry or the central directory.`, entry.name);
  }
  return dataStart;
}

/** Bytes an inflated piece holds (zlib's default is 16 KiB: each piece costs a pass through the stream, hash and all). */
const INFLATE_CHUNK = 256 * 1024;

/**
 * The data starting at `dataStart`, inflated and checked as it streams; `onBytes` is told
 * the cumulative count of real bytes (and may throw to stop the stream).
 */
export function streamEntry(src: ByteSource, entry: ArchiveEntry, dataStart: number, onBytes: (cumulative: number) => void): Readable {
  const raw = src.stream(dataStart, dataStart + entry.compressedSize);
  const check = new EntryCheck(entry, entry.method === 0, onBytes);
  const inflater = entry.method === 8 ? zlib.createInflateRaw({ chunkSize: INFLATE_CHUNK }) : undefined;
  raw.on('error', (e: unknown) => check.destroy(isArchiveError(e) ? e : corrupt(entry, e)));
  check.on('close', () => {
    raw.destroy();
    inflater?.destroy();
  });
  if (inflater) {
    inflater.on('error', (e: unknown) => check.destroy(inflateError(e, entry)));
    raw.pipe(inflater).pipe(check);
  } else {
    raw.pipe(check);
  }
  return check;
}

/**
 * A streamed entry's bytes in one buffer that grows with the real bytes (never beyond the
 * declared size: the stream errors first), so a lying declared size allocates nothing up front.
 */
export async function collectEntry(entry: ArchiveEntry, stream: Readable): Promise<Buffer> {
  let out = Buffer.allocUnsafe(Math.min(entry.uncompressedSize, 8 * 1024 * 1024));
  let pos = 0;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    if (pos + b.length > out.length) {
      const bigger = Buffer.allocUnsafe(Math.min(entry.uncompressedSize, Math.max(out.length * 2, pos + b.length)));
      out.copy(bigger, 0, 0, pos);
      out = bigger;
    }
    b.copy(out, pos);
    pos += b.length;
  }
  return out.length === pos ? out : out.subarray(0, pos);
}

const corrupt = (entry: ArchiveEntry, e: unknown): ArchiveError =>
  new ArchiveError('archive.corrupt', `Entry ${quote(entry.name)} could not be read (${e instanceof Error ? e.message : String(e)}).`, entry.name);

/** Counts and checksums an entry's real bytes; errors on the first byte past the declared size. */
class EntryCheck extends Transform {
  private count = 0;
  private crc = 0;
  constructor(
    private readonly entry: ArchiveEntry,
    private readonly copy: boolean,
    private readonly onBytes: (cumulative: number) => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.entry.uncompressedSize) {
      cb(sizeError(this.entry, 'more'));
      return;
    }
    try {
      this.onBytes(this.count);
    } catch (e) {
      cb(e as Error);
      return;
    }
    this.crc = crc32(chunk, this.crc);
    cb(null, this.copy ? Buffer.from(chunk) : chunk);
  }
  override _flush(cb: TransformCallback): void {
    if (this.count !== this.entry.uncompressedSize) cb(sizeError(this.entry, this.count));
    else if (this.crc !== this.entry.crc32) cb(crcError(this.entry));
    else cb();
  }
}
