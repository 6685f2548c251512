/**
 * The deflate level of a streamed entry, chosen from its first bytes: data that deflate
 * cannot shrink (already compressed files: archives, images, encrypted or random bytes) is
 * written with level 0 — deflate's stored blocks, readable by every ZIP reader — instead of
 * spending the CPU of a full deflate to gain nothing: at level 6 that is about 30 ms a MiB
 * here, most of the time an export of large files takes. Entries written whole fall back
 * to "stored" when deflate does not pay, and from 1 MiB are sampled the same way
 * (archive-writer.ts, compressEntry).
 */
import zlib from 'node:zlib';

/** How many leading bytes are tried. */
const SAMPLE_BYTES = 256 * 1024;
/** Samples smaller than this say too little: the configured level is kept. */
const MIN_SAMPLE_BYTES = 16 * 1024;
/** Deflate pays when it saves at least this share of the sample. */
const MIN_SAVING = 0.03;

/** The level for a stream whose first bytes are `sample`. */
export function levelFor(sample: Uint8Array, level: number): number {
  if (level === 0 || sample.length < MIN_SAMPLE_BYTES) return level;
  const tried = sample.subarray(0, SAMPLE_BYTES);
  const deflated = zlib.deflateRawSync(tried, { level });
  return deflated.length <= tried.length * (1 - MIN_SAVING) ? level : 0;
}

/** The first piece of a stream, and the whole stream (that piece included) to read on. */
export async function peekFirst<T>(source: AsyncIterable<T>): Promise<{ first: T | undefined; all: AsyncIterable<T> }> {
  const it = source[Symbol.asyncIterator]();
  const head = await it.next();
  async function* all(): AsyncGenerator<T> {
    if (head.done) return;
    yield head.value;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value;
    }
  }
  return { first: head.done ? undefined : head.value, all: all() };
}
