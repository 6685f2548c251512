/**
 * Random access to a stored blob (an uploaded package) by offset, for the ZIP reader: the
 * blob's chunks are found by the byte ranges they hold (their lengths come in one query,
 * without their bytes), and read as they are needed. A job reads a large upload this way
 * where it before copied the whole blob to a temporary file first: that copy read every
 * byte from the database and wrote it to disk before the first entry could be read.
 *
 * A few chunks read last are kept (the central directory, then small entries read in
 * order, fall in the same chunk), and a stream reads the chunk after the one it hands out.
 */
import { Readable } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { readChunks } from '../store/chunks.js';
import { ArchiveError } from '../package/archive-errors.js';
import type { ByteSource } from '../package/byte-source.js';

/** Chunks kept after a read (each about 1 MiB). */
const KEPT_CHUNKS = 2;

const outside = (position: number, length: number, size: number): ArchiveError =>
  new ArchiveError('archive.corrupt', `The archive refers to bytes ${position}..${position + length} but is only ${size} bytes long.`);

export class BlobSource implements ByteSource {
  /** Chunk number → its bytes, the most recently used last. */
  private readonly kept = new Map<number, Promise<Buffer>>();
  private closed = false;

  private constructor(
    private readonly db: Kysely<DB>,
    private readonly id: string,
    /** Where each chunk starts; the last element is the blob's size. */
    private readonly starts: readonly number[],
  ) {}

  get size(): number {
    return this.starts[this.starts.length - 1]!;
  }

  /** Opens the complete blob `id` of `size` bytes; throws when its chunks do not hold exactly those bytes. */
  static async open(db: Kysely<DB>, id: string, size: number): Promise<BlobSource> {
    const r = await sql<{ seq: number; len: number }>`SELECT seq, octet_length(data) AS len FROM blob_chunks WHERE blob_id = ${id} ORDER BY seq`.execute(db);
    const starts = [0];
    for (const [i, row] of r.rows.entries()) {
      if (Number(row.seq) !== i) throw new Error(`blob ${id}: chunk ${i} is missing`);
      starts.push(starts[i]! + Number(row.len));
    }
    if (starts[starts.length - 1] !== size) throw new Error(`blob ${id}: its chunks hold ${starts[starts.length - 1]} bytes, not ${size}`);
    return new BlobSource(db, id, starts);
  }

  /** The number of the chunk holding byte `position` (< size). */
  private chunkAt(position: number): number {
    let lo = 0;
    let hi = this.starts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private async fetch(seq: number): Promise<Buffer> {
    if (this.closed) throw new Error('The blob source is closed.');
    const [data] = await readChunks(this.db, 'blob_chunks', this.id, seq, 1);
    const want = this.starts[seq + 1]! - this.starts[seq]!;
    if (!data || data.length !== want) throw new Error(`blob ${this.id}: chunk ${seq} changed while it was read`);
    return data;
  }

  /** The chunk's bytes, kept for the next reads. */
  private chunk(seq: number): Promise<Buffer> {
    let p = this.kept.get(seq);
    if (p) this.kept.delete(seq);
    else {
      p = this.fetch(seq);
      p.catch(() => this.kept.delete(seq));
    }
    this.kept.set(seq, p);
    while (this.kept.size > KEPT_CHUNKS) this.kept.delete(this.kept.keys().next().value!);
    return p;
  }

  async read(position: number, length: number): Promise<Buffer> {
    if (position < 0 || length < 0 || position + length > this.size) throw outside(position, length, this.size);
    if (length === 0) return Buffer.alloc(0);
    const first = this.chunkAt(position);
    const last = this.chunkAt(position + length - 1);
    const parts: Buffer[] = [];
    for (let seq = first; seq <= last; seq++) {
      const data = await this.chunk(seq);
      const from = Math.max(position, this.starts[seq]!) - this.starts[seq]!;
      const to = Math.min(position + length, this.starts[seq + 1]!) - this.starts[seq]!;
      parts.push(data.subarray(from, to));
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
  }

  /** The bytes [start, end) a chunk at a time (the first and last cut to the range); the next chunk is read meanwhile. */
  stream(start: number, end: number): Readable {
    return Readable.from(this.pieces(start, end), { objectMode: false, highWaterMark: 1 });
  }

  private async *pieces(start: number, end: number): AsyncGenerator<Buffer> {
    if (start < 0 || end > this.size || start > end) throw outside(start, end - start, this.size);
    if (start === end) return;
    const first = this.chunkAt(start);
    const last = this.chunkAt(end - 1);
    let next: Promise<Buffer> | undefined = this.fetch(first);
    for (let seq = first; seq <= last; seq++) {
      const data: Buffer = await next!;
      next = seq < last ? this.fetch(seq + 1) : undefined;
      next?.catch(() => undefined); // surfaces when awaited
      const from = Math.max(start, this.starts[seq]!) - this.starts[seq]!;
      const to = Math.min(end, this.starts[seq + 1]!) - this.starts[seq]!;
      yield data.subarray(from, to);
    }
  }

  close(): Promise<void> {
    this.closed = true;
    this.kept.clear();
    return Promise.resolve();
  }
}
