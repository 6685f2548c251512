/**
 * The package work that runs in batches on threads (thread-pool.ts): verifying a read
 * package's JSON documents, and compressing a written package's entries. Each kind says
 * how a batch crosses to a thread — its bytes gathered into one transferred buffer — how
 * the thread does it ({@link doThreadWork}, called by package-worker.ts), how the answer
 * comes back, and how one task is done on the calling thread instead (the same function).
 */
import { compressEntry, type PreparedEntry } from './archive-writer.js';
import type { ArchiveErrorCode } from './archive-errors.js';
import { sha256Hex } from '../core/json-text.js';
import { checkJsonEntry, type EntryFacts, type JsonEntryOutcome } from './entry-check.js';
import { BatchRunner, nextTurn, type Batch, type BatchKind, type ThreadOp } from './thread-pool.js';

/** Gathers byte ranges into one new buffer (to transfer); returns each one's place in it. */
function gather(parts: readonly Uint8Array[]): { data: ArrayBuffer; places: Array<[offset: number, length: number]> } {
  let total = 0;
  for (const p of parts) total += p.length;
  const data = new ArrayBuffer(total);
  const view = new Uint8Array(data);
  const places: Array<[number, number]> = [];
  let at = 0;
  for (const p of parts) {
    view.set(p, at);
    places.push([at, p.length]);
    at += p.length;
  }
  return { data, places };
}

// ---- Verifying documents -------------------------------------------------------------

export interface JsonEntryTask {
  /** The entry's data as stored (see ArchiveReader.readStored). */
  readonly raw: Uint8Array;
  readonly facts: EntryFacts;
}

/*
 * Batches cross as a few typed arrays and strings rather than one object per task: a
 * thread's answer for 250 documents is then a handful of values to copy, not 250 objects
 * to serialize there and rebuild here.
 */
interface VerifyPayload {
  /** The stored data of every task, one after another. */
  data: ArrayBuffer;
  /** Per task: offset, length, method, compressed size, uncompressed size, CRC-32. */
  meta: Float64Array;
  /** The entry names, joined by NUL (entry names never contain it). */
  names: string;
}

interface VerifyAnswer {
  /** The verified documents, one after another. */
  data: ArrayBuffer;
  /** Per task: kind (0 ok, 1 not JSON, 2 archive error), offset, length, exact (1) or not (0). */
  meta: Float64Array;
  /** Per task, 64 hex digits (blanks for an archive error). */
  sha256: string;
  /** The message (and for archive errors the code and entry) of each task that is not ok. */
  notes: Array<[index: number, message: string, code?: ArchiveErrorCode, entry?: string]>;
}

const V_FIELDS = 6;
const BLANK_SHA = ' '.repeat(64);

const verifyKind: BatchKind<JsonEntryTask, JsonEntryOutcome> = {
  op: 'verify',
  encode(batch) {
    const { data, places } = gather(batch.map((t) => t.raw));
    const meta = new Float64Array(batch.length * V_FIELDS);
    batch.forEach((t, i) => {
      const [at, length] = places[i] as [number, number];
      meta.set([at, length, t.facts.method, t.facts.compressedSize, t.facts.uncompressedSize, t.facts.crc32], i * V_FIELDS);
    });
    const payload: VerifyPayload = { data, meta, names: batch.map((t) => t.facts.name).join('\u0000') };
    return { payload, transfer: [data, meta.buffer as ArrayBuffer] };
  },
  decode(result) {
    const a = result as VerifyAnswer;
    const notes = new Map(a.notes.map((n) => [n[0], n]));
    const out: JsonEntryOutcome[] = [];
    for (let i = 0; i * 4 < a.meta.length; i++) {
      const m = i * 4;
      const kind = a.meta[m];
      const sha256 = a.sha256.slice(i * 64, i * 64 + 64);
      const note = notes.get(i);
      if (kind === 0) out.push({ kind: 'ok', bytes: new Uint8Array(a.data, a.meta[m + 1], a.meta[m + 2]), exact: a.meta[m + 3] === 1, sha256 });
      else if (kind === 1) out.push({ kind: 'json', message: note?.[1] ?? '', sha256 });
      else out.push({ kind: 'archive', code: note?.[2] ?? 'archive.corrupt', message: note?.[1] ?? '', entry: note?.[3] });
    }
    return out;
  },
  here: (t) => checkJsonEntry(t.raw, t.facts),
};

