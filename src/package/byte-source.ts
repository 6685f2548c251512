/**
 * Random access to the archive's bytes, from memory or from a file. Reads past the end
 * are `archive.corrupt` (the end record was found, so the file is whole; a structure
 * points outside it). The file source keeps a small read-ahead window so that reading
 * the central directory and many small entries in order costs few system calls.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ArchiveError } from './archive-errors.js';

export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `position`. The result may share memory with the source: copy before handing it out. */
  read(position: number, length: number): Promise<Buffer>;
  /** The bytes [start, end) as a stream of chunks (at most `chunkSize` each). */
  stream(start: number, end: number): Readable;
  close(): Promise<void>;
}

const outside = (position: number, length: number, size: number): ArchiveError =>
  new ArchiveError('archive.corrupt', `The archive refers to bytes ${position}..${position + length} but is only ${size} bytes long.`);

const STREAM_CHUNK = 256 * 1024;

export class BufferSource implements ByteSource {
  readonly size: number;
  constructor(private readonly buf: Buffer) {
    this.size = buf.length;
  }
  read(position: number, length: number): Promise<Buffer> {
    if (position < 0 || length < 0 || position + length > this.size) return Promise.reject(outside(position, length, this.size));
    return Promise.resolve(this.buf.subarray(position, position + length));
  }
  stream(start: number, end: number): Readable {
    const buf = this.buf;
    function* chunks(): Generator<Buffer> {
      for (let p = start; p < end; p += STREAM_CHUNK) yield buf.subarray(p, Math.min(end, p + STREAM_CHUNK));
    }
    return Readable.from(chunks(), { objectMode: false });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Read-ahead window for the file source. */
const WINDOW = 256 * 1024;

export class FileSource implements ByteSource {
  private windowStart = 0;
  private window: Buffer = Buffer.alloc(0);
  private closed = false;

  private constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<FileSource> {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new ArchiveError('archive.not_zip', 'The archive path is not a regular file.');
      return new FileSource(fh, st.size);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async read(position: number, length: number): Promise<Buffer> {
    if (position < 0 || length < 0 || position + length > this.size) throw outside(position, length, this.size);
    const ws = this.windowStart;
    if (position >= ws && position + length <= ws + this.window.length) {
      return this.window.subarray(position - ws, position - ws + length);
    }
    const want = length >= WINDOW ? length : Math.min(WINDOW, this.size - position);
    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.fh.read(buf, got, want - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got < length) throw outside(position, length, this.size);
    if (length < WINDOW) {
      this.windowStart = position;
      this.window = buf.subarray(0, got);
    }
    return buf.subarray(0, length);
  }

  /**
   * A positional-read stream of its own: `FileHandle.createReadStream` closes the handle
   * when such a stream is destroyed early, even with `autoClose: false` (Node 20).
   */
  stream(start: number, end: number): Readable {
    const fh = this.fh;
    const size = this.size;
    let pos = start;
    return new Readable({
      highWaterMark: STREAM_CHUNK,
      read(this: Readable): void {
        if (pos >= end) {
          this.push(null);
          return;
        }
        const len = Math.min(STREAM_CHUNK, end - pos);
        fh.read(Buffer.allocUnsafe(len), 0, len, pos).then(
          ({ bytesRead, buffer }) => {
            if (bytesRead === 0) {
              this.destroy(outside(pos, len, size));
              return;
            }
            pos += bytesRead;
            this.push(buffer.subarray(0, bytesRead));
          },
          (e: Error) => this.destroy(e),
        );
      },
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.window = Buffer.alloc(0);
    await this.fh.close();
  }
}
