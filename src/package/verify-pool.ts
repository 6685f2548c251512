/**
 * Verifies many small JSON documents of a package at once, on the calling thread and on
 * a few worker threads together. Inflating, CRC-32, SHA-256, UTF-8 and JSON parsing of
 * 10,000 documents is most of the time a package read takes; it splits into independent
 * batches, so on N cores it takes about 1/N of the time.
 *
 * Threads start on first use and stay (unreferenced: they never keep the process alive).
 * Batches go to a thread as one transferred buffer and come back as plain outcomes; the
 * calling thread takes batches too, so nothing waits idle. A thread that fails or exits
 * gives its batches back to the calling thread, so a result never depends on threads:
 * with 0 threads (ASSETPORT_READ_THREADS=0) everything runs on the calling thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { checkJsonEntry, type EntryFacts, type JsonEntryOutcome } from './entry-check.js';

export interface JsonEntryTask {
  /** The entry's data as stored (see ArchiveReader.readStored). */
  readonly raw: Uint8Array;
  readonly facts: EntryFacts;
  /** The SHA-256 the manifest gives. */
  readonly sha256: string;
}

export interface VerifyRequest {
  id: number;
  data: ArrayBuffer;
  items: Array<{ offset: number; length: number; facts: EntryFacts; sha256: string }>;
}

export type VerifyResponse = { id: number; outcomes: JsonEntryOutcome[] } | { id: number; failure: string };

/** Entries per message to a thread. */
const BATCH = 250;
/** Fewer entries than this are verified on the calling thread (starting a thread costs more). */
const PARALLEL_MIN = 500;
/** Batches in flight per thread, so a thread never waits for its next one. */
const IN_FLIGHT = 3;

export const defaultVerifyThreads = (): number => Math.min(4, Math.max(0, availableParallelism() - 1));

let threads = defaultVerifyThreads();

/** How many worker threads verify packages (0: only the calling thread). */
export function setVerifyThreads(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError('The number of verification threads must be a whole number ≥ 0.');
  threads = n;
  while (slots.length > n) void slots.pop()?.stop();
}

export const verifyThreads = (): number => threads;

const here = import.meta.url;
const fromSource = here.endsWith('.ts');

