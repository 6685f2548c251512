/**
 * Verifying many documents on threads gives exactly what verifying them here gives, bad
 * documents included, in order; and a thread that goes away loses nothing.
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JsonEntryOutcome } from './entry-check.js';
import { JsonVerifier, type JsonEntryTask } from './package-work.js';
import { closePackageThreads, defaultPackageThreads, packageThreads, poolStats, setPackageThreads } from './thread-pool.js';

/** Each task's outcome, in order. */
async function checkJsonEntries(tasks: readonly JsonEntryTask[]): Promise<JsonEntryOutcome[]> {
  const v = new JsonVerifier(tasks.length);
  for (const t of tasks) v.add(t);
  return v.finish();
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function task(i: number, doc: Buffer, tweak: Partial<JsonEntryTask['facts']> = {}): JsonEntryTask {
  const raw = zlib.deflateRawSync(doc);
  return { raw, facts: { name: `assets/Pipeline/${i}.json`, method: 8, compressedSize: raw.length, uncompressedSize: doc.length, crc32: zlib.crc32(doc), ...tweak } };
}

/** 1,200 documents, with one of each kind of bad document spread among them. */
function tasks(): JsonEntryTask[] {
  const list: JsonEntryTask[] = [];
  for (let i = 0; i < 1200; i++) {
    const doc = Buffer.from(JSON.stringify({ n: i, name: `pipeline ${i}`, snap_map: { a: { class_id: 'x'.repeat(i % 50) } } }));
    if (i === 251) list.push(task(i, Buffer.from('{"n": 251,')));
    else if (i === 499) list.push(task(i, doc, { crc32: (zlib.crc32(doc) + 1) >>> 0 }));
    else if (i === 700) list.push(task(i, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), doc])));
    else if (i === 901) list.push(task(i, doc, { uncompressedSize: doc.length - 1 }));
    else if (i === 1001) list.push(task(i, Buffer.from('{"a": {"__proto__": {"polluted": true}}}')));
    else if (i === 1100) list.push(task(i, Buffer.from([0x22, 0xff, 0x22])));
    else list.push(task(i, doc));
  }
  return list;
}

const plain = (outcomes: JsonEntryOutcome[]): unknown[] => outcomes.map((o) => (o.kind === 'ok' ? { ...o, bytes: Buffer.from(o.bytes).toString('latin1') } : o));

const initial = packageThreads();
afterEach(() => setPackageThreads(initial));
afterAll(() => closePackageThreads());

describe('verifying documents on threads', () => {
  const input = tasks();

  it('gives what verifying on the calling thread gives, in order', async () => {
    setPackageThreads(0);
    const here = await checkJsonEntries(input);
    expect(here.map((o) => o.kind).filter((k) => k !== 'ok')).toEqual(['json', 'archive', 'archive', 'json', 'json']);
    expect(here[3]).toMatchObject({ kind: 'ok', sha256: sha(Buffer.from(JSON.stringify({ n: 3, name: 'pipeline 3', snap_map: { a: { class_id: 'xxx' } } }))) });
    expect(here[499]).toMatchObject({ kind: 'archive', code: 'archive.crc_mismatch' });
    expect(here[901]).toMatchObject({ kind: 'archive', code: 'archive.size_mismatch' });
    expect(here[700]).toMatchObject({ kind: 'ok', exact: false });
    expect(here[0]).toMatchObject({ kind: 'ok', exact: true });

    setPackageThreads(2);
    const before = poolStats().threadBatches;
    const threaded = await checkJsonEntries(input);
    expect(poolStats().threadBatches).toBeGreaterThan(before);
    expect(plain(threaded)).toEqual(plain(here));
  });

  it('verifies everything itself when the threads end mid-way', async () => {
    setPackageThreads(0);
    const here = plain(await checkJsonEntries(input));
    setPackageThreads(2);
    const pending = checkJsonEntries(input);
    await closePackageThreads();
    expect(plain(await pending)).toEqual(here);
    // and new threads are started on the next use
    const before = poolStats().threadBatches;
    expect(plain(await checkJsonEntries(input))).toEqual(here);
    expect(poolStats().threadBatches).toBeGreaterThan(before);
  });

  it('uses no thread for a few documents, or when set to 0', async () => {
    setPackageThreads(2);
    const before = poolStats().threadBatches;
    await checkJsonEntries(input.slice(0, 100));
    setPackageThreads(0);
    await checkJsonEntries(input);
    expect(poolStats().threadBatches).toBe(before);
  });

  it('takes its default from the number of cores, and refuses nonsense', () => {
    expect(defaultPackageThreads()).toBeGreaterThanOrEqual(0);
    expect(defaultPackageThreads()).toBeLessThanOrEqual(4);
    expect(() => setPackageThreads(-1)).toThrow(RangeError);
    expect(() => setPackageThreads(1.5)).toThrow(RangeError);
  });
});
