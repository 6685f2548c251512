/** A PostgreSQL database of the benchmark's own, created on the given server and dropped after. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export async function freshPostgres(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `assetport_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
