import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { newId32 } from '../core/ids.js';
import { deleteBlob, openSmallBlob, readBlob, writeBlob } from './blobs.js';
import { decodeChunkRows, deleteChunks, encodeChunkRow, insertChunk, readChunks } from './chunks.js';

/** Every byte value, then random bytes. */
const bytes = (n: number): Buffer => Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(Math.max(0, n - 256))]).subarray(0, n);

describe('binary COPY rows of chunks', () => {
  it('decodes what a COPY of (seq, data) gives: header, rows, trailer', () => {
    const a = bytes(1000);
    const b = Buffer.alloc(0);
    // (seq, data) rows as PostgreSQL writes them, after the header with an extension of 3 bytes.
    const row = (seq: number, data: Buffer) => {
      const h = Buffer.alloc(14);
      h.writeInt16BE(2, 0);
      h.writeInt32BE(4, 2);
      h.writeInt32BE(seq, 6);
      h.writeInt32BE(data.length, 10);
      return Buffer.concat([h, data]);
    };
    const header = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 3, 9, 9, 9])]);
    const copy = Buffer.concat([header, row(7, a), row(8, b), Buffer.from([0xff, 0xff])]);
    const rows = decodeChunkRows(copy);
    expect(rows.map((r) => r.seq)).toEqual([7, 8]);
    expect(rows[0]!.data.equals(a)).toBe(true);
    expect(rows[1]!.data.length).toBe(0);
    expect(() => decodeChunkRows(copy.subarray(0, copy.length - 20))).toThrow();
    expect(() => decodeChunkRows(Buffer.from('not a copy at all, no'))).toThrow('not a binary COPY');
  });

  it('encodes one (key, seq, data) row between the header and the trailer', () => {
    const data = bytes(300);
    const out = encodeChunkRow('ab'.repeat(16), 5, data);
    expect(out.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
    expect(out.readInt16BE(19)).toBe(3);
    expect(out.readInt32BE(21)).toBe(32);
    expect(out.subarray(25, 57).toString('latin1')).toBe('ab'.repeat(16));
    expect([out.readInt32BE(57), out.readInt32BE(61), out.readInt32BE(65)]).toEqual([4, 5, 300]);
    expect(out.subarray(69, 369).equals(data)).toBe(true);
    expect(out.readInt16BE(369)).toBe(-1);
    expect(out.length).toBe(371);
  });
});

describe('chunks in the database', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it('writes chunks and reads back any range of them, byte for byte', async () => {
    const db = t.database.db;
    const id = newId32();
    await db.insertInto('blobs').values({ id }).execute();
    const chunks = [bytes(70_000), bytes(1), bytes(256), bytes(300_000)];
    for (const [seq, c] of chunks.entries()) await insertChunk(db, 'blob_chunks', id, seq, c);
    const all = await readChunks(db, 'blob_chunks', id, 0, 10);
    expect(all.map((c) => c.toString('hex'))).toEqual(chunks.map((c) => c.toString('hex')));
    const middle = await readChunks(db, 'blob_chunks', id, 1, 2);
    expect(middle.map((c) => c.toString('hex'))).toEqual(chunks.slice(1, 3).map((c) => c.toString('hex')));
    expect(await readChunks(db, 'blob_chunks', id, 4, 2)).toEqual([]);
    await expect(insertChunk(db, 'blob_chunks', id, 1, bytes(5))).rejects.toThrow();
    // A refused COPY leaves no connection in a broken state: what follows works.
    await insertChunk(db, 'blob_chunks', id, 4, bytes(5));
    expect((await readChunks(db, 'blob_chunks', id, 4, 1))[0]!.equals(bytes(5))).toBe(true);
  });

  it('a blob whose source fails part-way leaves no chunk behind (the chunk under way included)', async () => {
    const db = t.database.db;
    const before = await db.selectFrom('blob_chunks').select(db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    async function* failing() {
      for (let i = 0; i < 5; i++) yield bytes(700_000);
      throw new Error('the client went away');
    }
    await expect(writeBlob(db, failing(), { maxBytes: 100 * 1024 * 1024 })).rejects.toThrow('the client went away');
    const after = await db.selectFrom('blob_chunks').select(db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('deletes every chunk of a key, however many, and no other key’s', async () => {
    const db = t.database.db;
    const [a, b] = [newId32(), newId32()];
    await db.insertInto('blobs').values([{ id: a }, { id: b }]).execute();
    for (let seq = 0; seq < 21; seq++) await insertChunk(db, 'blob_chunks', a, seq, bytes(10 + seq));
    await insertChunk(db, 'blob_chunks', b, 0, bytes(10));
    await deleteChunks(db, 'blob_chunks', a);
    const left = await db.selectFrom('blob_chunks').select(['blob_id', 'seq']).where('blob_id', 'in', [a, b]).execute();
    expect(left).toEqual([{ blob_id: b, seq: 0 }]);
  });

  it('a blob of several chunks is written, read back whole and deleted with its chunks', async () => {
    const db = t.database.db;
    const data = bytes(2 * 1024 * 1024 + 12_345);
    async function* pieces() {
      for (let at = 0; at < data.length; at += 100_000) yield data.subarray(at, at + 100_000);
    }
    const info = await writeBlob(db, pieces(), { maxBytes: 10 * 1024 * 1024 });
    expect(info.size).toBe(data.length);
    const parts: Buffer[] = [];
    for await (const c of readBlob(db, info.id)) parts.push(c);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    await deleteBlob(db, info.id);
    expect(await db.selectFrom('blob_chunks').select('seq').where('blob_id', '=', info.id).execute()).toEqual([]);
    expect(await db.selectFrom('blobs').select('id').where('id', '=', info.id).execute()).toEqual([]);
  });

  it('opens a small blob whole, of one chunk or several, and only tells the size of a larger one', async () => {
    const db = t.database.db;
    async function* of(data: Buffer) {
      for (let at = 0; at < data.length; at += 100_000) yield data.subarray(at, at + 100_000);
    }
    for (const n of [0, 5_000, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 - 7]) {
      const data = bytes(n);
      const info = await writeBlob(db, of(data), { maxBytes: 10 * 1024 * 1024 });
      const opened = await openSmallBlob(db, info.id, 4 * 1024 * 1024);
      expect(opened?.size).toBe(n);
      expect(opened?.buffer?.equals(data)).toBe(true);
      expect(await openSmallBlob(db, info.id, n - 1)).toEqual({ size: n });
      await deleteBlob(db, info.id);
      expect(await openSmallBlob(db, info.id, 4 * 1024 * 1024)).toBeUndefined();
    }
  });
});
