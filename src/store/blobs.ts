/**
 * Blobs (uploaded packages, export archives) stored in PostgreSQL as numbered chunks, so
 * every process sees them and a job can run on any worker. Written and read as streams:
 * nothing holds a whole blob in memory.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { sql, type Kysely, type Transaction } from 'kysely';
import { DomainError } from '../core/errors.js';
import { newId32 } from '../core/ids.js';
import { bytesPhrase } from '../core/phrases.js';
import type { DB } from './schema.js';
import { deleteChunks, insertChunk, readChunks } from './chunks.js';
import { byteaValue, fromBytea, selectBytea } from './bytea.js';

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

/**
 * A whole blob of at most one chunk, complete, in one statement (with its chunk unless it
 * is empty). It commits without waiting for the flush to disk (synchronous_commit off for
 * its own transaction): an upload is acknowledged only once its job's row is committed,
 * synchronously, and that commit flushes the log up to itself, this blob included.
 */
async function insertWholeBlob(db: Kysely<DB>, id: string, data: Buffer, sha256: string): Promise<void> {
  await sql`
    WITH no_flush_wait AS (SELECT set_config('synchronous_commit', 'off', true)),
    b AS (INSERT INTO blobs (id, size, sha256, complete) VALUES (${id}, ${data.length}, ${sha256}, true) RETURNING id)
    INSERT INTO blob_chunks (blob_id, seq, data) SELECT id, 0, ${byteaValue(data)} FROM b, no_flush_wait WHERE ${data.length} > 0`.execute(db);
}

/**
 * Streams `source` into a new blob, hashing and counting; the blob is complete only when
 * this resolves. A blob of one chunk (up to 1 MiB: most uploaded packages) is written in
 * one statement at the end; a larger one chunk by chunk as it comes. An upload is stored
 * this way and then handed to a job, whose synchronous commit makes the blob durable
 * before the upload is acknowledged (see insertWholeBlob).
 */
export async function writeBlob(db: Kysely<DB>, source: AsyncIterable<Buffer | Uint8Array>, opts: BlobWriteOptions): Promise<BlobInfo> {
  // The first chunk's bytes are held until the blob turns out larger (then a BlobSink writes it all).
  const first: Buffer[] = [];
  let firstBytes = 0;
  let size = 0;
  let sink: BlobSink | undefined;
  let headChecked = !opts.checkHead;
  const headBytes = opts.headBytes ?? 4;
  try {
    for await (const piece of source) {
      const buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
      size += buf.length;
      if (size > opts.maxBytes) throw new BlobTooLargeError(opts.maxBytes);
      if (sink) {
        await sink.write(buf);
        continue;
      }
      first.push(buf);
      firstBytes += buf.length;
      if (!headChecked && firstBytes >= headBytes) {
        opts.checkHead!(Buffer.concat(first).subarray(0, headBytes));
        headChecked = true;
      }
      if (firstBytes >= BLOB_CHUNK_BYTES) {
        sink = new BlobSink(db);
        for (const b of first.splice(0)) await sink.write(b);
      }
    }
    if (sink) return await sink.finish();
    const data = Buffer.concat(first, firstBytes);
    if (!headChecked) opts.checkHead!(data);
    const blob = { id: newId32(), size, sha256: createHash('sha256').update(data).digest('hex') };
    await insertWholeBlob(db, blob.id, data, blob.sha256);
    return blob;
  } catch (e) {
    await sink?.abort();
    throw e;
  }
}

/** Writes a blob from buffers produced by the caller (e.g. a ZIP writer, an upload), chunk by chunk; one chunk is written while the next comes. */
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

/** The blob's bytes from chunk `firstChunk` on, a chunk (1 MiB) or a few a query. */
export async function* readBlob(db: Db, id: string, chunksPerQuery = 1, firstChunk = 0): AsyncGenerator<Buffer> {
  for (let from = firstChunk; ; from += chunksPerQuery) {
    const chunks = await readChunks(db, 'blob_chunks', id, from, chunksPerQuery);
    yield* chunks;
    if (chunks.length < chunksPerQuery) return;
  }
}

/** How many chunks `openSmallBlob` reads with the blob's size: one round trip for a blob of up to 1 MiB. */
const FIRST_READ_CHUNKS = 1;

/**
 * A complete blob's size and, when it is at most `maxBytes`, its bytes: the size and the
 * first chunk come in one query (one round trip for an upload of up to 1 MiB), the rest a
 * chunk per query. Undefined when there is no such complete blob.
 */
export async function openSmallBlob(db: Db, id: string, maxBytes: number): Promise<{ size: number; buffer?: Buffer } | undefined> {
  const rows = await sql<{ size: string; seq: number | null; data: unknown }>`
    SELECT b.size::text AS size, c.seq, ${selectBytea('c.data')} AS data
    FROM blobs b LEFT JOIN blob_chunks c ON c.blob_id = b.id AND b.size <= ${maxBytes} AND c.seq < ${FIRST_READ_CHUNKS}
    WHERE b.id = ${id} AND b.complete
    ORDER BY c.seq`.execute(db);
  const first = rows.rows[0];
  if (!first) return undefined;
  const size = Number(first.size);
  if (size > maxBytes) return { size };
  const parts = rows.rows.filter((r) => r.seq !== null).map((r) => fromBytea(r.data)!);
  // The rest, if the first chunks did not hold the whole blob.
  if (parts.reduce((n, p) => n + p.length, 0) < size) for await (const c of readBlob(db, id, 1, FIRST_READ_CHUNKS)) parts.push(c);
  return { size, buffer: Buffer.concat(parts) };
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

/**
 * Deletes the blobs among `ids` of at most one chunk (most uploaded packages) in one
 * statement — inside a transaction too — and returns the others, for deleteBlob.
 */
export async function deleteSmallBlobs(db: Db, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const gone = await db.deleteFrom('blobs').where('id', 'in', ids).where(sql<boolean>`size <= ${BLOB_CHUNK_BYTES}`).returning('id').execute();
  const deleted = new Set(gone.map((r) => r.id));
  return ids.filter((id) => !deleted.has(id));
}

/** Deletes these blobs: the small ones in one statement, each larger one chunk by chunk. */
export async function deleteBlobs(db: Kysely<DB>, ids: readonly string[]): Promise<void> {
  for (const id of await deleteSmallBlobs(db, ids)) await deleteBlob(db, id);
}
