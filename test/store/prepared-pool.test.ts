// Statements prepared once per connection (src/store/prepared-pool.ts): on PostgreSQL only
// (the embedded database runs its statements through a pool of its own).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { MAX_PREPARED, preparingPool } from '../../src/store/prepared-pool.js';
import { createPostgresDatabase, TEST_DB_KIND } from '../helpers/db.js';

describe.skipIf(TEST_DB_KIND !== 'postgres')('prepared statements on PostgreSQL', () => {
  let drop: () => Promise<void>;
  let url: string;
  let pool: pg.Pool;
  // One connection: every statement below runs on it.
  let db: Kysely<Record<string, never>>;

  beforeAll(async () => {
    ({ url, drop } = await createPostgresDatabase());
    pool = new pg.Pool({ connectionString: url, max: 1 });
    db = new Kysely({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
    await sql`CREATE TABLE t (a int PRIMARY KEY)`.execute(db);
    await sql`INSERT INTO t SELECT generate_series(1, 10)`.execute(db);
  });
  afterAll(async () => {
    await db.destroy();
    await drop();
  });

  const prepared = async (): Promise<string[]> => (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements ORDER BY prepare_time`.execute(db)).rows.map((r) => r.statement);
  const rowOf = async (a: number) => (await sql<Record<string, unknown>>`SELECT * FROM t WHERE a = ${a}`.execute(db)).rows[0];

  it('prepares a statement with parameters once and runs it again by name', async () => {
    expect(await rowOf(1)).toEqual({ a: 1 });
    expect(await rowOf(2)).toEqual({ a: 2 });
    const texts = await prepared();
    expect(texts.filter((t) => t.startsWith('SELECT * FROM t WHERE a = $1'))).toHaveLength(1);
    // Statements without parameters (this very listing among them) are not kept.
    expect(texts.some((t) => t.includes('pg_prepared_statements'))).toBe(false);
  });

  it('prepares again a statement whose result columns changed under it: outside a transaction it is run again at once', async () => {
    expect(await rowOf(3)).toEqual({ a: 3 });
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query('ALTER TABLE t ADD COLUMN b int DEFAULT 7');
    expect(await rowOf(3)).toEqual({ a: 3, b: 7 });
    // Inside a transaction the failure aborted it: the error stands, and the next run outside works.
    await other.query('ALTER TABLE t ADD COLUMN c int DEFAULT 8');
    await other.end();
    const inTransaction = db.transaction().execute(async (trx) => sql`SELECT * FROM t WHERE a = ${4}`.execute(trx));
    await expect(inTransaction).rejects.toMatchObject({ code: '0A000' });
    expect(await rowOf(4)).toEqual({ a: 4, b: 7, c: 8 });
  });

  it(`keeps at most ${MAX_PREPARED} statements per connection and runs the others unnamed`, async () => {
    for (let i = 0; i < MAX_PREPARED + 10; i++) {
      const r = await sql<{ n: number }>`SELECT ${i}::int + ${sql.lit(i)} AS n`.execute(db);
      expect(r.rows[0]!.n).toBe(2 * i);
    }
    expect((await prepared()).length).toBeLessThanOrEqual(MAX_PREPARED + 2); // stale ones stay allocated
  });
});
