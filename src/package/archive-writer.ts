/**
 * A small streaming ZIP writer.
 *
 * Why not a library: yazl (the companion of yauzl) compresses every `addBuffer` with an
 * asynchronous zlib call and cannot take precompressed data; DESIGN.md measured it at
 * ~6.1 s for 10,000 small entries against ~0.5 s for `zlib.deflateRawSync` per entry with
 * the result written as is. fflate's JavaScript deflate is slower than native zlib. The
 * format subset written here is small (local header, data, optional data descriptor,
 * central directory, end record) and is tested against our reader and `unzip -t`.
 *
 * Output: a {@link ZipSink} — either a Node `Writable` (with backpressure: every call
 * waits for `drain`) or an async function called once per chunk. The function form is
 * what a database blob store wants: output is coalesced into chunks of `chunkSize`
 * (default 256 KiB), so `async (chunk) => insertChunk(blobId, seq++, chunk)` writes one
 * row per chunk, and the writer waits for each insert before producing more. A PassThrough
 * passed as the Writable turns the writer into a Readable for an HTTP response.
 *
 * Entries: `addBuffer` deflates in one synchronous call and stores the entry uncompressed
 * when deflate does not make it smaller (or, from 1 MiB, when its first bytes do not
 * compress: stream-level.ts); `addStream` deflates a stream of unknown length
 * (with level 0 when its first bytes do not compress: stream-level.ts) and writes the sizes
 * and CRC in a data descriptor after the data (flag bit 3). Names
 * are NFC, flagged UTF-8 (bit 11), and must pass the same rules the reader enforces.
 * zip64 is not written: an archive whose entries, offsets or central directory would not
 * fit 32-bit fields, or with more than 65,535 entries, is refused with an ArchiveError —
 * our reader's default limits (1 GiB, 10,100 entries) are far below that.
 *
 * Calls are serialized internally; after any error the writer is failed and the output
 * is incomplete (the caller must discard it).
 */
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { ArchiveError, quote } from './archive-errors.js';
import { DEFAULT_ARCHIVE_LIMITS } from './archive-limits.js';
import { checkEntryName, FLAG_UTF8, NameRegistry } from './entry-names.js';
import { levelFor, peekFirst } from './stream-level.js';

export type ZipSink = Writable | ((chunk: Buffer) => Promise<void> | void);

export interface ZipWriterOptions {
  /** zlib deflate level 0–9 (default 6). */
  level?: number;
  /** Output is handed to the sink in chunks of at least this many bytes, except the last. Default 256 KiB. */
  chunkSize?: number;
  /** Modification time recorded on every entry (default: now). Stored as UTC DOS time. */
  date?: Date;
  /** Longest entry name in bytes (default: the reader's default, 1,024). */
  maxPathBytes?: number;
  /** End the Writable sink after the end record (default true). */
  end?: boolean;
}

export interface WrittenEntry {
  readonly name: string;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
}

interface Record extends WrittenEntry {
  readonly rawName: Buffer;
  readonly flags: number;
  readonly offset: number;
  readonly isDirectory: boolean;
}

const FLAG_DATA_DESCRIPTOR = 0x0008;
const MAX32 = 0xfffffffe; // 0xffffffff means "see zip64"
const MAX_ENTRIES = 0xffff;
const VERSION_MADE_BY = (3 << 8) | 30; // Unix, spec 3.0
const VERSION_NEEDED = 20;
const MODE_FILE = (0o100644 << 16) >>> 0;
const MODE_DIR = ((0o40755 << 16) | 0x10) >>> 0;

const tooBig = (what: string): ArchiveError =>
  new ArchiveError('archive.too_large', `${what} would need zip64 (over 4 GiB), which this writer does not produce.`);

