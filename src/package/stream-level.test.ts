import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openArchive } from './archive-reader.js';
import { ZipWriter } from './archive-writer.js';
import { levelFor, peekFirst } from './stream-level.js';

const text = Buffer.from(Array.from({ length: 4000 }, (_, i) => `line ${i}: the quick brown fox\n`).join(''));

describe('the deflate level of a streamed entry', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is 0 for bytes deflate cannot shrink, the configured level for bytes it can, and for samples too small to say', () => {
    expect(levelFor(randomBytes(300_000), 6)).toBe(0);
    expect(levelFor(text, 6)).toBe(6);
    expect(levelFor(text, 1)).toBe(1);
    expect(levelFor(randomBytes(1000), 6)).toBe(6);
    expect(levelFor(new Uint8Array(), 6)).toBe(6);
    expect(levelFor(randomBytes(300_000), 0)).toBe(0);
  });

  it('peeking at the first piece leaves the stream whole', async () => {
    const pieces = [Buffer.from('a'), Buffer.from('bc'), Buffer.from('def')];
    const { first, all } = await peekFirst(Readable.from(pieces));
    expect(first).toEqual(pieces[0]);
    const read: Buffer[] = [];
    for await (const p of all) read.push(p as Buffer);
    expect(Buffer.concat(read).toString()).toBe('abcdef');
    const empty = await peekFirst(Readable.from([]));
    expect(empty.first).toBeUndefined();
    for await (const _ of empty.all) throw new Error('an empty stream has nothing to read');
  });

  it('the writer deflates a random stream at level 0 and a text stream at its level; both read back byte for byte', async () => {
    const levels: Array<number | undefined> = [];
    const real = zlib.createDeflateRaw;
    vi.spyOn(zlib, 'createDeflateRaw').mockImplementation((o?: zlib.ZlibOptions) => {
      levels.push(o?.level);
      return real(o);
    });
    const random = randomBytes(600_000);
    const chunks: Buffer[] = [];
    const w = new ZipWriter((c) => void chunks.push(Buffer.from(c)), { level: 6 });
    await w.addStream('files/random', Readable.from([random.subarray(0, 300_000), random.subarray(300_000)]));
    await w.addStream('files/text', Readable.from([text]));
    await w.finish();
    expect(levels).toEqual([0, 6]);
    const r = await openArchive({ buffer: Buffer.concat(chunks) });
    expect((await r.readBuffer(r.get('files/random') as never)).equals(random)).toBe(true);
    expect((await r.readBuffer(r.get('files/text') as never)).equals(text)).toBe(true);
    expect(r.get('files/text')!.compressedSize).toBeLessThan(text.length / 5);
    await r.close();
  });
});
