import { sql, type Kysely, type Transaction } from 'kysely';
import type { AssetRefRow, DB } from './schema.js';
import { textProblem } from '../core/json-text.js';
import { recordRevisions } from './asset-batch.js';
import { byteaValue, fromBytea, selectBytea } from './bytea.js';
import { readContentBuffer } from './content-blobs.js';

export interface AssetRow {
  id: string;
  space_id: string;
  type: string;
  name: string;
  body: unknown;
  content: Buffer | null;
  refs: AssetRefRow[];
  sha256: string;
  status: 'enabled' | 'disabled';
  revision: number;
  created_at: Date;
  updated_at: Date;
  created_by: string | null;
  updated_by: string | null;
  /** Byte size of binary content (set when the content itself is not loaded). */
  size?: number | null;
}

type Db = Kysely<DB> | Transaction<DB>;


function normalizeAsset(r: Record<string, unknown>): AssetRow {
  return { ...(r as unknown as AssetRow), content: fromBytea(r.content), revision: Number(r.revision), ...(r.size != null ? { size: Number(r.size) } : {}) };
}

/** Binary content's size: inline, or of its content blob. */
export const CONTENT_SIZE = sql<number | null>`coalesce(octet_length(assets.content), (SELECT cb.size FROM content_blobs cb WHERE cb.sha256 = assets.content_blob))`.as('size');

/** Every column of assets but the (possibly large) binary content. */
const ASSET_COLUMNS = ['id', 'space_id', 'type', 'name', 'body', 'refs', 'sha256', 'status', 'revision', 'created_at', 'updated_at', 'created_by', 'updated_by'] as const;

export interface AssetPage { items: AssetRow[]; next: string | null }

const encodeCursor = (type: string, name: string): string => Buffer.from(JSON.stringify([type, name])).toString('base64url');
function decodeCursor(c: string): [string, string] | null {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    const ok = Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string' && textProblem(x, 'cursor') === null);
    return ok ? [v[0] as string, v[1] as string] : null;
  } catch {
    return null;
  }
}
export const isValidCursor = (c: string): boolean => decodeCursor(c) !== null;

/** A page of a space's assets ordered by (type, name); `after` is the opaque cursor of the previous page. */
export async function listAssets(db: Db, spaceId: string, opts: { type?: string; limit: number; after?: string }): Promise<AssetPage> {
  let q = db.selectFrom('assets').where('space_id', '=', spaceId).select(ASSET_COLUMNS).select(CONTENT_SIZE);
  if (opts.type) q = q.where('type', '=', opts.type);
  const after = opts.after ? decodeCursor(opts.after) : null;
  if (after) q = q.where((eb) => eb.or([eb('type', '>', after[0]), eb.and([eb('type', '=', after[0]), eb('name', '>', after[1])])]));
  const rows = (await q.orderBy('type').orderBy('name').limit(opts.limit + 1).execute()).map((r) => normalizeAsset(r as Record<string, unknown>));
  const more = rows.length > opts.limit;
  const items = more ? rows.slice(0, opts.limit) : rows;
  const last = items[items.length - 1];
  return { items, next: more && last ? encodeCursor(last.type, last.name) : null };
}

/** One asset; its binary content only when asked for (otherwise just its `size`). */
export async function getAsset(db: Db, spaceId: string, id: string, opts: { withContent?: boolean } = {}): Promise<AssetRow | undefined> {
  const q = db.selectFrom('assets').select(ASSET_COLUMNS).where('space_id', '=', spaceId).where('id', '=', id);
  const r = await (opts.withContent ? q.select(selectBytea('content').as('content')).select('content_blob') : q.select(CONTENT_SIZE)).executeTakeFirst();
  if (!r) return undefined;
  const { content_blob: blob, ...row } = r as Record<string, unknown>;
  const a = normalizeAsset(row);
  return typeof blob === 'string' ? { ...a, content: await readContentBuffer(db, blob) } : a;
}

export interface NewAsset extends Pick<AssetRow, 'id' | 'space_id' | 'type' | 'name' | 'body' | 'content' | 'refs' | 'sha256' | 'status'> {
  author: string | null;
}

export async function insertAsset(db: Db, a: NewAsset): Promise<AssetRow> {
  const r = await db
    .insertInto('assets')
    .values({
      id: a.id,
      space_id: a.space_id,
      type: a.type,
      name: a.name,
      body: a.body === undefined || a.content ? null : JSON.stringify(a.body),
      content: a.content ? byteaValue(a.content) : null,
      refs: JSON.stringify(a.refs),
      sha256: a.sha256,
      status: a.status,
      created_by: a.author,
      updated_by: a.author,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db
    .insertInto('asset_revisions')
    .values({ asset_id: a.id, space_id: a.space_id, job_id: null, revision: 0, existed: false, type: a.type, name: a.name, body: null, content: null, refs: null, sha256: null, status: null, recorded_by: a.author })
    .execute();
  return normalizeAsset(r as Record<string, unknown>);
}

export interface AssetChanges { body?: unknown; content?: Buffer | null; refs?: AssetRefRow[]; status?: 'enabled' | 'disabled'; sha256?: string }

/** Updates an asset whose revision is still `current.revision`; returns undefined if it changed meanwhile. */
export async function updateAsset(db: Db, current: AssetRow, ch: AssetChanges, author: string | null): Promise<AssetRow | undefined> {
  await recordRevisions(db, [current.id], null, author);
  const r = await db
    .updateTable('assets')
    .set({
      ...(ch.body !== undefined ? { body: JSON.stringify(ch.body) } : {}),
      ...(ch.content !== undefined ? { content: ch.content ? byteaValue(ch.content) : null, content_blob: null } : {}),
      ...(ch.refs !== undefined ? { refs: JSON.stringify(ch.refs) } : {}),
      ...(ch.status !== undefined ? { status: ch.status } : {}),
      ...(ch.sha256 !== undefined ? { sha256: ch.sha256 } : {}),
      revision: current.revision + 1,
      updated_at: new Date(),
      updated_by: author,
    })
    .where('id', '=', current.id)
    .where('revision', '=', current.revision)
    .returningAll()
    .executeTakeFirst();
  return r ? normalizeAsset(r as Record<string, unknown>) : undefined;
}

export async function deleteAsset(db: Db, current: AssetRow, author: string | null): Promise<boolean> {
  await recordRevisions(db, [current.id], null, author);
  const r = await db.deleteFrom('assets').where('id', '=', current.id).where('revision', '=', current.revision).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}
