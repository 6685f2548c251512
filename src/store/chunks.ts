/**
 * The chunk tables (blob_chunks: uploads and export archives; content_blob_chunks: large
 * file contents) written, read and deleted as bulk work (bulk-lane.ts). A chunk moves as
 * binary COPY, one statement a chunk (or a few, read): on the embedded database through
 * `/dev/blob`, where writing a 1 MiB chunk costs the database about a third of an INSERT of
 * its base64 text decoded in SQL and reading it about a third of selecting it as base64, so
 * the statement holds the one connection for that much less; on PostgreSQL through
 * STDIN/STDOUT (pg-copy.ts). Inside a transaction they are ordinary statements.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from './schema.js';
import { asBulk } from './bulk-lane.js';
import { byteaValue, fromBytea, selectBytea } from './bytea.js';

type Db = Kysely<DB> | Transaction<DB>;

export type ChunkTable = 'blob_chunks' | 'content_blob_chunks';
const KEY = { blob_chunks: 'blob_id', content_blob_chunks: 'sha256' } as const;
/** Blob ids (32) and content hashes (64): lower-case hex, checked before they are written into a COPY statement. */
const KEY_SHAPE = /^(?:[0-9a-f]{32}|[0-9a-f]{64})$/;

/** A database's binary COPY of chunks. */
export interface ChunkCopy {
  /** What a COPY statement reads from: `STDIN`, or the embedded database's `'/dev/blob'`. */
  readonly source: string;
  /** What a COPY statement writes to: `STDOUT`, or `'/dev/blob'`. */
  readonly sink: string;
  copyIn(sql: string, data: Uint8Array): Promise<void>;
  copyOut(sql: string): Promise<Uint8Array>;
}

const copies = new WeakMap<object, ChunkCopy>();

/** Set by openDatabase for the database's handle. */
export function useCopyFor(db: Kysely<DB>, copy: ChunkCopy): void {
  copies.set(db, copy);
}

// A transaction's handle has no entry: inside one, chunks go through the transaction's statements.
const copyOf = (db: Db): ChunkCopy | undefined => copies.get(db);

function checkedKey(key: string): string {
  if (!KEY_SHAPE.test(key)) throw new Error(`not a chunk key: ${JSON.stringify(key)}`);
  return key;
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** One row (key, seq, data) in PostgreSQL's binary COPY format, with its header and trailer. */
export function encodeChunkRow(key: string, seq: number, data: Uint8Array): Buffer {
  const k = Buffer.from(key, 'latin1');
  const out = Buffer.allocUnsafe(SIGNATURE.length + 8 + 2 + 4 + k.length + 8 + 4 + data.length + 2);
  let at = SIGNATURE.copy(out, 0);
  at = out.writeInt32BE(0, at); // flags
  at = out.writeInt32BE(0, at); // header extension length
  at = out.writeInt16BE(3, at);
  at = out.writeInt32BE(k.length, at);
  at += k.copy(out, at);
  at = out.writeInt32BE(4, at);
  at = out.writeInt32BE(seq, at);
  at = out.writeInt32BE(data.length, at);
  at += Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, at);
  out.writeInt16BE(-1, at);
  return out;
}

/** The rows of a binary COPY of (seq integer, data bytea), as views of `bytes`. */
export function decodeChunkRows(bytes: Uint8Array): Array<{ seq: number; data: Buffer }> {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < SIGNATURE.length + 8 || !b.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a binary COPY');
  let at = SIGNATURE.length + 8 + b.readInt32BE(SIGNATURE.length + 4);
  const rows: Array<{ seq: number; data: Buffer }> = [];
  for (;;) {
    const fields = b.readInt16BE(at);
    at += 2;
    if (fields === -1) return rows;
    if (fields !== 2 || b.readInt32BE(at) !== 4) throw new Error('unexpected row in a binary COPY of chunks');
    const seq = b.readInt32BE(at + 4);
    const len = b.readInt32BE(at + 8);
    at += 12;
    if (len < 0 || at + len > b.length) throw new Error('truncated binary COPY of chunks');
    rows.push({ seq, data: b.subarray(at, at + len) });
    at += len;
  }
}

/** Writes one chunk. */
export function insertChunk(db: Kysely<DB>, table: ChunkTable, key: string, seq: number, data: Uint8Array): Promise<void> {
  return asBulk(async () => {
    const copy = copyOf(db);
    if (copy) await copy.copyIn(`COPY ${table} (${KEY[table]}, seq, data) FROM ${copy.source} WITH (FORMAT binary)`, encodeChunkRow(checkedKey(key), seq, data));
    else await sql`INSERT INTO ${sql.table(table)} (${sql.ref(KEY[table])}, seq, data) VALUES (${key}, ${seq}, ${byteaValue(data)})`.execute(db);
  });
}

/** The chunks numbered from `from` to `from + count - 1` that exist, in order. */
export function readChunks(db: Db, table: ChunkTable, key: string, from: number, count: number): Promise<Buffer[]> {
  return asBulk(async () => {
    const copy = copyOf(db);
    if (copy) {
      const k = checkedKey(key);
      const out = await copy.copyOut(`COPY (SELECT seq, data FROM ${table} WHERE ${KEY[table]} = '${k}' AND seq >= ${from | 0} AND seq < ${(from + count) | 0} ORDER BY seq) TO ${copy.sink} WITH (FORMAT binary)`);
      return decodeChunkRows(out).map((r) => r.data);
    }
    const r = await sql<{ data: unknown }>`
      SELECT ${selectBytea('data')} AS data FROM ${sql.table(table)}
      WHERE ${sql.ref(KEY[table])} = ${key} AND seq >= ${from} AND seq < ${from + count} ORDER BY seq`.execute(db);
    return r.rows.map((x) => fromBytea(x.data)!);
  });
}

/**
 * Chunks a statement when deleting: the embedded database deletes about a MiB in 5 ms, so
 * one statement for a 1 GiB blob held its connection for some 5 s.
 */
const DELETE_BATCH = 4;

/**
 * Deletes the chunks of `key`, a few a statement by their numbers, so that no one statement
 * holds the database for long (each finds its rows by the key's index, not past the ones
 * deleted before it).
 */
export function deleteChunks(db: Kysely<DB>, table: ChunkTable, key: string): Promise<void> {
  return asBulk(async () => {
    const r = await sql<{ last: number | null }>`SELECT max(seq) AS last FROM ${sql.table(table)} WHERE ${sql.ref(KEY[table])} = ${key}`.execute(db);
    const last = r.rows[0]?.last ?? -1;
    for (let from = 0; from <= last; from += DELETE_BATCH) {
      await sql`DELETE FROM ${sql.table(table)} WHERE ${sql.ref(KEY[table])} = ${key} AND seq >= ${from} AND seq < ${from + DELETE_BATCH}`.execute(db);
    }
  });
}
