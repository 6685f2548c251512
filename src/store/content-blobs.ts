/**
 * Large file contents, stored once per content (keyed by SHA-256) as numbered chunks.
 * An import stages them BEFORE its transaction, each chunk its own short statement, so the
 * transaction only writes references and other requests get the database between chunks
 * (the embedded database has one connection). A job records what it staged
 * (content_blob_stages); once the job is over, staged contents that no asset or revision
 * refers to are deleted. Nothing holds a whole file in memory.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from './schema.js';
import { asBulk } from './bulk-lane.js';
import { deleteChunks, insertChunk, readChunks } from './chunks.js';

type Db = Kysely<DB> | Transaction<DB>;

/** Bytes a chunk: small enough that one statement never holds the connection for long. */
const CONTENT_CHUNK_BYTES = 1024 * 1024;

export interface ContentExpectation { sha256: string; size: number }

/** The bytes read were not the bytes promised (size or SHA-256). */
export class ContentMismatchError extends Error {
  constructor(readonly expected: ContentExpectation, readonly actual: ContentExpectation) {
    super(`content ${expected.sha256} (${expected.size} bytes) read as ${actual.sha256} (${actual.size} bytes)`);
  }
}

/** Takes the writing of the content, unless it is complete or another live job writes it. */
async function claim(db: Kysely<DB>, jobId: string, c: ContentExpectation): Promise<'write' | 'complete' | 'busy'> {
  const r = await sql<{ sha256: string }>`
    INSERT INTO content_blobs (sha256, size, writer) VALUES (${c.sha256}, ${c.size}, ${jobId})
    ON CONFLICT (sha256) DO UPDATE SET writer = EXCLUDED.writer, size = EXCLUDED.size
      WHERE NOT content_blobs.complete
        AND (content_blobs.writer IS NULL OR content_blobs.writer = EXCLUDED.writer
             OR NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = content_blobs.writer AND j.state = 'RUNNING' AND j.lease_expires_at > now()))
    RETURNING sha256`.execute(db);
  if (r.rows.length) return 'write';
  const row = await db.selectFrom('content_blobs').select('complete').where('sha256', '=', c.sha256).executeTakeFirst();
  return row?.complete ? 'complete' : 'busy';
}

/** Writes the stream as the content's chunks, checking size and SHA-256; one chunk in flight while the next is read. */
async function writeChunks(db: Kysely<DB>, c: ContentExpectation, source: AsyncIterable<Buffer | Uint8Array>, o: StageOptions): Promise<void> {
  await deleteChunks(db, 'content_blob_chunks', c.sha256);
  const hash = createHash('sha256');
  let size = 0;
  let seq = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let inFlight: Promise<unknown> | undefined;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    const n = pendingBytes;
    pending = [];
    pendingBytes = 0;
    await inFlight;
    const insert = insertChunk(db, 'content_blob_chunks', c.sha256, seq++, data).then(() => o.onBytes?.(n));
    insert.catch(() => undefined); // surfaces at the next flush or below
    inFlight = insert;
  };
  try {
    for await (const piece of source) {
      o.signal?.throwIfAborted();
      const buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
      hash.update(buf);
      size += buf.length;
      for (let at = 0; at < buf.length; ) {
        const take = Math.min(buf.length - at, CONTENT_CHUNK_BYTES - pendingBytes);
        pending.push(buf.subarray(at, at + take));
        pendingBytes += take;
        at += take;
        if (pendingBytes >= CONTENT_CHUNK_BYTES) await flush();
      }
    }
    await flush();
  } finally {
    // Nothing of this write is still on its way once this returns or throws.
    await inFlight?.catch(() => undefined);
  }
  await inFlight;
  const actual = { sha256: hash.digest('hex'), size };
  if (actual.sha256 !== c.sha256 || actual.size !== c.size) throw new ContentMismatchError(c, actual);
}

export interface StageOptions {
  signal?: AbortSignal;
  /** Told of each chunk written (its byte count). */
  onBytes?: (n: number) => void;
  /** How long to wait between looks when another job is writing the same content. */
  pollMs?: number;
}

/**
 * Makes the content stored and complete for this job: records the stage first (so no
 * clean-up deletes it meanwhile), then writes it unless it is already stored (the same
 * bytes are stored once). Throws ContentMismatchError when the stream is not the content.
 */