function verifyOnThread(p: VerifyPayload): { result: VerifyAnswer; transfer: ArrayBuffer[] } {
  const data = new Uint8Array(p.data);
  const names = p.names.split('\u0000');
  const n = names.length;
  const outcomes: JsonEntryOutcome[] = [];
  for (let i = 0; i < n; i++) {
    const f = (k: number): number => p.meta[i * V_FIELDS + k] as number;
    outcomes.push(checkJsonEntry(data.subarray(f(0), f(0) + f(1)), { name: names[i] as string, method: f(2), compressedSize: f(3), uncompressedSize: f(4), crc32: f(5) }));
  }
  const back = gather(outcomes.flatMap((o) => (o.kind === 'ok' ? [o.bytes] : [])));
  const meta = new Float64Array(n * 4);
  const shas: string[] = [];
  const notes: VerifyAnswer['notes'] = [];
  let k = 0;
  outcomes.forEach((o, i) => {
    if (o.kind === 'ok') {
      const [at, length] = back.places[k++] as [number, number];
      meta.set([0, at, length, o.exact ? 1 : 0], i * 4);
      shas.push(o.sha256);
    } else if (o.kind === 'json') {
      meta[i * 4] = 1;
      shas.push(o.sha256);
      notes.push([i, o.message]);
    } else {
      meta[i * 4] = 2;
      shas.push(BLANK_SHA);
      notes.push([i, o.message, o.code, o.entry]);
    }
  });
  return { result: { data: back.data, meta, sha256: shas.join(''), notes } satisfies VerifyAnswer, transfer: [back.data, meta.buffer as ArrayBuffer] };
}

/** Entries per batch. */
const BATCH = 250;
/** A batch being written is also ended at this many bytes, so large documents do not pile up in memory. */
const BATCH_BYTES = 4 * 1024 * 1024;
/** Fewer documents than this are done on the calling thread (a thread costs more to start than it saves). */
const PARALLEL_MIN = 500;

/**
 * Verifies documents as they are added: full batches go to threads with room for them while
 * the caller goes on (it should `await nextTurn()` now and then); `finish()` verifies what no
 * thread took on the calling thread and waits for the threads.
 */
export class JsonVerifier {
  private readonly runner: BatchRunner<JsonEntryTask, JsonEntryOutcome>;
  private readonly batches: Array<Batch<JsonEntryOutcome>> = [];
  private current: JsonEntryTask[] = [];
  private count = 0;

  /** @param expected how many documents will be added (fewer than PARALLEL_MIN: no threads). */
  constructor(expected: number) {
    this.runner = new BatchRunner(verifyKind, expected >= PARALLEL_MIN);
  }

  /** Adds a document; returns its index in finish()'s result. */
  add(task: JsonEntryTask): number {
    this.current.push(task);
    if (this.current.length === BATCH) this.submit();
    return this.count++;
  }

  async finish(): Promise<JsonEntryOutcome[]> {
    if (this.current.length) this.submit();
    return (await this.runner.drain(this.batches)).flat();
  }

  private submit(): void {
    this.batches.push(this.runner.submit(this.current));
    this.current = [];
  }
}

// ---- Compressing entries -------------------------------------------------------------

export interface CompressTask {
  readonly bytes: Uint8Array;
  readonly level: number;
}

/** An entry ready to write, with the SHA-256 of its bytes (for the manifest). */
export interface CompressedEntry extends PreparedEntry {
  readonly sha256: string;
}

interface DeflatePayload {
  /** The bytes of every task, one after another. */
  data: ArrayBuffer;
  /** Per task: offset, length, level. */
  meta: Float64Array;
}

interface DeflateAnswer {
  /** What to write for every task, one after another. */
  data: ArrayBuffer;
  /** Per task: method, CRC-32, uncompressed size, offset, length. */
  meta: Float64Array;
  /** Per task, 64 hex digits. */
  sha256: string;
}

const compressHere = (t: CompressTask): CompressedEntry => ({ ...compressEntry(t.bytes, t.level), sha256: sha256Hex(t.bytes) });

const deflateKind: BatchKind<CompressTask, CompressedEntry> = {
  op: 'deflate',
  encode(batch) {
    const { data, places } = gather(batch.map((t) => t.bytes));
    const meta = new Float64Array(batch.length * 3);
    batch.forEach((t, i) => meta.set([...(places[i] as [number, number]), t.level], i * 3));
    return { payload: { data, meta } satisfies DeflatePayload, transfer: [data, meta.buffer as ArrayBuffer] };
  },
  decode(result) {
    const a = result as DeflateAnswer;
    const out: CompressedEntry[] = [];
    for (let i = 0; i * 5 < a.meta.length; i++) {
      const m = i * 5;
      out.push({
        method: a.meta[m] === 8 ? 8 : 0,
        crc32: a.meta[m + 1] as number,
        uncompressedSize: a.meta[m + 2] as number,
        data: new Uint8Array(a.data, a.meta[m + 3], a.meta[m + 4]),
        sha256: a.sha256.slice(i * 64, i * 64 + 64),
      });
    }
    return out;
  },
  here: compressHere,
};

