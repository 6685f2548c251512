/**
 * The database handle: Kysely over `pg` (DATABASE_URL) or over an embedded PGlite in the
 * data directory. One SQL dialect (PostgreSQL) and the same queries on both.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';
import { PGlitePool } from './pglite-pool.js';
import { startPGliteThread, type PGliteHandle } from './pglite-thread.js';
import type { PGliteTemplate } from './pglite-template.js';
import { transferByteaAsBase64 } from './bytea.js';
import { useCopyFor } from './chunks.js';
import { postgresChunkCopy } from './pg-copy.js';
import { TokenHolderCache, useTokenCacheFor } from './token-cache.js';
import { JobNotifications, PgNotificationSource } from './notifications.js';

export type DatabaseKind = 'postgres' | 'pglite';

export interface Database {
  readonly kind: DatabaseKind;
  readonly db: Kysely<DB>;
  /** The migrations a new embedded database came with from the pre-migrated template (none otherwise). */
  readonly seeded: readonly number[];
  /** Why the template could not be used, when it could not (the database was created the usual way). */
  readonly templateProblem?: string;
  /** Job changes announced by the database (one listening connection, opened at the first subscription). */
  readonly jobNotifications: JobNotifications;
  /** Runs a multi-statement script on one connection inside `fn` (used by migrations). */
  withScriptRunner<T>(fn: (run: (sql: string) => Promise<void>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// int8 (bigint) and numeric as JS numbers: sizes and counters stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export interface OpenOptions {
  /** postgres://… ; when absent, PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory; `memory` (or undefined) keeps it in memory (tests). */
  pgliteDir?: string;
  /**
   * In memory only: start from this saved data directory (a tarball from PGlite's
   * `dumpDataDir()`) instead of a new, empty one. Tests start each database from one
   * migrated copy this way.
   */
  pgliteDataDirArchive?: Blob;
  /** A new (absent or empty) PGlite data directory starts as this pre-migrated template. */
  pgliteTemplate?: PGliteTemplate;
  poolSize?: number;
}

/**
 * A database being opened: queries may be sent at once (on the embedded database they run
 * once it is open); `ready` tells when it is open, or why it could not be (nothing is then
 * left open).
 */
export interface OpeningDatabase {
  database: Database;
  ready: Promise<void>;
}

/** Starts opening the database, so that a start can do other work while the embedded one opens. */
export async function beginOpenDatabase(opts: OpenOptions): Promise<OpeningDatabase> {
  if (opts.databaseUrl) return { database: openPostgres(opts.databaseUrl, opts.poolSize ?? 10), ready: Promise.resolve() };
  return beginOpenPGlite(opts.pgliteDir, opts.pgliteDataDirArchive, opts.pgliteTemplate);
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  const { database, ready } = await beginOpenDatabase(opts);
  await ready;
  return database;
}

function openPostgres(url: string, max: number): Database {
  transferByteaAsBase64(false);
  const pool = new pg.Pool({ connectionString: url, max, application_name: 'assetport' });
  // A connection lost (a server restart, a terminated backend) must not crash the process:
  // an idle one is dropped by the pool ('error' on the pool); one checked out (say, by a
  // transaction between two statements) emits 'error' on itself, and without a listener
  // that would be an uncaught exception. Its next statement fails, and the pool does not
  // take it back; the next query opens another connection.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  // File chunks move as binary COPY (chunks.ts, pg-copy.ts).
  useCopyFor(db, postgresChunkCopy(pool));
  const jobNotifications = new JobNotifications(new PgNotificationSource(url));
  return {
    kind: 'postgres',
    db,
    seeded: [],
    jobNotifications,
    async withScriptRunner(fn) {
      const client = await pool.connect();
      try {
        return await fn(async (text) => {
          await client.query(text);
        });
      } finally {
        client.release();
      }
    },
    async close() {
      await jobNotifications.close();
      await db.destroy();
    },
  };
}

class DatabaseInUseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseInUseError';
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * The embedded database belongs to one process: two opening the same directory would
 * corrupt it. `<dir>.lock` holds the owner's process id while it is open; a lock whose
 * process is gone (a crash) is taken over.
 */
function lockEmbedded(dir: string): () => void {
  const path = `${dir}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw e;
    }
    let pid = NaN;
    try {
      pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    } catch {
      // removed meanwhile: try again
    }
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new DatabaseInUseError(`the embedded database in ${dir} is in use by process ${pid}; stop that process first (if there is none, remove ${path})`);
    }
    rmSync(path, { force: true });
  }
}

/**
 * PGlite starts with a smaller buffer cache (PostgreSQL's default is 128 MB):
 * the embedded database fills its cache's memory when it starts, most of the time a start
 * takes (about 2 s of 2.3 s on a busy machine for 128 MB, 0.35 s for 16 MB), and holds it
 * for good. The operating system's file cache still keeps the data files in memory.
 */
export const PGLITE_START_PARAMS = ['-c', 'shared_buffers=16MB'];

async function beginOpenPGlite(dir: string | undefined, archive?: Blob, template?: PGliteTemplate): Promise<OpeningDatabase> {
  let dataDir: string | undefined;
  let unlock = (): void => undefined;
  if (dir && dir !== 'memory') {
    mkdirSync(dir, { recursive: true });
    dataDir = join(dir);
    unlock = lockEmbedded(dataDir);
  }
  // On a thread of its own, so that its queries never hold up the main thread (see
  // pglite-thread.ts); a new data directory is made from the template there too.
  const { handle, ready } = startPGliteThread({
    ...(dataDir ? { dataDir, template } : archive ? { loadDataDir: await archive.arrayBuffer() } : {}),
    extraStartParams: PGLITE_START_PARAMS,
  });
  const opened: { seeded: readonly number[]; templateProblem?: string } = { seeded: [] };
  const database = embeddedDatabase(handle, { opened, onClose: unlock });
  return {
    database,
    ready: ready.then(
      (r) => {
        opened.seeded = r.seeded && template ? template.versions : [];
        if (r.templateProblem) opened.templateProblem = r.templateProblem;
      },
      (e: unknown) => {
        unlock();
        throw e;
      },
    ),
  };
}

/**
 * The database over an embedded PGlite that is open (or opening) on its thread: one
 * connection, handed to one holder at a time. `opened` tells what the open found (a new
 * database from the template); `onClose` runs once the handle is closed. Tests also use
 * it over an embedded database they keep open from one test file to the next.
 */
export function embeddedDatabase(handle: PGliteHandle, opts: { opened?: { seeded: readonly number[]; templateProblem?: string }; onClose?: () => void } = {}): Database {
  transferByteaAsBase64(true);
  const opened = opts.opened ?? { seeded: [] };
  const pool = new PGlitePool(handle);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  // File chunks move as binary COPY, in the caller's lane (chunks.ts).
  useCopyFor(db, pool);
  // Bearer tokens' holders are remembered, exactly: the pool tells the cache of every statement (token-cache.ts).
  const tokens = new TokenHolderCache();
  pool.observe((text) => tokens.noteStatement(text));
  useTokenCacheFor(db, tokens);
  // One connection: the LISTEN waits for it like any query (never inside a transaction);
  // it listens from then on, so the subscribers resync once.
  const jobNotifications = new JobNotifications({
    start(channel, onPayload, onListening) {
      pool.exclusive((pgl) => pgl.listen(channel, onPayload)).then(onListening, () => undefined);
    },
    close: async () => undefined,
  });
  return {
    kind: 'pglite',
    db,
    jobNotifications,
    get seeded() {
      return opened.seeded;
    },
    get templateProblem() {
      return opened.templateProblem;
    },
    withScriptRunner(fn) {
      return pool.exclusive((pgl) =>
        fn(async (text) => {
          await pgl.exec(text);
        }),
      );
    },
    async close() {
      try {
        await jobNotifications.close();
        await db.destroy();
      } finally {
        opts.onClose?.();
      }
    },
  };
}
