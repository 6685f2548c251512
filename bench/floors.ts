/**
 * The floors the asset imports are measured against, in the same run:
 *   import floor = `unzip -p` of the package + one transaction inserting the same rows into
 *                  the assets table with a single `INSERT … SELECT FROM unnest(…)`;
 *   bare floor   = `unzip -p` + the same INSERT of (type, name, jsonb body) into an
 *                  unindexed table: the physical limit, without the assets table's indexes,
 *                  constraints and columns.
 */
import { execSync } from 'node:child_process';
import { sql } from 'kysely';
import { newId32 } from '../src/core/ids.js';
import { sha256Hex } from '../src/core/json-text.js';
import type { PackageAssetInput } from '../src/package/package-writer.js';
import type { Database } from '../src/store/database.js';

/** Milliseconds a shell command takes. */
export function timeCommand(cmd: string): number {
  const t = performance.now();
  execSync(cmd, { stdio: 'ignore', shell: '/bin/bash' });
  return performance.now() - t;
}

const bodiesOf = (assets: readonly PackageAssetInput[]): string[] => assets.map((a) => JSON.stringify((a as { body: unknown }).body));

/** One transaction inserting the package's rows into assets with a single INSERT … SELECT FROM unnest(…). */
export async function insertFloor(database: Database, orgId: string, assets: PackageAssetInput[]): Promise<number> {
  const spaceId = newId32();
  await database.db.insertInto('spaces').values({ id: spaceId, org_id: orgId, kind: 'project', name: `floor-${spaceId}`, project_space: 'floor' }).execute();
  const bodies = bodiesOf(assets);
  const t = performance.now();
  await database.db.transaction().execute(async (trx) => {
    await sql`INSERT INTO assets (id, space_id, type, name, body, refs, sha256, status)
      SELECT u.id, ${spaceId}, u.type, u.name, u.body::jsonb, '[]'::jsonb, u.sha, 'enabled'
      FROM unnest(${assets.map((a) => a.id)}::text[], ${assets.map((a) => a.type)}::text[], ${assets.map((a) => a.name)}::text[], ${bodies}::text[], ${bodies.map((b) => sha256Hex(b))}::text[]) AS u(id, type, name, body, sha)`.execute(trx);
  });
  const took = performance.now() - t;
  await database.db.deleteFrom('spaces').where('id', '=', spaceId).execute();
  return took;
}

/** One transaction inserting (type, name, jsonb body) into a new unindexed table, dropped after. */
export async function bareInsertFloor(database: Database, assets: PackageAssetInput[]): Promise<number> {
  const table = `bare_floor_${newId32()}`;
  await sql`CREATE TABLE ${sql.table(table)} (type text, name text, body jsonb)`.execute(database.db);
  const bodies = bodiesOf(assets);
  const t = performance.now();
  await database.db.transaction().execute(async (trx) => {
    await sql`INSERT INTO ${sql.table(table)} (type, name, body)
      SELECT u.type, u.name, u.body::jsonb FROM unnest(${assets.map((a) => a.type)}::text[], ${assets.map((a) => a.name)}::text[], ${bodies}::text[]) AS u(type, name, body)`.execute(trx);
  });
  const took = performance.now() - t;
  await sql`DROP TABLE ${sql.table(table)}`.execute(database.db);
  return took;
}
