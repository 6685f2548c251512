/**
 * The database handle: Kysely over `pg` (DATABASE_URL) or over an embedded PGlite in the
 * data directory. One SQL dialect (PostgreSQL) and the same queries on both.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import type { DB } from './schema.js';
import { PGlitePool } from './pglite-pool.js';
import { transferByteaAsBase64 } from './bytea.js';

export type DatabaseKind = 'postgres' | 'pglite';

export interface Database {
  readonly kind: DatabaseKind;
  readonly db: Kysely<DB>;
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
  poolSize?: number;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize ?? 10) : openPGlite(opts.pgliteDir, opts.pgliteDataDirArchive);
}

function openPostgres(url: string, max: number): Database {
  transferByteaAsBase64(false);
  const pool = new pg.Pool({ connectionString: url, max, application_name: 'assetport' });
  // An idle client error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
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

async function openPGlite(dir: string | undefined, archive?: Blob): Promise<Database> {
  let dataDir: string | undefined;
  let unlock = (): void => undefined;
  if (dir && dir !== 'memory') {
    mkdirSync(dir, { recursive: true });
    dataDir = join(dir);
    unlock = lockEmbedded(dataDir);
  }
  transferByteaAsBase64(true);
  let lite: PGlite;
  try {
    lite = dataDir ? new PGlite(dataDir) : new PGlite({ loadDataDir: archive });
    await lite.waitReady;
  } catch (e) {
    unlock();
    throw e;
  }
  const pool = new PGlitePool(lite);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'pglite',
    db,
    withScriptRunner(fn) {
      return pool.exclusive((pgl) =>
        fn(async (text) => {
          await pgl.exec(text);
        }),
      );
    },
    async close() {
      try {
        await db.destroy();
      } finally {
        unlock();
      }
    },
  };
}
