/**
 * Moving binary values (bytea) in and out of the database. node-postgres sends Buffers in
 * binary and is fast as it is; PGlite's parameter path for bytea is about 10× slower than
 * passing the same bytes as base64 text and decoding them in SQL. The database handle
 * chooses the transfer form of writes when it opens (one database per process).
 *
 * Reads come as base64 on both: node-postgres receives bytea as hex text (two characters a
 * byte), and receiving, assembling and decoding a large value happens on the main thread,
 * holding up every other request meanwhile; base64 is a third smaller. The SQL is the same
 * PostgreSQL either way, and either form gives identical results.
 */
import { sql, type RawBuilder } from 'kysely';

let asBase64 = false;

/** Set by openDatabase: true for PGlite. */
export function transferByteaAsBase64(on: boolean): void {
  asBase64 = on;
}

/** A bytea value for an INSERT or UPDATE. */
export const byteaValue = (buf: Buffer | Uint8Array): RawBuilder<Buffer> =>
  asBase64 ? sql<Buffer>`decode(${Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('base64')}, 'base64')` : sql<Buffer>`${buf}`;

/** Selects a bytea column so that `fromBytea` can read it. */
export const selectBytea = (column: string): RawBuilder<unknown> => sql`encode(${sql.ref(column)}, 'base64')`;

/** A bytea value read from the database (Buffer, Uint8Array or base64 text) as a Buffer. */
export function fromBytea(v: unknown): Buffer | null {
  if (v == null) return null;
  if (typeof v === 'string') return Buffer.from(v, 'base64');
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return null;
}
