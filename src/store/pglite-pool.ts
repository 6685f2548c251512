/**
 * Presents one PGlite instance as the small pool interface Kysely's PostgresDialect
 * expects. PGlite is a single connection, so `connect()` hands it out to one holder at
 * a time: a transaction keeps it until it commits, other queries wait.
 * Code running inside a transaction must use the transaction handle, never the pool.
 *
 * Two lanes wait for it: interactive (the default) and bulk (callers inside `asBulk`, see
 * bulk-lane.ts: file chunks written and read). Each lane is first come, first served; when
 * the connection comes free an interactive holder goes first, so a request's queries wait
 * for at most the statement running, not for every chunk queued before them. So that a
 * steady stream of requests cannot stop bulk work, a bulk holder goes after
 * MAX_INTERACTIVE_AHEAD interactive ones have gone ahead of it in a row.
 */
import type { PGliteHandle } from './pglite-thread.js';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult, PostgresCursor } from 'kysely';
import { isBulk } from './bulk-lane.js';

export type Lane = 'interactive' | 'bulk';

export const MAX_INTERACTIVE_AHEAD = 16;

export class PGlitePool implements PostgresPool {
  private readonly waiting: Record<Lane, Array<() => void>> = { interactive: [], bulk: [] };
  private held = false;
  /** Interactive holders that went ahead of a waiting bulk one since the last bulk one. */
  private ahead = 0;

  /** Told of every statement before it is sent (undefined: a script, whatever it does). */
  private observer: ((text: string | undefined) => void) | undefined;

  /** Chunks move through PGlite's `/dev/blob` (chunks.ts). */
  readonly source = "'/dev/blob'";
  readonly sink = "'/dev/blob'";

  constructor(private readonly pg: PGliteHandle) {}

  observe(fn: (text: string | undefined) => void): void {
    this.observer = fn;
  }

  private acquire(lane: Lane): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting[lane].push(resolve));
  }

  /**
   * The holder in `lane` is done. When an interactive holder leaves only bulk ones waiting,
   * the connection is handed on once the work its answer woke has run up to its next wait
   * (setImmediate): a request's next query (say, the route's after the authentication's)
   * is asked for by then and goes first, instead of waiting for a bulk statement.
   */
  private releaseLock(lane: Lane): void {
    if (lane === 'interactive' && this.waiting.interactive.length === 0 && this.waiting.bulk.length > 0) setImmediate(() => this.handOn());
    else this.handOn();
  }

  private handOn(): void {
    const { interactive, bulk } = this.waiting;
    let next: (() => void) | undefined;
    if (bulk.length > 0 && (interactive.length === 0 || this.ahead >= MAX_INTERACTIVE_AHEAD)) {
      this.ahead = 0;
      next = bulk.shift();
    } else {
      if (bulk.length > 0) this.ahead++;
      next = interactive.shift();
    }
    if (next) next();
    else this.held = false;
  }

  async connect(): Promise<PostgresPoolClient> {
    const lane: Lane = isBulk() ? 'bulk' : 'interactive';
    await this.acquire(lane);
    let released = false;
    const pg = this.pg;
    const client = {
      query: ((sqlOrCursor: string | PostgresCursor<unknown>, parameters?: ReadonlyArray<unknown>) => {
        if (typeof sqlOrCursor !== 'string') throw new Error('cursors are not supported on PGlite');
        this.observer?.(sqlOrCursor);
        return pg.query(sqlOrCursor, parameters ? [...parameters] : []).then(
          (r) =>
            ({
              command: r.command ?? 'SELECT',
              rowCount: r.affectedRows ?? r.rows.length,
              rows: r.rows,
            }) as PostgresQueryResult<unknown>,
        );
      }) as PostgresPoolClient['query'],
      release: () => {
        if (released) return;
        released = true;
        this.releaseLock(lane);
      },
    };
    return client;
  }

  /** Runs `fn` while holding the connection (for scripts outside Kysely), in the caller's lane. */
  exclusive<T>(fn: (pg: PGliteHandle) => Promise<T>): Promise<T> {
    return this.holding(undefined, fn);
  }

  /** One COPY statement, in the caller's lane (see chunks.ts). */
  copyIn(text: string, data: Uint8Array): Promise<void> {
    return this.holding(text, (pg) => pg.copyIn(text, data));
  }

  copyOut(text: string): Promise<Uint8Array> {
    return this.holding(text, (pg) => pg.copyOut(text));
  }

  private async holding<T>(text: string | undefined, fn: (pg: PGliteHandle) => Promise<T>): Promise<T> {
    const lane: Lane = isBulk() ? 'bulk' : 'interactive';
    await this.acquire(lane);
    try {
      this.observer?.(text);
      return await fn(this.pg);
    } finally {
      this.releaseLock(lane);
    }
  }

  async end(): Promise<void> {
    await this.acquire('bulk');
    try {
      if (!this.pg.closed) await this.pg.close();
    } finally {
      this.releaseLock('bulk');
    }
  }
}
