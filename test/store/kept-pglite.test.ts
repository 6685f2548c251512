/**
 * The migrated embedded databases a test process keeps from one test file to the next
 * (test/helpers/kept-pglite.ts): a database lent again is in the state of a new migrated
 * one, and one a test changed beyond its rows is closed, never lent again.
 *
 * The PostgreSQL pass leaves this file out: it is about the embedded database.
 */
import { sql } from 'kysely';
import { describe, expect, inject, it } from 'vitest';
import { lendMigratedPGlite } from '../helpers/kept-pglite.js';
import { loadMigrations, migrationsApplied } from '../../src/store/migrate.js';

const archive = inject('pgliteMigratedArchive')!;
/** When the database (the PostgreSQL running on its thread) started: the same start means the same kept database. */
const startedAt = async (d: Awaited<ReturnType<typeof lendMigratedPGlite>>): Promise<string> =>
  (await sql<{ t: string }>`SELECT pg_postmaster_start_time()::text AS t`.execute(d.db)).rows[0]!.t;

describe('kept embedded test databases', () => {
  it('a database given back is lent again emptied: no rows, sequences from the start, no session state', async () => {
    const first = await lendMigratedPGlite(archive);
    const began = await startedAt(first);
    await first.db.insertInto('orgs').values({ id: 'a'.repeat(32), name: 'left-behind' }).execute();
    await sql`INSERT INTO audit_events (actor, action, details) VALUES ('t', 'x', '{}')`.execute(first.db);
    await sql`SELECT pg_advisory_lock(42)`.execute(first.db);
    await sql`SET statement_timeout = 1234`.execute(first.db);
    await sql`CREATE TEMP TABLE scratch (id int)`.execute(first.db);
    await first.close();
    await expect(first.db.selectFrom('orgs').selectAll().execute()).rejects.toThrow();

    const second = await lendMigratedPGlite(archive);
    try {
      expect(await startedAt(second)).toBe(began);
      expect(await second.db.selectFrom('orgs').selectAll().execute()).toEqual([]);
      expect(await migrationsApplied(second, loadMigrations())).toBe(true);
      const id = (await sql<{ id: number }>`INSERT INTO audit_events (actor, action, details) VALUES ('t', 'x', '{}') RETURNING id`.execute(second.db)).rows[0]!.id;
      expect(Number(id)).toBe(1);
      expect((await sql<{ locks: number }>`SELECT count(*)::int AS locks FROM pg_locks WHERE locktype = 'advisory'`.execute(second.db)).rows[0]!.locks).toBe(0);
      expect((await sql<{ v: string }>`SELECT current_setting('statement_timeout') AS v`.execute(second.db)).rows[0]!.v).toBe('0');
      expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class WHERE relname = 'scratch'`.execute(second.db)).rows[0]!.n).toBe(0);
    } finally {
      await second.close();
    }
  });

  it('a database whose schema a test changed is closed, not lent again', async () => {
    const first = await lendMigratedPGlite(archive);
    const began = await startedAt(first);
    await sql`ALTER TABLE orgs ADD COLUMN extra text`.execute(first.db);
    await first.close();
    const second = await lendMigratedPGlite(archive);
    try {
      expect(await startedAt(second)).not.toBe(began);
      expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'orgs' AND column_name = 'extra'`.execute(second.db)).rows[0]!.n).toBe(0);
    } finally {
      await second.close();
    }
  });

  it('two databases lent at once are two databases', async () => {
    const [a, b] = await Promise.all([lendMigratedPGlite(archive), lendMigratedPGlite(archive)]);
    try {
      await a.db.insertInto('orgs').values({ id: 'b'.repeat(32), name: 'only-in-a' }).execute();
      expect(await b.db.selectFrom('orgs').selectAll().execute()).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