function dosDateTime(d: Date): { time: number; date: number } {
  if (d.getUTCFullYear() < 1980) return { time: 0, date: (1 << 5) | 1 };
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
  const date = (Math.min(d.getUTCFullYear() - 1980, 127) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  return { time, date };
}

/** An entry's data ready to be written: deflated (8), or stored (0) when deflate does not make it smaller. */
export interface PreparedEntry {
  readonly method: 0 | 8;
  readonly crc32: number;
  readonly uncompressedSize: number;
  /** The bytes to write: deflated, or the input itself when stored. */
  readonly data: Uint8Array;
}

/** Entries at least this large are deflated only when their first bytes compress (stream-level.ts). */
const SAMPLED_BYTES = 1024 * 1024;

/**
 * Deflates an entry's bytes in one synchronous call (stored when that is not smaller). An
 * entry of 1 MiB or more whose first 256 KiB deflate cannot shrink (an archive, an image,
 * random or encrypted bytes) is stored without deflating the rest: ~30 ms a MiB of CPU
 * spent to gain nothing.
 */
export function compressEntry(input: Uint8Array, level = 6): PreparedEntry {
  const crc = zlib.crc32(input);
  if (input.length >= SAMPLED_BYTES) level = levelFor(input, level);
  if (input.length > 0 && level > 0) {
    const deflated = zlib.deflateRawSync(input, { level, chunkSize: Math.max(64, Math.min(input.length + 64, 1 << 20)) });
    if (deflated.length < input.length) return { method: 8, crc32: crc, uncompressedSize: input.length, data: deflated };
  }
  return { method: 0, crc32: crc, uncompressedSize: input.length, data: input };
}

export class ZipWriter {
  /** The deflate level entries are compressed with. */
  readonly level: number;
  private readonly chunkSize: number;
  private readonly time: number;
  private readonly date: number;
  private readonly maxPathBytes: number;
  private readonly endSink: boolean;
  private readonly names = new NameRegistry();
  private readonly records: Record[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private offset = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private failed: unknown = undefined;
  private finished = false;

  constructor(
    private readonly sink: ZipSink,
    options: ZipWriterOptions = {},
  ) {
    this.level = options.level ?? 6;
    this.chunkSize = options.chunkSize ?? 256 * 1024;
    const dt = dosDateTime(options.date ?? new Date());
    this.time = dt.time;
    this.date = dt.date;
    this.maxPathBytes = options.maxPathBytes ?? DEFAULT_ARCHIVE_LIMITS.maxPathBytes;
    this.endSink = options.end ?? true;
  }

  /** Bytes produced so far (handed to the sink or waiting in the current chunk). */
  get bytesWritten(): number {
    return this.offset;
  }

  /** Entries written so far, in order. */
  get written(): readonly WrittenEntry[] {
    return this.records;
  }

  /**
   * Adds an entry from memory. A name ending in `/` is a folder (`data` must be empty).
   * `data` must not be modified until the promise resolves.
   */
  addBuffer(name: string, data: Uint8Array): Promise<WrittenEntry> {
    return this.addPrepared(name, compressEntry(data, this.level));
  }

  /**
   * Adds an entry compressed elsewhere (by {@link compressEntry}, e.g. on another thread).
   * `entry.data` must not be modified until the promise resolves.
   */
  addPrepared(name: string, entry: PreparedEntry): Promise<WrittenEntry> {
    return this.serial(async () => {
      const { canonical, rawName, isDirectory } = this.checkName(name);
      if (isDirectory && entry.uncompressedSize > 0) throw new TypeError(`Folder entry ${quote(canonical)} cannot carry data.`);
      if (entry.uncompressedSize > MAX32) throw tooBig(`Entry ${quote(canonical)}`);
      const payload = Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength);
      const rec: Record = {
        name: canonical,
        rawName,
        flags: FLAG_UTF8,
        method: entry.method,
        crc32: entry.crc32,
        compressedSize: payload.length,
        uncompressedSize: entry.uncompressedSize,
        offset: this.offset,
        isDirectory,
      };
      this.checkOffset(rec);
      await this.push(this.localHeader(rec));
      await this.push(rawName);
      if (entry.method === 8) {
        await this.push(payload);
      } else if (payload.length < this.chunkSize) {
        await this.push(Buffer.from(payload)); // a copy: the caller may reuse its buffer once we return
      } else {
        await this.flush();
        this.offset += payload.length;
        await this.write(payload);
      }
      this.records.push(rec);
      return rec;
    });
  }

  /** Adds an entry from a stream of unknown length (deflated; sizes and CRC in a data descriptor). */
  addStream(name: string, source: AsyncIterable<Uint8Array | string>): Promise<WrittenEntry> {
    return this.serial(async () => {
      const { canonical, rawName, isDirectory } = this.checkName(name);
      if (isDirectory) throw new TypeError(`Folder entry ${quote(canonical)} cannot be added from a stream.`);
      const offset = this.offset;
      const head: Record = {
        name: canonical, rawName, flags: FLAG_UTF8 | FLAG_DATA_DESCRIPTOR, method: 8,
        crc32: 0, compressedSize: 0, uncompressedSize: 0, offset, isDirectory: false,
      };
      this.checkOffset(head);
      await this.push(this.localHeader(head));
      await this.push(rawName);
      let crc = 0;
      let usize = 0;
      let csize = 0;
      const { first, all } = await peekFirst(source);
      const level = levelFor(typeof first === 'string' ? Buffer.from(first, 'utf8') : (first ?? new Uint8Array()), this.level);
      await pipeline(
        all,
        async function* count(src: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer> {
          for await (const c of src) {
            const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
            crc = zlib.crc32(b, crc);
            usize += b.length;
            if (usize > MAX32) throw tooBig(`Entry ${quote(canonical)}`);
            yield b;
          }
        },
        zlib.createDeflateRaw({ level }),
        async (out: AsyncIterable<Buffer>) => {
          for await (const c of out) {
            csize += c.length;
            if (csize > MAX32) throw tooBig(`Entry ${quote(canonical)}`);
            await this.push(c);
          }
        },
      );
      const dd = Buffer.alloc(16);
      dd.writeUInt32LE(0x08074b50, 0);
      dd.writeUInt32LE(crc >>> 0, 4);
      dd.writeUInt32LE(csize, 8);
      dd.writeUInt32LE(usize, 12);
      await this.push(dd);
      const rec: Record = { ...head, crc32: crc >>> 0, compressedSize: csize, uncompressedSize: usize };
      this.records.push(rec);
      return rec;
    });
  }

  /** Writes the central directory and end record, flushes, and ends a Writable sink. */
  finish(): Promise<{ entries: number; bytes: number }> {
    return this.serial(async () => {
      if (this.records.length > MAX_ENTRIES) {
        throw new ArchiveError('archive.too_many_entries', `The archive would hold ${this.records.length} entries; this writer supports at most ${MAX_ENTRIES}.`);
      }
      const cdStart = this.offset;
      if (cdStart > MAX32) throw tooBig('The archive');
      for (const r of this.records) {
        const c = Buffer.alloc(46);
        c.writeUInt32LE(0x02014b50, 0);
        c.writeUInt16LE(VERSION_MADE_BY, 4);
        c.writeUInt16LE(VERSION_NEEDED, 6);
        c.writeUInt16LE(r.flags, 8);
        c.writeUInt16LE(r.method, 10);
        c.writeUInt16LE(this.time, 12);
        c.writeUInt16LE(this.date, 14);
        c.writeUInt32LE(r.crc32, 16);
        c.writeUInt32LE(r.compressedSize, 20);
        c.writeUInt32LE(r.uncompressedSize, 24);
        c.writeUInt16LE(r.rawName.length, 28);
        // extra length, comment length, disk, internal attributes: 0
        c.writeUInt32LE(r.isDirectory ? MODE_DIR : MODE_FILE, 38);
        c.writeUInt32LE(r.offset, 42);
        await this.push(c);
        await this.push(r.rawName);
      }
      const cdSize = this.offset - cdStart;
      if (cdSize > MAX32 || this.offset > MAX32) throw tooBig('The central directory');
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(this.records.length, 8);
      end.writeUInt16LE(this.records.length, 10);
      end.writeUInt32LE(cdSize, 12);
      end.writeUInt32LE(cdStart, 16);
      await this.push(end);
      await this.flush();
      this.finished = true;
      if (this.endSink && this.sink instanceof Writable) {
        const w = this.sink;
        await new Promise<void>((resolve, reject) => {
          w.once('error', reject);
          w.end(() => {
            w.off('error', reject);
            resolve();
          });
        });
      }
      return { entries: this.records.length, bytes: this.offset };
    });
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.failed !== undefined) throw this.failed;
      if (this.finished) throw new Error('The ZIP writer is finished.');
      try {
        return await op();
      } catch (e) {
        this.failed = e;
        throw e;
      }
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private checkName(name: string): { canonical: string; rawName: Buffer; isDirectory: boolean } {
    const canonical = name.normalize('NFC');
    checkEntryName(canonical, this.maxPathBytes);
    this.names.add(canonical, name);
    return { canonical, rawName: Buffer.from(canonical, 'utf8'), isDirectory: canonical.endsWith('/') };
  }

  private checkOffset(r: Record): void {
    if (this.records.length >= MAX_ENTRIES) {
      throw new ArchiveError('archive.too_many_entries', `The archive would hold more than ${MAX_ENTRIES} entries, which this writer does not support.`);
    }
    if (r.offset > MAX32) throw tooBig('The archive');
  }

  private localHeader(r: Record): Buffer {
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(VERSION_NEEDED, 4);
    h.writeUInt16LE(r.flags, 6);
    h.writeUInt16LE(r.method, 8);
    h.writeUInt16LE(this.time, 10);
    h.writeUInt16LE(this.date, 12);
    h.writeUInt32LE(r.crc32, 14);
    h.writeUInt32LE(r.compressedSize, 18);
    h.writeUInt32LE(r.uncompressedSize, 22);
    h.writeUInt16LE(r.rawName.length, 26);
    return h;
  }

  private async push(b: Buffer): Promise<void> {
    if (b.length === 0) return;
    this.pending.push(b);
    this.pendingBytes += b.length;
    this.offset += b.length;
    if (this.pendingBytes >= this.chunkSize) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    await this.write(chunk);
  }

  private async write(chunk: Buffer): Promise<void> {
    const sink = this.sink;
    if (sink instanceof Writable) {
      if (sink.destroyed || sink.writableEnded) throw new Error('The ZIP writer\'s output stream is closed.');
      if (!sink.write(chunk)) {
        const ac = new AbortController();
        try {
          await Promise.race([
            once(sink, 'drain', { signal: ac.signal }),
            once(sink, 'close', { signal: ac.signal }).then(() => {
              throw new Error('The ZIP writer\'s output stream closed before the archive was complete.');
            }),
          ]);
        } finally {
          ac.abort();
        }
      }
    } else {
      await sink(chunk);
    }
  }
}
