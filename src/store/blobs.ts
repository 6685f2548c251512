/**
 * Blobs (uploaded packages, export archives) stored in PostgreSQL as numbered chunks, so
 * every process sees them and a job can run on any worker. Written and read as streams:
 * nothing holds a whole blob in memory.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Kysely, Transaction } from 'kysely';
import { DomainError } from '../core/errors.js';
import { newId32 } from '../core/ids.js';
import { bytesPhrase } from '../core/phrases.js';
import type { DB } from './schema.js';
import { deleteChunks, insertChunk, readChunks } from './chunks.js';

type Db = Kysely<DB> | Transaction<DB>;

const BLOB_CHUNK_BYTES = 1024 * 1024;

export interface BlobInfo { id: string; size: number; sha256: string }

export interface BlobWriteOptions {
  /** Refuse (and remove what was written) past this many bytes. */
  maxBytes: number;
  /** Checks the first bytes (e.g. a ZIP signature); throw to refuse. */
  checkHead?: (head: Buffer) => void;
  /** How many leading bytes checkHead wants. */
  headBytes?: number;
}

export class BlobTooLargeError extends DomainError {
  constructor(limit: number) {
    super('payload_too_large', `The upload is larger than the limit of ${bytesPhrase(limit)}.`, { limit });
  }
}

/** Streams `source` into a new blob, hashing and counting; the blob is complete only when this resolves. */
export async function writeBlob(db: Kysely<DB>, source: AsyncIterable<Buffer | Uint8Array>, opts: BlobWriteOptions): Promise<BlobInfo> {
  const id = newId32();
  await db.insertInto('blobs').values({ id }).execute();
  const hash = createHash('sha256');
  let size = 0;
  let seq = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let headChecked = !opts.checkHead;
  const headBytes = opts.headBytes ?? 4;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await insertChunk(db, 'blob_chunks', id, seq++, data);
  };
  try {
    for await (const piece of source) {
      const buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
      size += buf.length;
      if (size > opts.maxBytes) throw new BlobTooLargeError(opts.maxBytes);
      hash.update(buf);
      pending.push(buf);
      pendingBytes += buf.length;
      if (!headChecked && pendingBytes >= headBytes) {
        opts.checkHead!(Buffer.concat(pending).subarray(0, headBytes));
        headChecked = true;
      }
      if (pendingBytes >= BLOB_CHUNK_BYTES) await flush();
    }
    if (!headChecked) opts.checkHead!(Buffer.concat(pending));
    await flush();
    const sha256 = hash.digest('hex');
    await db.updateTable('blobs').set({ size, sha256, complete: true }).where('id', '=', id).execute();
    return { id, size, sha256 };
  } catch (e) {
    await deleteBlob(db, id).catch(() => undefined);
    throw e;
  }
}

/** Writes a blob from buffers produced by the caller (e.g. a ZIP writer), chunk by chunk. */
export class BlobSink {
  readonly id = newId32();
  private readonly hash = createHash('sha256');
  private size = 0;
  private seq = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private started = false;
  private inFlight: Promise<unknown> | undefined;

  constructor(private readonly db: Kysely<DB>) {}

  async write(chunk: Buffer): Promise<void> {
    if (!this.started) {
      await this.db.insertInto('blobs').values({ id: this.id }).execute();
      this.started = true;
    }
    this.hash.update(chunk);
    this.size += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= BLOB_CHUNK_BYTES) await this.flush();
  }

  /** Writes the pending bytes as the next chunk; one chunk may still be on its way meanwhile. */
  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const data = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    const seq = this.seq++;
    await this.inFlight;
    const insert = insertChunk(this.db, 'blob_chunks', this.id, seq, data);
    // Marked as handled now; a failure still surfaces at the next flush or at finish().
    insert.catch(() => undefined);
    this.inFlight = insert;
  }

  async finish(): Promise<BlobInfo> {
    if (!this.started) {
      await this.db.insertInto('blobs').values({ id: this.id }).execute();
      this.started = true;
    }
    await this.flush();
    await this.inFlight;
    const sha256 = this.hash.digest('hex');
    await this.db.updateTable('blobs').set({ size: this.size, sha256, complete: true }).where('id', '=', this.id).execute();
    return { id: this.id, size: this.size, sha256 };
  }

  async abort(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
    if (this.started) await deleteBlob(this.db, this.id).catch(() => undefined);
  }
}

export async function getBlob(db: Db, id: string): Promise<BlobInfo | undefined> {
  const r = await db.selectFrom('blobs').select(['id', 'size', 'sha256']).where('id', '=', id).where('complete', '=', true).executeTakeFirst();
  return r ? { id: r.id, size: Number(r.size), sha256: r.sha256 ?? '' } : undefined;
}

/** The blob's bytes, a chunk (1 MiB) or a few a query. */
export async function* readBlob(db: Db, id: string, chunksPerQuery = 1): AsyncGenerator<Buffer> {
  for (let from = 0; ; from += chunksPerQuery) {
    const chunks = await readChunks(db, 'blob_chunks', id, from, chunksPerQuery);
    yield* chunks;
    if (chunks.length < chunksPerQuery) return;
  }
}

/** The whole blob in memory (only for small blobs). */
export async function readBlobBuffer(db: Db, id: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of readBlob(db, id)) parts.push(c);
  return Buffer.concat(parts);
}

/** Copies the blob into a file (so a ZIP reader can seek in it). */
export async function copyBlobToFile(db: Db, id: string, path: string): Promise<void> {
  const out = createWriteStream(path, { mode: 0o600 });
  try {
    for await (const c of readBlob(db, id)) if (!out.write(c)) await once(out, 'drain');
  } finally {
    out.end();
    await once(out, 'close');
  }
}

/**
 * Deletes a blob: its chunks a few at a time (one statement for all of a large blob's chunks
 * would hold the embedded database's one connection for seconds), then the blob.
 */
export async function deleteBlob(db: Kysely<DB>, id: string): Promise<void> {
  await db.updateTable('blobs').set({ complete: false }).where('id', '=', id).execute();
  await deleteChunks(db, 'blob_chunks', id);
  await db.deleteFrom('blobs').where('id', '=', id).execute();
}
