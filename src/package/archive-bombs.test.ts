/**
 * Memory stays bounded under zip bombs (hostile-archives.md items 6–8): nothing is
 * allocated from a declared size before it is checked, and inflation stops at the first
 * byte past the declared size, on both read paths, from memory and from a file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveError } from './archive-errors.js';
import { GiB, MiB } from './archive-limits.js';
import { openArchive, type ArchiveReader } from './archive-reader.js';
import { deflatedZeros, forgeZip } from './test-zips.js';

const BOMB = 512 * MiB; // what the payload really inflates to
const BOUND = 100 * MiB; // allowed RSS growth
let payload: Buffer;
const dir = mkdtempSync(join(tmpdir(), 'assetport-bomb-'));

beforeAll(async () => {
  payload = await deflatedZeros(BOMB);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rssGrowth(fn: () => Promise<void>): Promise<number> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage().rss) - before;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ArchiveError);
  expect((err as ArchiveError).code).toBe(code);
}

const sources = (name: string, zip: Buffer): [string, () => Promise<ArchiveReader>][] => {
  const path = join(dir, `${name}.zip`);
  writeFileSync(path, zip);
  return [
    ['memory', () => openArchive({ buffer: zip })],
    ['file', () => openArchive({ path })],
  ];
};

describe('zip bombs', () => {
  it('an entry declaring 1,000 bytes that inflates to 512 MiB is refused at byte 1,001 (one-call path)', async () => {
    const zip = forgeZip([{ name: 'bomb.json', method: 8, payload, uncompressedSize: 1000, crc32: 0 }]);
    for (const [, open] of sources('small', zip)) {
      const growth = await rssGrowth(async () => {
        const r = await open();
        await expectCode(r.readBuffer(r.entries[0] as never), 'archive.size_mismatch');
        await r.close();
      });
      expect(growth).toBeLessThan(BOUND);
    }
  });

  it('an entry declaring 2 MiB that inflates to 512 MiB is aborted while streaming', async () => {
    const zip = forgeZip([{ name: 'bomb.bin', method: 8, payload, uncompressedSize: 2 * MiB, crc32: 0 }]);
    for (const [, open] of sources('stream', zip)) {
      const growth = await rssGrowth(async () => {
        const r = await open();
        const e = r.entries[0];
        if (!e) throw new Error('no entry');
        let seen = 0;
        const consume = async (): Promise<void> => {
          for await (const c of await r.openStream(e)) seen += (c as Buffer).length;
        };
        await expectCode(consume(), 'archive.size_mismatch');
        expect(seen).toBeLessThanOrEqual(2 * MiB);
        await expectCode(r.readBuffer(e), 'archive.size_mismatch');
        await r.close();
      });
      expect(growth).toBeLessThan(BOUND);
    }
  });

  it('an entry declaring 4 GiB is refused from the directory, without allocating', async () => {
    const zip = forgeZip([{ name: 'huge.bin', method: 8, payload, zip64: { uncompressedSize: 4n * BigInt(GiB) }, crc32: 0 }]);
    for (const [, open] of sources('huge', zip)) {
      const growth = await rssGrowth(async () => {
        await expectCode(open(), 'archive.entry_too_large');
      });
      expect(growth).toBeLessThan(BOUND);
    }
    // With the size limits raised, the ratio still refuses it.
    await expectCode(openArchive({ buffer: zip }, { maxEntryBytes: 8 * GiB, maxUnpackedBytes: 8 * GiB }), 'archive.ratio');
  });

  it('many entries that together declare more than the total are refused from the directory', async () => {
    const zip = forgeZip(Array.from({ length: 20 }, (_, i) => ({ name: `part${i}`, method: 8, payload, uncompressedSize: 60 * MiB, crc32: 0 })));
    const growth = await rssGrowth(async () => {
      await expectCode(openArchive({ buffer: zip }), 'archive.too_large');
    });
    expect(growth).toBeLessThan(BOUND);
  });
});
