/**
 * The package work that runs in batches on threads (thread-pool.ts): verifying a read
 * package's JSON documents, and compressing a written package's entries. Each kind says
 * how a batch crosses to a thread — its bytes gathered into one transferred buffer — how
 * the thread does it ({@link doThreadWork}, called by package-worker.ts), how the answer
 * comes back, and how one task is done on the calling thread instead (the same function).
 */
import { compressEntry, type PreparedEntry } from './archive-writer.js';
import { checkJsonEntry, sha256Hex, type EntryFacts, type JsonEntryOutcome } from './entry-check.js';
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
  /** The SHA-256 the manifest gives. */
  readonly sha256: string;
}

interface VerifyPayload {
  data: ArrayBuffer;
  items: Array<{ place: [number, number]; facts: EntryFacts; sha256: string }>;
}

const verifyKind: BatchKind<JsonEntryTask, JsonEntryOutcome> = {
  op: 'verify',
  encode(batch) {
    const { data, places } = gather(batch.map((t) => t.raw));
    const items = batch.map((t, i) => {
      const { name, method, compressedSize, uncompressedSize, crc32 } = t.facts;
      return { place: places[i] as [number, number], facts: { name, method, compressedSize, uncompressedSize, crc32 }, sha256: t.sha256 };
    });
    return { payload: { data, items } satisfies VerifyPayload, transfer: [data] };
  },
  decode: (result) => result as JsonEntryOutcome[],
  here: (t) => checkJsonEntry(t.raw, t.facts, t.sha256),
};

function verifyOnThread(p: VerifyPayload): { result: JsonEntryOutcome[]; transfer: ArrayBuffer[] } {
  const data = new Uint8Array(p.data);
  const outcomes = p.items.map((it) => checkJsonEntry(data.subarray(it.place[0], it.place[0] + it.place[1]), it.facts, it.sha256));
  // The documents go back in one transferred buffer; each outcome's bytes is a view into it.
  const ok = outcomes.flatMap((o) => (o.kind === 'ok' ? [o.bytes] : []));
  const back = gather(ok);
  let k = 0;
  const result = outcomes.map((o): JsonEntryOutcome => {
    if (o.kind !== 'ok') return o;
    const [at, length] = back.places[k++] as [number, number];
    return { kind: 'ok', bytes: new Uint8Array(back.data, at, length), exact: o.exact };
  });
  return { result, transfer: [back.data] };
}

/** Entries per batch. */
const BATCH = 250;
/** Fewer documents than this are done on the calling thread (a thread costs more to start than it saves). */
export const PARALLEL_MIN = 500;

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

/** Each task's outcome, in order. */
export async function checkJsonEntries(tasks: readonly JsonEntryTask[]): Promise<JsonEntryOutcome[]> {
  const v = new JsonVerifier(tasks.length);
  for (const t of tasks) v.add(t);
  return v.finish();
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
  data: ArrayBuffer;
  items: Array<{ place: [number, number]; level: number }>;
}

const compressHere = (t: CompressTask): CompressedEntry => ({ ...compressEntry(t.bytes, t.level), sha256: sha256Hex(t.bytes) });

const deflateKind: BatchKind<CompressTask, CompressedEntry> = {
  op: 'deflate',
  encode(batch) {
    const { data, places } = gather(batch.map((t) => t.bytes));
    return { payload: { data, items: batch.map((t, i) => ({ place: places[i] as [number, number], level: t.level })) } satisfies DeflatePayload, transfer: [data] };
  },
  decode: (result) => result as CompressedEntry[],
  here: compressHere,
};

function deflateOnThread(p: DeflatePayload): { result: CompressedEntry[]; transfer: ArrayBuffer[] } {
  const data = new Uint8Array(p.data);
  const done = p.items.map((it) => compressHere({ bytes: data.subarray(it.place[0], it.place[0] + it.place[1]), level: it.level }));
  const back = gather(done.map((d) => d.data));
  const result = done.map((d, i): CompressedEntry => {
    const [at, length] = back.places[i] as [number, number];
    return { method: d.method, crc32: d.crc32, uncompressedSize: d.uncompressedSize, sha256: d.sha256, data: new Uint8Array(back.data, at, length) };
  });
  return { result, transfer: [back.data] };
}

/**
 * Compresses entries in order while the caller writes the ones before: `add()` returns,
 * once enough batches are ahead, the oldest batch's entries to write (in the order added);
 * `flush()` returns the rest. Memory stays bounded by the batches ahead.
 */
export class EntryCompressor<T> {
  /** Made at the first full batch; until then (a few entries between binaries) batches are done here. */
  private threaded: BatchRunner<CompressTask, CompressedEntry> | undefined;
  private local: BatchRunner<CompressTask, CompressedEntry> | undefined;
  private readonly ahead: Array<{ batch: Batch<CompressedEntry>; tags: T[] }> = [];
  private tasks: CompressTask[] = [];
  private tags: T[] = [];

  constructor(
    private readonly level: number,
    private readonly maxAhead = 6,
  ) {}

  /** Adds an entry's bytes with a tag of the caller's; returns entries now ready to write. */
  async add(bytes: Uint8Array, tag: T): Promise<Array<{ entry: CompressedEntry; tag: T }>> {
    this.tasks.push({ bytes, level: this.level });
    this.tags.push(tag);
    if (this.tasks.length < BATCH) return [];
    this.submit();
    if (this.ahead.length <= this.maxAhead) {
      await nextTurn(); // let threads' answers in
      return [];
    }
    return this.takeOldest();
  }

  /** Every entry not yet returned, in order. */
  async flush(): Promise<Array<{ entry: CompressedEntry; tag: T }>> {
    if (this.tasks.length) this.submit();
    const out: Array<{ entry: CompressedEntry; tag: T }> = [];
    while (this.ahead.length) out.push(...(await this.takeOldest()));
    return out;
  }

  private submit(): void {
    const runner =
      this.tasks.length === BATCH || this.threaded
        ? (this.threaded ??= new BatchRunner(deflateKind, true))
        : (this.local ??= new BatchRunner(deflateKind, false));
    this.ahead.push({ batch: runner.submit(this.tasks), tags: this.tags });
    this.tasks = [];
    this.tags = [];
  }

  private async takeOldest(): Promise<Array<{ entry: CompressedEntry; tag: T }>> {
    const { batch, tags } = this.ahead.shift() as { batch: Batch<CompressedEntry>; tags: T[] };
    // While a thread works on it, this thread does a batch no thread has taken.
    while (!batch.isDone() && this.threaded?.helpOne()) await nextTurn();
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
