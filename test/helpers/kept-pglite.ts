/**
 * Migrated embedded databases kept open from one test file to the next (PGlite runs).
 *
 * Opening an embedded database costs a test file some 2 s of CPU (a thread, PostgreSQL's
 * WebAssembly, the migrated data directory unpacked into its memory, PostgreSQL's start);
 * emptying one takes milliseconds. So a test process keeps the databases its files are
 * done with, emptied back to the state of a new migrated one, and lends them to the next
 * files. Each lent database is a Database of its own (its own Kysely, pool and job
 * notifications) over the kept thread; closing it ends the loan: nothing sent through it
 * afterwards reaches the database, whatever still holds it.
 *
 * Ending a loan empties every table that a new migrated database holds empty (TRUNCATE …
 * RESTART IDENTITY) and resets the session (advisory locks, prepared statements, settings,
 * temporary tables). The database is kept only when it is then the same as a new one: its
 * schema, sequences, settings and the rows of the tables that hold rows from the start
 * (the applied migrations) compared with those of the new one. A test that changed any of
 * these, left the database broken, or filled it beyond KEEP_AT_MOST_BYTES, closes it instead.
 */
import { readFile } from 'node:fs/promises';
import { embeddedDatabase, PGLITE_START_PARAMS, type Database } from '../../src/store/database.js';
import { startPGliteThread, type PGliteHandle, type QueryResult } from '../../src/store/pglite-thread.js';

/** Databases grown beyond this (their memory is not given back) are closed, not kept. */
const KEEP_AT_MOST_BYTES = 192 * 1024 * 1024;
/** Databases kept idle per test process (a file using more at once opens more). */
const KEEP_IDLE = 2;

/** Everything of a database but its rows: what no test file may change for the next one. */
const SHAPE_SQL = `
SELECT md5(string_agg(x, E'\\n' ORDER BY x)) AS shape FROM (
  SELECT 'col ' || table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' ' || coalesce(column_default, '') || ' ' || is_nullable AS x
    FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
  UNION ALL SELECT 'rel ' || c.oid::regclass::text || ' ' || c.relkind::text || ' ' || coalesce(c.relacl::text, '') || ' ' || c.relrowsecurity::text
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'
  UNION ALL SELECT 'idx ' || indexdef FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  UNION ALL SELECT 'con ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  UNION ALL SELECT 'trg ' || pg_get_triggerdef(oid) || ' ' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT 'fn ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc)
    FROM pg_proc p WHERE p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  UNION ALL SELECT 'view ' || schemaname || '.' || viewname || ' ' || md5(definition) FROM pg_views WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL SELECT 'seq ' || schemaname || '.' || sequencename || ' ' || coalesce(last_value::text, '-') FROM pg_sequences
  UNION ALL SELECT 'ns ' || nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'
  UNION ALL SELECT 'ext ' || extname || ' ' || extversion FROM pg_extension
  UNION ALL SELECT 'role ' || rolname FROM pg_roles
  UNION ALL SELECT 'db ' || datname FROM pg_database
  UNION ALL SELECT 'set ' || setdatabase || ' ' || setrole || ' ' || array_to_string(setconfig, ',') FROM pg_db_role_setting
  UNION ALL SELECT 'lo ' || count(*) FROM pg_largeobject_metadata
) s`;

const TABLES_SQL = `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`;

interface Kept {
  handle: PGliteHandle;
  /** The tables a new database holds empty, and the state (SHAPE_SQL and the other tables' rows) of a new one. */
  emptied: string[];
  stateSql: string;
  pristine: string;
  /** Channels the kept database listens on, and who hears them now (the current loan). */
  listening: Map<string, { hear?: (payload: string) => void }>;
}

const rowsOf = async (h: PGliteHandle, text: string): Promise<Array<Record<string, unknown>>> => ((await h.query(text, [])) as QueryResult).rows as Array<Record<string, unknown>>;
const stateOf = async (k: Kept): Promise<string> => JSON.stringify(await rowsOf(k.handle, k.stateSql));

async function openKept(archive: string): Promise<Kept> {
  const bytes = await readFile(archive);
  const loadDataDir = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const { handle, ready } = startPGliteThread({ loadDataDir, extraStartParams: PGLITE_START_PARAMS });
  await ready;
  try {
    const tables = (await rowsOf(handle, TABLES_SQL)).map((r) => r.t as string);
    const seeded: string[] = [];
    for (const t of tables) if ((await rowsOf(handle, `SELECT EXISTS (SELECT FROM ${t}) AS e`))[0]!.e) seeded.push(t);
    const seededRows = seeded.map((t) => `(SELECT md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '')) FROM ${t} r) AS "${t}"`);
    const kept: Kept = { handle, emptied: tables.filter((t) => !seeded.includes(t)), stateSql: `SELECT (${SHAPE_SQL}) AS shape${seededRows.map((s) => `, ${s}`).join('')}`, pristine: '', listening: new Map() };
    kept.pristine = await stateOf(kept);
    return kept;
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** Empties the database back to a new one's state; false when it is not that state afterwards (or too big to keep). */
async function reset(k: Kept): Promise<boolean> {
  const [{ size }] = (await rowsOf(k.handle, 'SELECT pg_database_size(current_database())::float8 AS size')) as [{ size: number }];
  if (size > KEEP_AT_MOST_BYTES) return false;
  for (const statement of ['ROLLBACK', 'CLOSE ALL', 'DEALLOCATE ALL', 'RESET ALL', 'SELECT pg_advisory_unlock_all()', 'DISCARD TEMP', 'SET SESSION AUTHORIZATION DEFAULT']) await k.handle.exec(statement);
  if (k.emptied.length > 0) await k.handle.exec(`TRUNCATE ${k.emptied.join(', ')} RESTART IDENTITY CASCADE`);
  return (await stateOf(k)) === k.pristine;
}

const idle: Kept[] = ((globalThis as Record<symbol, Kept[]>)[Symbol.for('assetport.test.kept-pglite')] ??= []);

/** A handle on a kept database for one loan: closing it ends the loan and gives the database back. */
class Lent implements PGliteHandle {
  closed = false;

  constructor(private readonly kept: Kept) {}

  private check(): void {
    if (this.closed) throw new Error('the embedded database is closed');
  }

  async query(text: string, params: unknown[]): Promise<QueryResult> {
    this.check();
    return this.kept.handle.query(text, params);
  }

  async exec(text: string): Promise<void> {
    this.check();
    await this.kept.handle.exec(text);
  }

  async copyIn(text: string, data: Uint8Array): Promise<void> {
    this.check();
    await this.kept.handle.copyIn(text, data);
  }

  async copyOut(text: string): Promise<Uint8Array> {
    this.check();
    return this.kept.handle.copyOut(text);
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<void> {
    this.check();
    const had = this.kept.listening.get(channel);
    if (had) {
      had.hear = onPayload;
      return;
    }
    const ear: { hear?: (payload: string) => void } = { hear: onPayload };
    this.kept.listening.set(channel, ear);
    await this.kept.handle.listen(channel, (payload) => ear.hear?.(payload));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const ear of this.kept.listening.values()) ear.hear = undefined;
    const again = await reset(this.kept).catch(() => false);
    if (again && idle.length < KEEP_IDLE) idle.push(this.kept);
    else await this.kept.handle.close();
  }
}

/** A migrated embedded database in the state of a new one: a kept one when there is one, else one opened from `archive`. */
export async function lendMigratedPGlite(archive: string): Promise<Database> {
  const kept = idle.pop() ?? (await openKept(archive));
  return embeddedDatabase(new Lent(kept));
}
