/**
 * A few worker threads that take batches of package work off the calling thread:
 * verifying documents when a package is read, compressing them when one is written (see
 * package-work.ts). Either is thousands of small independent pieces — for 10,000
 * documents most of the time a read or a write takes — so on N cores it takes about 1/N.
 *
 * Threads start on first use and stay, unreferenced while idle (they never keep the
 * process alive). A batch goes to a thread with room for it, as one message with its
 * bytes transferred, not copied; otherwise it waits in a queue that the calling thread
 * works through itself, so nothing waits idle. A thread that fails or exits gives its
 * batches back to the calling thread: results never depend on threads, and with 0
 * threads (ASSETPORT_PACKAGE_THREADS=0) everything runs on the calling thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** What a thread is asked to do with a batch (package-work.ts does it). */
export type ThreadOp = 'verify' | 'deflate';

export interface ThreadRequest {
  id: number;
  op: ThreadOp;
  payload: unknown;
}

export type ThreadResponse = { id: number; result: unknown } | { id: number; failure: string };

/** How one kind of task crosses to a thread and back, and how it is done here instead. */
export interface BatchKind<T, R> {
  readonly op: ThreadOp;
  /** The message for a batch, and the buffers it hands over (the batch must not use them afterwards). */
  encode(batch: readonly T[]): { payload: unknown; transfer: ArrayBuffer[] };
  decode(result: unknown): R[];
  /** Does one task on the calling thread. */
  here(task: T): R;
}

/** Batches in flight per thread, so a thread never waits for its next one. */
const IN_FLIGHT = 3;

export const defaultPackageThreads = (): number => Math.min(4, Math.max(0, availableParallelism() - 1));

let threads = defaultPackageThreads();

/** How many worker threads do package work (0: only the calling thread). */
export function setPackageThreads(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError('The number of package threads must be a whole number ≥ 0.');
  threads = n;
  while (slots.length > n) void slots.pop()?.stop();
}

export const packageThreads = (): number => threads;

const stats = { threadBatches: 0, localBatches: 0 };

/** Batches done so far by threads and by calling threads (for tests and diagnostics). */
export const poolStats = (): Readonly<typeof stats> => ({ ...stats });

const here = import.meta.url;
const fromSource = here.endsWith('.ts');

class Slot {
  readonly worker: Worker;
  inflight = 0;
  alive = true;
  /** Whether it ever answered: a thread that dies before its first answer may not be able to run at all. */
  answered = false;
  private dead = false;
  private stopping = false;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(r: unknown): void; reject(e: Error): void }>();

  constructor(onDeath: (s: Slot) => void) {
    this.worker = fromSource
      ? // From the sources (tests, development), the thread loads the TypeScript loader first.
        new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(new URL('./package-worker.ts', here).href)}); })`, { eval: true })
      : new Worker(new URL('./package-worker.js', here));
    this.worker.unref();
    this.worker.on('message', (res: ThreadResponse) => {
      const w = this.waiting.get(res.id);
      if (!w) return;
      this.waiting.delete(res.id);
      this.answered = true;
      if (this.waiting.size === 0) this.worker.unref();
      if ('failure' in res) w.reject(new Error(res.failure));
      else w.resolve(res.result);
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
    this.worker.on('exit', (code) => die(new Error(`package thread exited (${code})`)));
  }

  send(op: ThreadOp, payload: unknown, transfer: ArrayBuffer[]): Promise<unknown> {
    const id = this.nextId++;
    if (this.waiting.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, payload } satisfies ThreadRequest, transfer);
    });
  }

  /** Ends the thread; batches it holds are done by their callers instead. */
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
export async function closePackageThreads(): Promise<void> {
  await Promise.all(slots.splice(0).map((s) => s.stop()));
}

/** One turn of the event loop, so that threads' answers come in and they get more work. */
export const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A submitted batch: `take()` gives its results, doing it here if no thread has taken it yet. */
export interface Batch<R> {
  take(): Promise<R[]>;
}

interface Queued<T, R> {
  readonly tasks: readonly T[];
  /** Not yet taken by a thread nor done here. */
  queued: boolean;
  results?: R[];
  readonly settled: Promise<void>;
  settle(): void;
}

/**
 * Runs batches of one kind of task: on threads with room, or on the calling thread. With
 * `useThreads` false (few tasks: a thread costs more to start than it saves) every batch
 * is done here when taken.
 */
export class BatchRunner<T, R> {
  private readonly queue: Array<Queued<T, R>> = [];
  private readonly pool: Slot[];

  constructor(
    private readonly kind: BatchKind<T, R>,
    useThreads: boolean,
  ) {
    this.pool = useThreads && threads > 0 ? acquire() : [];
  }

  submit(tasks: readonly T[]): Batch<R> {
    let settle!: () => void;
    const settled = new Promise<void>((r) => (settle = r));
    const q: Queued<T, R> = { tasks, queued: true, settled, settle };
    this.queue.push(q);
    for (const slot of this.pool) this.feed(slot);
    return {
      take: async () => {
        if (q.queued) this.runHere(q);
        await q.settled;
        return q.results as R[];
      },
    };
  }


  /** Does every batch no thread has taken here (letting threads' answers in between), then waits for the threads. */
  async drain(batches: ReadonlyArray<Batch<R>>): Promise<R[][]> {
    for (let q = this.queue.shift(); q !== undefined; q = this.queue.shift()) {
      this.runHere(q);
      await nextTurn();
    }
    return Promise.all(batches.map((b) => b.take()));
  }

  private runHere(q: Queued<T, R>): void {
    const i = this.queue.indexOf(q);
    if (i >= 0) this.queue.splice(i, 1);
    stats.localBatches++;
    q.results = q.tasks.map((t) => this.kind.here(t));
    q.queued = false;
    q.settle();
  }

  private feed(slot: Slot): void {
    while (slot.alive && slot.inflight < IN_FLIGHT) {
      const q = this.queue.shift();
      if (!q) return;
      q.queued = false;
      slot.inflight++;
      let message: { payload: unknown; transfer: ArrayBuffer[] };
      try {
        message = this.kind.encode(q.tasks);
      } catch {
        slot.inflight--;
        this.runHere(q);
        continue;
      }
      slot
        .send(this.kind.op, message.payload, message.transfer)
        .then(
          (result) => {
            stats.threadBatches++;
            q.results = this.kind.decode(result);
            q.settle();
          },
          // The thread failed: this batch is done here instead.
          () => this.runHere(q),
        )
        .finally(() => {
          slot.inflight--;
          this.feed(slot);
        });
    }
  }
}
