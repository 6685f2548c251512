/**
 * Presents one PGlite instance as the small pool interface Kysely's PostgresDialect
 * expects. PGlite is a single connection, so `connect()` hands it out to one holder at
 * a time (a FIFO mutex): a transaction keeps it until it commits, other queries wait.
 * Code running inside a transaction must use the transaction handle, never the pool.
 */
import type { PGliteHandle } from './pglite-thread.js';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult, PostgresCursor } from 'kysely';

export class PGlitePool implements PostgresPool {
  private queue: Array<() => void> = [];
  private held = false;

  constructor(private readonly pg: PGliteHandle) {}

  private acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private releaseLock(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.held = false;
  }

  async connect(): Promise<PostgresPoolClient> {
    await this.acquire();
    let released = false;
    const pg = this.pg;
    const client = {
      query: ((sqlOrCursor: string | PostgresCursor<unknown>, parameters?: ReadonlyArray<unknown>) => {
        if (typeof sqlOrCursor !== 'string') throw new Error('cursors are not supported on PGlite');
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
        this.releaseLock();
      },
    };
    return client;
  }

  /** Runs `fn` while holding the connection (for scripts outside Kysely). */
  async exclusive<T>(fn: (pg: PGliteHandle) => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn(this.pg);
    } finally {
      this.releaseLock();
    }
  }

  async end(): Promise<void> {
    await this.acquire();
    try {
      if (!this.pg.closed) await this.pg.close();
    } finally {
      this.releaseLock();
    }
  }
}