function deflateOnThread(p: DeflatePayload): { result: DeflateAnswer; transfer: ArrayBuffer[] } {
  const data = new Uint8Array(p.data);
  const done: CompressedEntry[] = [];
  for (let i = 0; i * 3 < p.meta.length; i++) {
    const at = p.meta[i * 3] as number;
    done.push(compressHere({ bytes: data.subarray(at, at + (p.meta[i * 3 + 1] as number)), level: p.meta[i * 3 + 2] as number }));
  }
  const back = gather(done.map((d) => d.data));
  const meta = new Float64Array(done.length * 5);
  done.forEach((d, i) => meta.set([d.method, d.crc32, d.uncompressedSize, ...(back.places[i] as [number, number])], i * 5));
  return { result: { data: back.data, meta, sha256: done.map((d) => d.sha256).join('') } satisfies DeflateAnswer, transfer: [back.data, meta.buffer as ArrayBuffer] };
}

/**
 * Compresses entries in order while the caller writes the ones before: `add()` returns,
 * once enough batches are ahead, the oldest batch's entries to write (in the order added);
 * `flush()` returns the rest. Memory stays bounded by the batches ahead (each at most 250
 * entries or about 4 MiB).
 */
export class EntryCompressor<T> {
  /** Made at the first full batch; until then (a few entries between binaries) batches are done here. */
  private threaded: BatchRunner<CompressTask, CompressedEntry> | undefined;
  private local: BatchRunner<CompressTask, CompressedEntry> | undefined;
  private readonly ahead: Array<{ batch: Batch<CompressedEntry>; tags: T[] }> = [];
  private tasks: CompressTask[] = [];
  private tags: T[] = [];
  private bytes = 0;

  constructor(
    private readonly level: number,
    private readonly maxAhead = 6,
  ) {}

  /** Adds an entry's bytes with a tag of the caller's; returns entries now ready to write. */
  async add(bytes: Uint8Array, tag: T): Promise<Array<{ entry: CompressedEntry; tag: T }>> {
    this.tasks.push({ bytes, level: this.level });
    this.tags.push(tag);
    this.bytes += bytes.length;
    if (this.tasks.length < BATCH && this.bytes < BATCH_BYTES) return [];
    this.submit(true);
    if (this.ahead.length <= this.maxAhead) {
      await nextTurn(); // let threads' answers in
      return [];
    }
    return this.takeOldest();
  }

  /** Every entry not yet returned, in order. */
  async flush(): Promise<Array<{ entry: CompressedEntry; tag: T }>> {
    if (this.tasks.length) this.submit(false);
    const out: Array<{ entry: CompressedEntry; tag: T }> = [];
    while (this.ahead.length) out.push(...(await this.takeOldest()));
    return out;
  }

  private submit(full: boolean): void {
    const runner =
      full || this.threaded
        ? (this.threaded ??= new BatchRunner(deflateKind, true))
        : (this.local ??= new BatchRunner(deflateKind, false));
    this.ahead.push({ batch: runner.submit(this.tasks), tags: this.tags });
    this.tasks = [];
    this.tags = [];
    this.bytes = 0;
  }

  private async takeOldest(): Promise<Array<{ entry: CompressedEntry; tag: T }>> {
    const { batch, tags } = this.ahead.shift() as { batch: Batch<CompressedEntry>; tags: T[] };
    // Waits for a thread working on it rather than compressing a later batch here: this
    // thread is the busier one (it fetches, checks and writes every entry).
    const entries = await batch.take();
    return entries.map((entry, i) => ({ entry, tag: tags[i] as T }));
  }
}

/** What a package thread does with a request (see package-worker.ts). */
export function doThreadWork(op: ThreadOp, payload: unknown): { result: unknown; transfer: ArrayBuffer[] } {
  if (op === 'verify') return verifyOnThread(payload as VerifyPayload);
  if (op === 'deflate') return deflateOnThread(payload as DeflatePayload);
  throw new Error(`unknown package work: ${String(op)}`);
}
