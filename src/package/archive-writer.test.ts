import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ArchiveError } from './archive-errors.js';
import { openArchive } from './archive-reader.js';
import { ZipWriter, type ZipWriterOptions } from './archive-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'assetport-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hasUnzip = ((): boolean => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

async function build(fill: (w: ZipWriter) => Promise<void>, opts?: ZipWriterOptions): Promise<{ zip: Buffer; chunks: Buffer[] }> {
  const chunks: Buffer[] = [];
  const w = new ZipWriter((c) => {
    chunks.push(Buffer.from(c));
  }, opts);
  await fill(w);
  await w.finish();
  return { zip: Buffer.concat(chunks), chunks };
}

const json = Buffer.from(JSON.stringify({ name: 'pipeline', snaps: Array.from({ length: 40 }, (_, i) => ({ id: i, kind: 'mapper' })) }));
const binary = randomBytes(5000);
const big = Buffer.concat([randomBytes(300_000), Buffer.alloc(1_200_000, 7)]);
const medium = randomBytes(70 * 1024);

async function fillSample(w: ZipWriter): Promise<void> {
  await w.addBuffer('assets/Pipeline/0123456789abcdef01234567.json', json);
  await w.addBuffer('files/', Buffer.alloc(0));
  await w.addBuffer('files/aaaaaaaaaaaaaaaaaaaaaaaa', binary);
  await w.addBuffer('empty.txt', Buffer.alloc(0));
  await w.addBuffer('expressions/cafe\u0301.expr', Buffer.from('lib.x = 1'));
  await w.addStream('files/bbbbbbbbbbbbbbbbbbbbbbbb', Readable.from([big.subarray(0, 1000), big.subarray(1000)]));
  await w.addStream('files/cccccccccccccccccccccccc', Readable.from([medium]));
  await w.addStream('files/dddddddddddddddddddddddd', Readable.from([]));
}

describe('ZipWriter', () => {
  it('round-trips through the hardened reader, on both read paths', async () => {
    const { zip } = await build(fillSample);
    for (const streamThreshold of [undefined, 64 * 1024, 1]) {
      const r = await openArchive({ buffer: zip }, undefined, { streamThreshold });
      expect(r.entries.map((e) => e.name)).toEqual([
        'assets/Pipeline/0123456789abcdef01234567.json',
        'files/',
        'files/aaaaaaaaaaaaaaaaaaaaaaaa',
        'empty.txt',
        'expressions/caf\u00e9.expr',
        'files/bbbbbbbbbbbbbbbbbbbbbbbb',
        'files/cccccccccccccccccccccccc',
        'files/dddddddddddddddddddddddd',
      ]);
      const get = async (n: string): Promise<Buffer> => r.readBuffer(r.get(n) as never);
      expect(await get('assets/Pipeline/0123456789abcdef01234567.json')).toEqual(json);
      expect(r.get('assets/Pipeline/0123456789abcdef01234567.json')?.method).toBe(8);
      expect(await get('files/aaaaaaaaaaaaaaaaaaaaaaaa')).toEqual(binary);
      expect(r.get('files/aaaaaaaaaaaaaaaaaaaaaaaa')?.method).toBe(0); // random bytes: deflate did not help
      expect(await get('empty.txt')).toEqual(Buffer.alloc(0));
      expect((await get('expressions/café.expr')).toString()).toBe('lib.x = 1');
      expect((await get('files/bbbbbbbbbbbbbbbbbbbbbbbb')).equals(big)).toBe(true);
      expect(await get('files/cccccccccccccccccccccccc')).toHaveLength(70 * 1024);
      expect(await get('files/dddddddddddddddddddddddd')).toHaveLength(0);
      const parts: Buffer[] = [];
      for await (const c of await r.openStream(r.get('files/bbbbbbbbbbbbbbbbbbbbbbbb') as never)) parts.push(c as Buffer);
      expect(Buffer.concat(parts).equals(big)).toBe(true);
      await r.close();
    }
  });

  it.skipIf(!hasUnzip)('writes archives that `unzip -t` accepts, with UTF-8 names', async () => {
    const { zip } = await build(fillSample);
    const path = join(dir, 'sample.zip');
    writeFileSync(path, zip);
    const out = execFileSync('unzip', ['-t', path], { encoding: 'utf8' });
    expect(out).toMatch(/No errors detected/);
    const names = execFileSync('unzip', ['-Z1', path], { encoding: 'utf8' }).trim().split('\n');
    expect(names).toContain('expressions/café.expr');
    expect(execFileSync('unzip', ['-p', path, 'files/bbbbbbbbbbbbbbbbbbbbbbbb'], { maxBuffer: 10 * 1024 * 1024 }).equals(big)).toBe(true);
  });

  it('round-trips 2,000 small entries (also through `unzip -t` when present)', async () => {
    const bodies = Array.from({ length: 2000 }, (_, i) => Buffer.from(JSON.stringify({ i, name: `asset-${i}`, pad: 'x'.repeat(i % 300) })));
    const { zip } = await build(async (w) => {
      for (const [i, b] of bodies.entries()) await w.addBuffer(`assets/Task/${i.toString(16).padStart(24, '0')}.json`, b);
    });
    const r = await openArchive({ buffer: zip });
    expect(r.entries).toHaveLength(2000);
    for (const [i, e] of r.entries.entries()) expect((await r.readBuffer(e)).equals(bodies[i] as Buffer)).toBe(true);
    await r.close();
    if (hasUnzip) {
      const path = join(dir, 'many.zip');
      writeFileSync(path, zip);
      expect(execFileSync('unzip', ['-tq', path], { encoding: 'utf8' })).toMatch(/No errors detected/);
    }
  });

  it('hands a function sink chunks of at least chunkSize (except the last)', async () => {
    const { zip, chunks } = await build(fillSample, { chunkSize: 64 * 1024 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks.slice(0, -1)) expect(c.length).toBeGreaterThanOrEqual(64 * 1024);
    const r = await openArchive({ buffer: zip });
    expect(r.entries).toHaveLength(8);
    await r.close();
  });

  it('writes the same bytes to a slow Writable (backpressure) and ends it', async () => {
    const date = new Date('2024-05-01T12:00:00Z');
    const { zip: expected } = await build(fillSample, { date });
    const got: Buffer[] = [];
    let ended = false;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb): void {
        got.push(chunk);
        setTimeout(cb, 1);
      },
      final(cb): void {
        ended = true;
        cb();
      },
    });
    const w = new ZipWriter(slow, { date, chunkSize: 4096 });
    await fillSample(w);
    await w.finish();
    expect(ended).toBe(true);
    expect(Buffer.concat(got).equals(expected)).toBe(true);
  });

  it('serves as a Readable through a PassThrough (e.g. an HTTP response)', async () => {
    const pass = new PassThrough();
    const w = new ZipWriter(pass);
    const collected = (async (): Promise<Buffer> => {
      const parts: Buffer[] = [];
      for await (const c of pass) parts.push(c as Buffer);
      return Buffer.concat(parts);
    })();
    await fillSample(w);
    await w.finish();
    const r = await openArchive({ buffer: await collected });
    expect(r.entries).toHaveLength(8);
    await r.close();
  });

  it('is deterministic for a given date', async () => {
    const date = new Date('2030-01-02T03:04:06Z');
    const a = await build(async (w) => w.addBuffer('a.json', json).then(() => undefined), { date });
    const b = await build(async (w) => w.addBuffer('a.json', json).then(() => undefined), { date });
    expect(a.zip.equals(b.zip)).toBe(true);
  });

  it('refuses names the reader would refuse, and then stays failed', async () => {
    for (const [name, code] of [
      ['../x', 'archive.unsafe_name'],
      ['/abs', 'archive.unsafe_name'],
      ['a\u0000b', 'archive.unsafe_name'],
      ['CON', 'archive.unsafe_name'],
      ['x'.repeat(1025), 'archive.unsafe_name'],
    ] as const) {
      const w = new ZipWriter(() => undefined);
      const err = await w.addBuffer(name, Buffer.from('1')).catch((e: unknown) => e);
      expect((err as ArchiveError).code).toBe(code);
      await expect(w.finish()).rejects.toBe(err);
    }
    for (const [a, b] of [['a', 'a'], ['a', 'A'], ['caf\u00e9', 'cafe\u0301'], ['d', 'd/']]) {
      const w = new ZipWriter(() => undefined);
      await w.addBuffer(a as string, Buffer.alloc(0));
      const err = await w.addBuffer(b as string, Buffer.alloc(0)).catch((e: unknown) => e);
      expect((err as ArchiveError).code).toBe('archive.duplicate_name');
    }
  });

  it('refuses data on a folder entry and use after finish', async () => {
    const w = new ZipWriter(() => undefined);
    await expect(w.addBuffer('d/', Buffer.from('x'))).rejects.toThrow(TypeError);
    const w2 = new ZipWriter(() => undefined);
    await w2.finish();
    await expect(w2.addBuffer('a', Buffer.alloc(0))).rejects.toThrow(/finished/);
  });

  it('refuses more than 65,535 entries (no zip64)', async () => {
    const w = new ZipWriter(() => undefined, { chunkSize: 1 << 22 });
    const empty = Buffer.alloc(0);
    for (let i = 0; i < 65_535; i++) await w.addBuffer(`f${i}`, empty);
    const err = await w.addBuffer('one-more', empty).catch((e: unknown) => e);
    expect((err as ArchiveError).code).toBe('archive.too_many_entries');
  }, 30_000);

  it('propagates a failing source stream', async () => {
    const w = new ZipWriter(() => undefined);
    const failing = (async function* (): AsyncGenerator<Buffer> {
      yield Buffer.from('a');
      throw new Error('source broke');
    })();
    await expect(w.addStream('x', failing)).rejects.toThrow('source broke');
  });

  it('writes a large incompressible buffer stored, without holding on to it', async () => {
    const data = randomBytes(600_000);
    const { zip, chunks } = await build(async (w) => {
      await w.addBuffer('small', Buffer.from('s'));
      const e = await w.addBuffer('files/big', data);
      expect(e.method).toBe(0);
      await w.addBuffer('after', Buffer.from('a'));
    });
    expect(chunks.some((c) => c.length === data.length)).toBe(true); // handed to the sink as is
    const r = await openArchive({ buffer: zip });
    expect((await r.readBuffer(r.get('files/big') as never)).equals(data)).toBe(true);
    expect((await r.readBuffer(r.get('after') as never)).toString()).toBe('a');
    await r.close();
  });

  it('stores a large buffer whose first bytes do not compress without deflating the rest', async () => {
    // Random first 256 KiB, then 1 MiB of 16 letters that deflate would halve.
    const letters = (n: number): Buffer => Buffer.from(randomBytes(n).map((b) => 97 + (b & 15)));
    const data = Buffer.concat([randomBytes(256 * 1024), letters(1024 * 1024)]);
    const { zip } = await build(async (w) => {
      expect((await w.addBuffer('mixed', data)).method).toBe(0);
      // The same size that compresses from its start is deflated.
      expect((await w.addBuffer('letters', letters(data.length))).method).toBe(8);
    });
    const r = await openArchive({ buffer: zip });
    expect((await r.readBuffer(r.get('mixed') as never)).equals(data)).toBe(true);
    await r.close();
  });

  it('output written to a file is readable from the file', async () => {
    const { zip } = await build(fillSample);
    const path = join(dir, 'file.zip');
    writeFileSync(path, zip);
    expect(readFileSync(path).equals(zip)).toBe(true);
    const r = await openArchive({ path });
    expect((await r.readBuffer(r.get('files/bbbbbbbbbbbbbbbbbbbbbbbb') as never)).equals(big)).toBe(true);
    await r.close();
  });
});
