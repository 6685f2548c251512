/**
 * Batched asset writes for imports and undo: one statement per 500 rows
 * (`INSERT … SELECT FROM unnest(…)`), never a round trip per asset. Binary assets (files)
 * are written one statement each, as their size dominates anyway. Every write keeps the
 * previous state in asset_revisions, tagged with the job.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AssetRefRow, DB } from './schema.js';
import { byteaValue } from './bytea.js';

type Trx = Transaction<DB>;
const BATCH = 500;

/** How a batched write runs: rows per statement (at most 500), and who is told of each written batch. */
export interface BatchOptions {
  rows?: number;
  /** Called after each statement with the number of rows it wrote (each row is written twice: itself and its revision). */
  onBatch?: (rows: number) => void;
}

export interface TargetAssetRow {
  id: string;
  type: string;
  name: string;
  sha256: string;
  status: 'enabled' | 'disabled';
  refs: AssetRefRow[];
  revision: number;
}

/**
 * The space's assets without bodies (what a plan needs). They come as one JSON text (one
 * array per asset) rather than one row each: on the embedded database a result row costs
 * far more than its JSON (10,000 assets: ~80 ms as rows, ~30 ms as JSON; on PostgreSQL
 * 20–45 ms either way).
 */
export async function loadTargetState(trx: Trx | Kysely<DB>, spaceId: string): Promise<TargetAssetRow[]> {
  const r = await sql<{ state: string }>`
    SELECT coalesce(json_agg(json_build_array(id, type, name, sha256, status, refs, revision)), '[]')::text AS state
    FROM assets WHERE space_id = ${spaceId}`.execute(trx);
  const rows = JSON.parse(r.rows[0]?.state ?? '[]') as Array<[string, string, string, string, TargetAssetRow['status'], AssetRefRow[], number | string]>;
  return rows.map(([id, type, name, sha256, status, refs, revision]) => ({ id, type, name, sha256, status, refs, revision: Number(revision) }));
}

export interface AssetWrite {
  id: string;
  type: string;
  name: string;
  /** The JSON body as text (already sealed), or null for binary assets. */
  bodyText: string | null;
  content: Buffer | null;
  /**
   * For large files: the SHA-256 of the content blob the bytes were staged as (before the
   * transaction); the asset refers to it, and `content` is null.
   */
  contentBlob?: string;
  refs: AssetRefRow[];
  sha256: string;
  status: 'enabled' | 'disabled';
}

/** The content columns of a binary write: its bytes inline, or a reference to its content blob. */
const contentOf = (w: AssetWrite) => (w.contentBlob ? { content: null, content_blob: w.contentBlob } : { content: byteaValue(w.content ?? Buffer.alloc(0)), content_blob: null });
const isBinary = (w: AssetWrite): boolean => w.content !== null || w.contentBlob !== undefined;

function* chunks<T>(xs: readonly T[], n: number): Generator<T[]> {
  for (let i = 0; i < xs.length; i += n) yield xs.slice(i, i + n);
}

/** Creates assets (and their creation tombstones, so an undo removes them). */
export async function insertAssets(trx: Trx, spaceId: string, rows: readonly AssetWrite[], jobId: string | null, author: string | null, o: BatchOptions = {}): Promise<void> {
  const size = Math.min(BATCH, o.rows ?? BATCH);
  const json = rows.filter((r) => !isBinary(r));
  for (const b of chunks(json, size)) {
    await sql`
      INSERT INTO assets (id, space_id, type, name, body, content, refs, sha256, status, created_by, updated_by)
      SELECT u.id, ${spaceId}, u.type, u.name, u.body::json, NULL, u.refs::jsonb, u.sha256, u.status, ${author}, ${author}
      FROM unnest(${b.map((r) => r.id)}::text[], ${b.map((r) => r.type)}::text[], ${b.map((r) => r.name)}::text[],
                  ${b.map((r) => r.bodyText)}::text[], ${b.map((r) => JSON.stringify(r.refs))}::text[],
                  ${b.map((r) => r.sha256)}::text[], ${b.map((r) => r.status)}::text[])
        AS u(id, type, name, body, refs, sha256, status)`.execute(trx);
    o.onBatch?.(b.length);
  }
  for (const r of rows.filter(isBinary)) {
    await trx
      .insertInto('assets')
      .values({ id: r.id, space_id: spaceId, type: r.type, name: r.name, body: r.bodyText, ...contentOf(r), refs: JSON.stringify(r.refs), sha256: r.sha256, status: r.status, created_by: author, updated_by: author })
      .execute();
    o.onBatch?.(1);
  }
  for (const b of chunks(rows, size)) {
    await sql`
      INSERT INTO asset_revisions (asset_id, space_id, job_id, revision, existed, type, name, recorded_by)
      SELECT u.id, ${spaceId}, ${jobId}, 0, false, u.type, u.name, ${author}
      FROM unnest(${b.map((r) => r.id)}::text[], ${b.map((r) => r.type)}::text[], ${b.map((r) => r.name)}::text[]) AS u(id, type, name)`.execute(trx);
    o.onBatch?.(b.length);
  }
}

