/**
 * Binary COPY of chunks on PostgreSQL (pg-copy-streams), for chunks.ts. Reading a 1 MiB chunk
 * as a query's answer makes the server encode it as text and this process decode it (base64:
 * ~30 ms of both a MiB here, half of it this process's CPU on the main thread); as `COPY … TO
 * STDOUT (FORMAT binary)` the bytes come as they are stored (~2 ms a MiB). Writing one as
 * `COPY … FROM STDIN` costs about two thirds of an INSERT with the bytes as a parameter.
 * Each COPY runs on a connection of its own from the pool, as one statement, committed alone
 * like the INSERT it replaces.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { ChunkCopy } from './chunks.js';

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

export function postgresChunkCopy(pool: pg.Pool): ChunkCopy {
  return {
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
