/**
 * Binary COPY of chunks on PostgreSQL (pg-copy-streams), for chunks.ts. Reading a 1 MiB chunk
 * as a query's answer makes the server encode it as text and this process decode it (base64:
 * ~30 ms of both a MiB here, half of it this process's CPU on the main thread); as `COPY … TO
 * STDOUT (FORMAT binary)` the bytes come as they are stored (~2 ms a MiB). Writing one as
 * `COPY … FROM STDIN` costs about two thirds of an INSERT with the bytes as a parameter.
 * Each COPY runs on a connection of its own from the pool, as one statement, committed alone
 * like the INSERT it replaces. Many chunks in a row (an upload, a staged file) go through a
 * COPY left open for several rows (openCopyIn).
 */
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { finished, pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { ChunkCopy, CopyInStream } from './chunks.js';

async function onClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    const out = await fn(client);
    client.release();
    return out;
  } catch (e) {
    // A COPY that failed half-way may leave the connection mid-protocol: it is not reused.
    client.release(e instanceof Error ? e : new Error(String(e)));
    throw e;
  }
}

/** A COPY FROM STDIN left open for rows to come, on a connection it holds until it ends. */
async function openCopyIn(pool: pg.Pool, text: string): Promise<CopyInStream> {
  const client = await pool.connect();
  const stream = client.query(copyFrom(text));
  let failure: Error | undefined;
  let released = false;
  const release = (e?: Error) => {
    if (released) return;
    released = true;
    // A COPY that did not end well leaves the connection mid-protocol: it is not reused.
    client.release(e);
  };
  stream.on('error', (e: Error) => {
    failure = e;
    release(e);
  });
  const ended = finished(stream);
  ended.catch(() => undefined); // surfaces in end()
  return {
    async write(bytes) {
      if (failure) throw failure;
      if (!stream.write(bytes)) await Promise.race([once(stream, 'drain'), ended.then(() => undefined)]);
      if (failure) throw failure;
    },
    async end(bytes) {
      if (failure) throw failure;
      stream.end(bytes);
      await ended;
      release();
    },
    fail() {
      const e = new Error('the COPY was abandoned');
      failure ??= e;
      stream.destroy(e);
      release(e);
    },
  };
}

export function postgresChunkCopy(pool: pg.Pool): ChunkCopy {
  return {
    openCopyIn: (text) => openCopyIn(pool, text),
    source: 'STDIN',
    sink: 'STDOUT',
    copyIn: (text, data) => onClient(pool, (client) => pipeline(Readable.from([data]), client.query(copyFrom(text)))),
    copyOut: (text) =>
      onClient(pool, async (client) => {
        const parts: Buffer[] = [];
        for await (const part of client.query(copyTo(text))) parts.push(part as Buffer);
        return Buffer.concat(parts);
      }),
  };
}