export async function stageContent(db: Kysely<DB>, jobId: string, c: ContentExpectation, open: () => Promise<AsyncIterable<Buffer | Uint8Array>>, o: StageOptions = {}): Promise<void> {
  await sql`INSERT INTO content_blob_stages (job_id, sha256) VALUES (${jobId}, ${c.sha256}) ON CONFLICT DO NOTHING`.execute(db);
  for (;;) {
    o.signal?.throwIfAborted();
    const state = await claim(db, jobId, c);
    if (state === 'complete') {
      o.onBytes?.(c.size);
      return;
    }
    if (state === 'busy') {
      await sleep(o.pollMs ?? 250);
      continue;
    }
    try {
      await writeChunks(db, c, await open(), o);
    } catch (e) {
      await db.deleteFrom('content_blobs').where('sha256', '=', c.sha256).where('writer', '=', jobId).where('complete', '=', false).execute().catch(() => undefined);
      throw e;
    }
    await db.updateTable('content_blobs').set({ complete: true, writer: null }).where('sha256', '=', c.sha256).where('writer', '=', jobId).execute();
    return;
  }
}

/**
 * Inside the import's transaction: locks the staged contents against deletion until it
 * ends; returns the hashes that are not (or no longer) stored complete.
 */
export async function lockStagedContents(trx: Transaction<DB>, hashes: readonly string[]): Promise<string[]> {
  if (hashes.length === 0) return [];
  const r = await sql<{ sha256: string }>`SELECT sha256 FROM content_blobs WHERE sha256 = ANY(${[...hashes]}::text[]) AND complete FOR KEY SHARE`.execute(trx);
  const have = new Set(r.rows.map((x) => x.sha256));
  return hashes.filter((h) => !have.has(h));
}

/** Deletes the contents among `hashes` that nothing refers to or stages; one statement each, a failure skips that one. */
export async function deleteUnreferencedContents(db: Kysely<DB>, hashes: readonly string[]): Promise<number> {
  let deleted = 0;
  for (const h of hashes) {
    try {
      // One statement (its chunks go with it), so nothing can come to refer to it halfway; bulk work.
      const r = await asBulk(() =>
        sql`
        DELETE FROM content_blobs b WHERE b.sha256 = ${h}
          AND NOT EXISTS (SELECT 1 FROM assets a WHERE a.content_blob = b.sha256)
          AND NOT EXISTS (SELECT 1 FROM asset_revisions r WHERE r.content_blob = b.sha256)
          AND NOT EXISTS (SELECT 1 FROM content_blob_stages s WHERE s.sha256 = b.sha256)`.execute(db),
      );
      deleted += Number(r.numAffectedRows ?? 0);
    } catch {
      // Referred to by a write that committed meanwhile: it stays.
    }
  }
  return deleted;
}

/** The job is over: its stages go, and what it staged that nothing refers to is deleted. Returns how many it had staged. */
export async function releaseStagedContents(db: Kysely<DB>, jobId: string): Promise<number> {
  const r = await db.deleteFrom('content_blob_stages').where('job_id', '=', jobId).returning('sha256').execute();
  await deleteUnreferencedContents(db, r.map((x) => x.sha256));
  return r.length;
}

/**
 * Removes stages of jobs that are no longer running (a worker that died) and every stored
 * content that nothing refers to (e.g. after a space was deleted). Returns how many went.
 */
export async function sweepContents(db: Kysely<DB>): Promise<number> {
  await sql`
    DELETE FROM content_blob_stages s WHERE NOT EXISTS (
      SELECT 1 FROM jobs j WHERE j.id = s.job_id AND (j.state = 'QUEUED' OR (j.state = 'RUNNING' AND j.lease_expires_at > now())))`.execute(db);
  const r = await sql<{ sha256: string }>`
    SELECT b.sha256 FROM content_blobs b
    WHERE NOT EXISTS (SELECT 1 FROM assets a WHERE a.content_blob = b.sha256)
      AND NOT EXISTS (SELECT 1 FROM asset_revisions r WHERE r.content_blob = b.sha256)
      AND NOT EXISTS (SELECT 1 FROM content_blob_stages s WHERE s.sha256 = b.sha256)`.execute(db);
  return deleteUnreferencedContents(db, r.rows.map((x) => x.sha256));
}

/** The content's bytes, a few chunks per query. */
export async function* readContent(db: Db, sha256: string, chunksPerQuery = 2): AsyncGenerator<Buffer> {
  for (let from = 0; ; from += chunksPerQuery) {
    const chunks = await readChunks(db, 'content_blob_chunks', sha256, from, chunksPerQuery);
    yield* chunks;
    if (chunks.length < chunksPerQuery) return;
  }
}

/** The whole content in memory (for the single-asset content route). */
export async function readContentBuffer(db: Db, sha256: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of readContent(db, sha256)) parts.push(c);
  return Buffer.concat(parts);
}