/** Copies the current state of these assets into asset_revisions. */
export async function recordRevisions(trx: Trx | Kysely<DB>, ids: readonly string[], jobId: string | null, author: string | null, o: BatchOptions = {}): Promise<void> {
  for (const b of chunks(ids, Math.min(BATCH, o.rows ?? BATCH))) {
    await sql`
      INSERT INTO asset_revisions (asset_id, space_id, job_id, revision, existed, type, name, body, content, content_blob, refs, sha256, status, recorded_by)
      SELECT id, space_id, ${jobId}, revision, true, type, name, body, content, content_blob, refs, sha256, status, ${author}
      FROM assets WHERE id = ANY(${b}::text[]) ORDER BY id`.execute(trx);
    o.onBatch?.(b.length);
  }
}

export class ConcurrentChangeError extends Error {
  constructor(readonly expected: number, readonly changed: number) {
    super(`${expected - changed} asset(s) changed while the operation ran`);
  }
}

/**
 * Updates existing assets to the given state, if each is still at `revision`; the
 * previous state is kept as a revision. Throws ConcurrentChangeError otherwise.
 */
export async function updateAssets(trx: Trx, rows: ReadonlyArray<AssetWrite & { revision: number }>, jobId: string | null, author: string | null, o: BatchOptions = {}): Promise<void> {
  await recordRevisions(trx, rows.map((r) => r.id), jobId, author, o);
  let changed = 0;
  for (const b of chunks(rows.filter((r) => !isBinary(r)), Math.min(BATCH, o.rows ?? BATCH))) {
    const r = await sql`
      UPDATE assets SET body = u.body::json, refs = u.refs::jsonb, sha256 = u.sha256, status = u.status,
        revision = assets.revision + 1, updated_at = now(), updated_by = ${author}
      FROM unnest(${b.map((x) => x.id)}::text[], ${b.map((x) => x.bodyText)}::text[], ${b.map((x) => JSON.stringify(x.refs))}::text[],
                  ${b.map((x) => x.sha256)}::text[], ${b.map((x) => x.status)}::text[], ${b.map((x) => x.revision)}::int[])
        AS u(id, body, refs, sha256, status, rev)
      WHERE assets.id = u.id AND assets.revision = u.rev`.execute(trx);
    changed += Number(r.numAffectedRows ?? 0);
    o.onBatch?.(b.length);
  }
  for (const x of rows.filter(isBinary)) {
    const r = await trx
      .updateTable('assets')
      .set({ body: x.bodyText, ...contentOf(x), refs: JSON.stringify(x.refs), sha256: x.sha256, status: x.status, revision: x.revision + 1, updated_at: new Date(), updated_by: author })
      .where('id', '=', x.id)
      .where('revision', '=', x.revision)
      .executeTakeFirst();
    changed += Number(r.numUpdatedRows);
    o.onBatch?.(1);
  }
  if (changed !== rows.length) throw new ConcurrentChangeError(rows.length, changed);
}

/** Deletes assets still at the given revisions, keeping their state as revisions. */
export async function deleteAssets(trx: Trx, rows: ReadonlyArray<{ id: string; revision: number }>, jobId: string | null, author: string | null): Promise<void> {
  await recordRevisions(trx, rows.map((r) => r.id), jobId, author);
  let changed = 0;
  for (const b of chunks(rows, BATCH)) {
    const r = await sql`
      DELETE FROM assets USING unnest(${b.map((x) => x.id)}::text[], ${b.map((x) => x.revision)}::int[]) AS u(id, rev)
      WHERE assets.id = u.id AND assets.revision = u.rev`.execute(trx);
    changed += Number(r.numAffectedRows ?? 0);
  }
  if (changed !== rows.length) throw new ConcurrentChangeError(rows.length, changed);
}

/** Takes the space's write lock for the rest of the transaction: imports into one space never interleave. */
export async function lockSpace(trx: Trx, spaceId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`assetport:space:${spaceId}`}))`.execute(trx);
}
