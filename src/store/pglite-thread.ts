/**
 * The embedded database (PGlite) on a thread of its own. PGlite runs PostgreSQL compiled
 * to WebAssembly, synchronously, on the thread that calls it: on the main thread every
 * query would hold up every request meanwhile — assembling a 64 MiB file or inserting a
 * 1 MiB chunk takes that thread for as long as it runs. On its own thread it takes only
 * that thread; the main thread sends each query as a message and awaits the answer.
 *
 * Values cross as structured clones (strings, numbers, Dates, arrays, objects, bytes); a
 * PostgreSQL error crosses as an Error with its fields (code, constraint, detail…).
 */
import { Worker } from 'node:worker_threads';
import type { PGliteTemplate } from './pglite-template.js';

export interface PGliteThreadOptions {
  /** The data directory; none: in memory. */
  dataDir?: string;
  /**
   * A new (absent or empty) data directory starts as this pre-migrated template: the
   * thread unpacks it while the WebAssembly compiles, before it opens the database. The
   * caller holds the directory's lock.
   */
  template?: PGliteTemplate;
  /** In memory only: start from this saved data directory (a tarball from PGlite's dumpDataDir). */
  loadDataDir?: ArrayBuffer;
  /** Added to PGlite's own start-up parameters (e.g. `-c name=value`). */
  extraStartParams: string[];
}

type PGliteOp =
  | { op: 'query'; sql: string; params: unknown[] }
  | { op: 'exec'; sql: string }
  | { op: 'copyIn'; sql: string; data: Uint8Array }
  | { op: 'copyOut'; sql: string }
  | { op: 'listen'; channel: string }
  | { op: 'close' };
export type PGliteRequest = { id: number } & PGliteOp;
export type PGliteResponse = { id: number; result: unknown } | { id: number; error: Record<string, unknown> };
/** A notification on a channel the thread was asked to listen on (sent unasked). */
export interface PGliteNotification {
  notify: string;
  payload: string;
}

/** What the thread answers once the database is open: whether it began as the template, or why it could not. */
export interface PGliteOpened {
  seeded: boolean;
  templateProblem?: string;
}

export interface QueryResult {
  rows: unknown[];
  affectedRows?: number;
  command?: string;
}

/** What the pool uses of the database: one connection's queries and scripts. */
export interface PGliteHandle {
  readonly closed: boolean;
  query(sql: string, params: unknown[]): Promise<QueryResult>;
  exec(sql: string): Promise<void>;
  /** Runs `COPY … FROM '/dev/blob'` with `data` as its input (the bytes are handed over, not copied). */
  copyIn(sql: string, data: Uint8Array): Promise<void>;
  /** Runs `COPY … TO '/dev/blob'`; its output. */
  copyOut(sql: string): Promise<Uint8Array>;
  /**
   * LISTENs on `channel`; `onPayload` receives each notification from then on. Run it
   * while holding the connection (outside any transaction: a LISTEN in one that rolls back
   * is undone).
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<void>;
  close(): Promise<void>;
}

const here = import.meta.url;

function spawn(opts: PGliteThreadOptions): Worker {
  const transferList = opts.loadDataDir ? [opts.loadDataDir] : [];
  return here.endsWith('.ts')
    ? // From the sources (tests, development), the thread loads the TypeScript loader first;
      // PGlite before it, so that the loader does not go through PGlite's large modules too.
      new Worker(`import('@electric-sql/pglite').then(() => import('tsx/esm/api')).then((m) => { m.register(); return import(${JSON.stringify(new URL('./pglite-worker.ts', here).href)}); })`, { eval: true, workerData: opts, transferList })
    : new Worker(new URL('./pglite-worker.js', here), { workerData: opts, transferList });
}

const asError = (e: Record<string, unknown>): Error => Object.assign(new Error(String(e.message)), e);

class ThreadedPGlite implements PGliteHandle {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(r: unknown): void; reject(e: Error): void }>();
  private ended: Error | undefined;
  private readonly listeners = new Map<string, (payload: string) => void>();
  closed = false;

  constructor(private readonly worker: Worker) {
    worker.on('message', (res: PGliteResponse | PGliteNotification) => {
      if ('notify' in res) {
        this.listeners.get(res.notify)?.(res.payload);
        return;
      }
      const w = this.waiting.get(res.id);
      if (!w) return;
      this.waiting.delete(res.id);
      if ('error' in res) w.reject(asError(res.error));
      else w.resolve(res.result);
    });
    const die = (e: Error): void => {
      this.ended ??= e;
      this.closed = true;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`the embedded database's thread exited (${code})`)));
  }

  /** Resolves once the database is open (request 0 is the thread's first answer). */
  readonly ready: Promise<PGliteOpened> = new Promise((resolve, reject) => this.waiting.set(0, { resolve: resolve as (r: unknown) => void, reject }));

  private send(req: PGliteOp, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  query(sql: string, params: unknown[]): Promise<QueryResult> {
    return this.send({ op: 'query', sql, params }) as Promise<QueryResult>;
  }

  async exec(sql: string): Promise<void> {
    await this.send({ op: 'exec', sql });
  }

  async copyIn(sql: string, data: Uint8Array): Promise<void> {
    // A view of part of a larger buffer is copied once; a buffer of its own is handed over.
    const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer ? data : new Uint8Array(data);
    await this.send({ op: 'copyIn', sql, data: own }, [own.buffer as ArrayBuffer]);
  }

  copyOut(sql: string): Promise<Uint8Array> {
    return this.send({ op: 'copyOut', sql }) as Promise<Uint8Array>;
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<void> {
    this.listeners.set(channel, onPayload);
    await this.send({ op: 'listen', channel });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.send({ op: 'close' });
    } finally {
      this.closed = true;
      await this.worker.terminate();
    }
  }
}

/**
 * Starts opening PGlite on its own thread. The handle takes queries at once (they run once
 * the database is open); `ready` tells when it is open, or why it could not be (the thread
 * is then closed).
 */
export function startPGliteThread(opts: PGliteThreadOptions): { handle: PGliteHandle; ready: Promise<PGliteOpened> } {
  const db = new ThreadedPGlite(spawn(opts));
  const ready = db.ready.catch(async (e: unknown) => {
    await db.close().catch(() => undefined);
    throw e;
  });
  return { handle: db, ready };
}
