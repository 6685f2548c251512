/**
 * An asset's stored revisions: the states it had before each write (asset_revisions rows
 * with `existed`), newest first. The tombstones recorded for a creation are not states and
 * are left out. Paged by the row id, which grows with every write.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AssetRefRow, DB } from './schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export interface StoredRevision {
  /** The row id: the order the revisions were recorded in. */
  seq: string;
  revision: number;
  type: string;
  name: string;
  body: unknown;
  refs: AssetRefRow[];
  sha256: string | null;
  status: 'enabled' | 'disabled' | null;
  size: number | null;
  /** When, by whom and in which job (if any) this state was replaced. */
  recorded_at: Date;
  recorded_by: string | null;
  job_id: string | null;
}

/** Whether the space has ever held the asset (a revision or a tombstone of it). */
export async function hasRevisions(db: Db, spaceId: string, assetId: string): Promise<boolean> {
  const r = await db.selectFrom('asset_revisions').select('id').where('space_id', '=', spaceId).where('asset_id', '=', assetId).limit(1).executeTakeFirst();
  return r !== undefined;
}

/** Up to `limit` stored states of the asset, newest first, recorded before row `before` when given. */
export async function listStoredRevisions(db: Db, spaceId: string, assetId: string, opts: { limit: number; before?: string }): Promise<StoredRevision[]> {
  let q = db
    .selectFrom('asset_revisions')
    .select(['revision', 'type', 'name', 'body', 'refs', 'sha256', 'status', 'recorded_at', 'recorded_by', 'job_id'])
    .select([sql<string>`id::text`.as('seq'), sql<number | null>`coalesce(octet_length(asset_revisions.content), (SELECT cb.size FROM content_blobs cb WHERE cb.sha256 = asset_revisions.content_blob))`.as('size')])
    .where('space_id', '=', spaceId)
    .where('asset_id', '=', assetId)
    .where('existed', '=', true);
  if (opts.before !== undefined) q = q.where('id', '<', opts.before);
  const rows = await q.orderBy('id', 'desc').limit(opts.limit).execute();
  return rows.map((r) => ({
    ...(r as unknown as StoredRevision),
    revision: Number(r.revision),
    refs: (r.refs ?? []) as AssetRefRow[],
    status: r.status as StoredRevision['status'],
    size: r.size === null ? null : Number(r.size),
  }));
}