class Slot {
  readonly worker: Worker;
  inflight = 0;
  alive = true;
  private dead = false;
  private stopping = false;
  /** Whether it ever answered: a thread that dies before its first answer may not be able to run at all. */
  answered = false;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(o: JsonEntryOutcome[]): void; reject(e: Error): void }>();

  constructor(onDeath: (s: Slot) => void) {
    this.worker = fromSource
      ? // From the sources (tests, development), the thread loads the TypeScript loader first.
        new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(new URL('./verify-worker.ts', here).href)}); })`, { eval: true })
      : new Worker(new URL('./verify-worker.js', here));
    this.worker.unref();
    this.worker.on('message', (res: VerifyResponse) => {
      const w = this.waiting.get(res.id);
      if (!w) return;
      this.waiting.delete(res.id);
      this.answered = true;
      this.settled();
      if ('failure' in res) w.reject(new Error(res.failure));
      else w.resolve(res.outcomes);
    });
    const die = (e: Error): void => {
      if (this.dead) return;
      this.dead = true;
      this.alive = false;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
      if (!this.stopping) onDeath(this);
    };
    this.worker.on('error', die);
    this.worker.on('exit', (code) => die(new Error(`verification thread exited (${code})`)));
  }

  send(tasks: readonly JsonEntryTask[]): Promise<JsonEntryOutcome[]> {
    let total = 0;
    for (const t of tasks) total += t.raw.length;
    const data = new ArrayBuffer(total);
    const view = new Uint8Array(data);
    const items: VerifyRequest['items'] = [];
    let offset = 0;
    for (const t of tasks) {
      view.set(t.raw, offset);
      const { name, method, compressedSize, uncompressedSize, crc32 } = t.facts;
      items.push({ offset, length: t.raw.length, facts: { name, method, compressedSize, uncompressedSize, crc32 }, sha256: t.sha256 });
      offset += t.raw.length;
    }
    const id = this.nextId++;
    if (this.waiting.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, data, items } satisfies VerifyRequest, [data]);
    });
  }

  private settled(): void {
    if (this.waiting.size === 0) this.worker.unref();
  }

  /** Ends the thread; batches it holds are verified by their callers instead. */
  stop(): Promise<unknown> {
    this.alive = false;
    this.stopping = true;
    return this.worker.terminate();
  }
}

const slots: Slot[] = [];
/** Threads that died before answering anything, in a row; after a few, threads are not tried again. */
let stillborn = 0;
const MAX_STILLBORN = 3;

function acquire(): Slot[] {
  if (stillborn >= MAX_STILLBORN) return [];
  while (slots.length < threads) {
    slots.push(
      new Slot((dead) => {
        const i = slots.indexOf(dead);
        if (i >= 0) slots.splice(i, 1);
        stillborn = dead.answered ? 0 : stillborn + 1;
      }),
    );
  }
  return [...slots];
}

/** Stops the threads (they are unreferenced anyway; for orderly shutdown and tests). */
export async function closeVerifyPool(): Promise<void> {
  const all = slots.splice(0);
  await Promise.all(all.map((s) => s.stop()));
}

const stats = { threadBatches: 0, localBatches: 0 };

/** Batches verified so far by threads and by calling threads (for tests and diagnostics). */
export const poolStats = (): Readonly<typeof stats> => ({ ...stats });

const checkHere = (tasks: readonly JsonEntryTask[], out: JsonEntryOutcome[], start: number): void => {
  stats.localBatches++;
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i] as JsonEntryTask;
    out[start + i] = checkJsonEntry(t.raw, t.facts, t.sha256);
  }
};

/** One turn of the event loop, so that the threads' answers come in and they get more work. */
export const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Verifies documents as they are added: full batches go to threads with room for them
 * while the caller goes on (it should `await nextTurn()` now and then); `finish()`
 * verifies what no thread took on the calling thread and waits for the threads.
 */
export class JsonVerifier {
  private readonly out: JsonEntryOutcome[] = [];
  private readonly tasks: JsonEntryTask[] = [];
  /** Start indexes of full batches no thread has taken yet. */
  private readonly queued: number[] = [];
  private batchStart = 0;
  private pending = 0;
  private wake: (() => void) | undefined;
  private readonly pool: Slot[];

  /** @param expected how many documents will be added (fewer than PARALLEL_MIN: no threads). */
  constructor(expected: number) {
    this.pool = threads > 0 && expected >= PARALLEL_MIN ? acquire() : [];
  }

  /** Adds a document; returns its index in finish()'s result. */
  add(task: JsonEntryTask): number {
    const index = this.tasks.push(task) - 1;
    if (this.tasks.length - this.batchStart === BATCH) {
      this.queued.push(this.batchStart);
      this.batchStart = this.tasks.length;
      for (const slot of this.pool) this.feed(slot);
    }
    return index;
  }

  async finish(): Promise<JsonEntryOutcome[]> {
    if (this.batchStart < this.tasks.length) {
      this.queued.push(this.batchStart);
      this.batchStart = this.tasks.length;
    }
    for (const slot of this.pool) this.feed(slot);
    // This thread takes what is left, letting the threads' answers in between batches.
    for (let start = this.queued.shift(); start !== undefined; start = this.queued.shift()) {
      checkHere(this.slice(start), this.out, start);
      if (this.pending > 0) await nextTurn();
    }
    while (this.pending > 0) {
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
    return this.out;
  }

  private slice(start: number): JsonEntryTask[] {
    return this.tasks.slice(start, Math.min(start + BATCH, this.batchStart));
  }

  private feed(slot: Slot): void {
    while (slot.alive && slot.inflight < IN_FLIGHT && this.queued.length > 0) {
      const start = this.queued.shift() as number;
      const batch = this.slice(start);
      slot.inflight++;
      this.pending++;
      slot
        .send(batch)
        .then(
          (outcomes) => {
            stats.threadBatches++;
            outcomes.forEach((o, i) => (this.out[start + i] = o));
          },
          // The thread failed: this batch is verified here instead.
          () => checkHere(batch, this.out, start),
        )
        .finally(() => {
          slot.inflight--;
          this.pending--;
          this.feed(slot);
          this.wake?.();
        });
    }
  }
}

/** Each task's outcome, in order. */
export async function checkJsonEntries(tasks: readonly JsonEntryTask[]): Promise<JsonEntryOutcome[]> {
  const v = new JsonVerifier(tasks.length);
  for (const t of tasks) v.add(t);
  return v.finish();
}
