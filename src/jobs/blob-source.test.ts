import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/db.js';
import { newId32 } from '../core/ids.js';
import { writeBlob } from '../store/blobs.js';
import { insertChunk } from '../store/chunks.js';
import { openArchive } from '../package/archive-reader.js';
import { readPackage } from '../package/package-reader.js';
import { writePackage } from '../package/package-writer.js';
import { BlobSource } from './blob-source.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function* pieces(b: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < b.length; at += size) yield b.subarray(at, at + size);
}

async function collect(s: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of s) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

describe('a stored blob read by offset', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it('reads any range and streams any range, across chunk boundaries, byte for byte', async () => {
    const db = t.database.db;
    const bytes = randomBytes(3 * MiB + 12345);
    // Uneven pieces: the blob's chunks are 1 MiB whatever the pieces written.
    const info = await writeBlob(db, pieces(bytes, 100_003), { maxBytes: 10 * MiB });
    const src = await BlobSource.open(db, info.id, info.size);
    expect(src.size).toBe(bytes.length);
    for (const [at, n] of [[0, 10], [MiB - 5, 10], [MiB, MiB], [MiB - 1, 2 * MiB + 2], [bytes.length - 7, 7], [5, 0], [0, bytes.length]] as const) {
      expect((await src.read(at, n)).equals(bytes.subarray(at, at + n)), `read ${at}+${n}`).toBe(true);
    }
    for (const [from, to] of [[0, bytes.length], [MiB + 1, MiB + 2], [10, 3 * MiB], [2 * MiB, 2 * MiB]] as const) {
      expect((await collect(src.stream(from, to))).equals(bytes.subarray(from, to)), `stream ${from}..${to}`).toBe(true);
    }
    await expect(src.read(bytes.length - 1, 2)).rejects.toMatchObject({ code: 'archive.corrupt' });
    await expect(collect(src.stream(0, bytes.length + 1))).rejects.toMatchObject({ code: 'archive.corrupt' });
    await src.close();
  });

  it('refuses a blob whose chunks do not hold its bytes', async () => {
    const db = t.database.db;
    const id = newId32();
    await db.insertInto('blobs').values({ id, size: 30, complete: true }).execute();
    await insertChunk(db, 'blob_chunks', id, 0, randomBytes(10));
    await insertChunk(db, 'blob_chunks', id, 2, randomBytes(20));
    await expect(BlobSource.open(db, id, 30)).rejects.toThrow('chunk 1 is missing');
    await insertChunk(db, 'blob_chunks', id, 1, randomBytes(5));
    await expect(BlobSource.open(db, id, 30)).rejects.toThrow('not 30');
  });

  it('the ZIP reader reads and verifies a package straight from the stored blob', async () => {
    const db = t.database.db;
    const big = randomBytes(2 * MiB + 99);
    const parts: Buffer[] = [];
    await writePackage((c) => void parts.push(Buffer.from(c)), {
      kind: 'api_version',
      source: { org_id: newId32(), org_name: 'o', space_id: newId32(), space_name: 's', kind: 'api_version' },
      keyIds: [],
      assets: [
        { id: 'a'.repeat(24), type: 'File', name: 'big.bin', status: 'enabled', refs: [], content: big },
        { id: 'b'.repeat(24), type: 'File', name: 'small.bin', status: 'enabled', refs: [], content: Buffer.from('small') },
      ],
    });
    const zip = Buffer.concat(parts);
    const info = await writeBlob(db, pieces(zip, 65_536), { maxBytes: 10 * MiB });
    const reader = await openArchive({ source: await BlobSource.open(db, info.id, info.size) });
    const index = await readPackage(reader);
    const file = index.assets.find((a) => a.name === 'big.bin');
    expect(file?.kind).toBe('binary');
    expect(file!.sha256).toBe(sha(big));
    expect((await collect(await (file as { open(): Promise<AsyncIterable<unknown>> }).open())).equals(big)).toBe(true);
    await reader.close();
  });
});
