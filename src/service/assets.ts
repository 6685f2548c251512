/** Assets through the native API: validated, secrets sealed at rest and masked on the way out. */
import { assetTypeInfo, isAssetType, mayReferTo, type AssetType } from '../core/asset-types.js';
import { assetChecksum, checkStorableJson } from '../core/json-text.js';
import { DomainError } from '../core/errors.js';
import { isAssetId, newAssetId } from '../core/ids.js';
import { checkAssetName } from '../core/names.js';
import { maskSecrets, mergeMaskedSecrets, sealSecrets } from '../core/secret-fields.js';
import { deleteAsset as deleteAssetRow, getAsset as getAssetRow, insertAsset, isValidCursor, listAssets as listAssetRows, updateAsset as updateAssetRow, type AssetRow } from '../store/assets.js';
import { hasRevisions, listStoredRevisions, type StoredRevision } from '../store/asset-revisions.js';
import { recordAudit } from '../store/audit.js';
import { isUniqueViolation } from '../store/pg-errors.js';
import type { AssetRefRow } from '../store/schema.js';
import type { SpaceView } from '../store/spaces.js';
import { kindPhrase, sideOfKind, type PackageKind } from '../package/manifest.js';
import { spaceWithAccess } from './access.js';
import type { ServiceContext } from './context.js';
import { requireName } from './names-check.js';
import { articleFor, withArticle } from '../core/phrases.js';

export type SpaceSide = 'roma' | 'snaplogic';
export const sideOfSpace = (s: { kind: PackageKind }): SpaceSide => sideOfKind(s.kind);

export interface AssetOut {
  id: string;
  space_id: string;
  type: string;
  name: string;
  body: unknown;
  refs: AssetRefRow[];
  status: 'enabled' | 'disabled';
  revision: number;
  sha256: string;
  size?: number;
  created_at: string;
  updated_at: string;
}

/** A stored body as callers see it: secrets masked. */
const maskedBody = (type: string, body: unknown): unknown => (isAssetType(type) && body != null ? maskSecrets(type, body) : body);

function assetView(a: AssetRow): AssetOut {
  return {
    id: a.id,
    space_id: a.space_id,
    type: a.type,
    name: a.name,
    body: maskedBody(a.type, a.body),
    refs: a.refs,
    status: a.status,
    revision: a.revision,
    sha256: a.sha256,
    ...(a.content ? { size: a.content.length } : a.size != null ? { size: a.size } : {}),
    created_at: a.created_at.toISOString(),
    updated_at: a.updated_at.toISOString(),
  };
}

function requireType(space: SpaceView, type: unknown): AssetType {
  const side = sideOfSpace(space);
  if (typeof type !== 'string' || !isAssetType(type) || assetTypeInfo(type).side !== side) {
    throw new DomainError('invalid_request', `type: '${String(type)}' is not an asset type of ${kindPhrase(space.kind)}.`, { field: 'type' });
  }
  return type;
}

function requireRefs(type: AssetType, refs: unknown): AssetRefRow[] {
  if (refs === undefined) return [];
  if (!Array.isArray(refs)) throw new DomainError('invalid_request', 'refs: must be a list of {type, name}.', { field: 'refs' });
  const seen = new Set<string>();
  const out: AssetRefRow[] = [];
  for (const [i, r] of refs.entries()) {
    const ref = r as { type?: unknown; name?: unknown };
    if (typeof r !== 'object' || r === null || typeof ref.type !== 'string' || typeof ref.name !== 'string' || ref.name.length === 0 || ref.name.length > 256) {
      throw new DomainError('invalid_request', `refs[${i}]: must be {type, name} with a non-empty name.`, { field: 'refs' });
    }
    if (!isAssetType(ref.type) || !mayReferTo(type, ref.type)) {
      throw new DomainError('invalid_request', `refs[${i}]: ${withArticle(type)} may not refer to ${articleFor(String(ref.type))} '${ref.type}'.`, { field: 'refs' });
    }
    const key = `${ref.type}\u0000${ref.name}`;
    if (!seen.has(key)) out.push({ type: ref.type, name: ref.name });
    seen.add(key);
  }
  return out;
}

function requireStatus(status: unknown): 'enabled' | 'disabled' | undefined {
  if (status === undefined) return undefined;
  if (status !== 'enabled' && status !== 'disabled') throw new DomainError('invalid_request', "status: must be 'enabled' or 'disabled'.", { field: 'status' });
  return status;
}

function requireBody(body: unknown): void {
  const p = checkStorableJson(body);
  if (p) throw new DomainError('invalid_request', `body: ${p}.`, { field: 'body' });
}

function decodeContent(type: AssetType, content: unknown): Buffer | undefined {
  if (content === undefined) return undefined;
  if (assetTypeInfo(type).content !== 'binary') throw new DomainError('invalid_request', `content_base64: ${withArticle(type)} has a JSON body, not binary content.`, { field: 'content_base64' });
  if (typeof content !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(content)) {
    throw new DomainError('invalid_request', 'content_base64: must be base64.', { field: 'content_base64' });
  }
  return Buffer.from(content, 'base64');
}

export interface AssetInput { type?: unknown; name?: unknown; body?: unknown; refs?: unknown; status?: unknown; content_base64?: unknown; revision?: unknown }

export async function createAsset(ctx: ServiceContext, spaceId: string, input: AssetInput): Promise<AssetOut> {
  const space = await spaceWithAccess(ctx.db, ctx.principal, spaceId, 'W');
  const type = requireType(space, input.type);
  requireName(checkAssetName(sideOfSpace(space), type, input.name), 'name');
  const name = input.name as string;
  const refs = requireRefs(type, input.refs);
  const status = requireStatus(input.status) ?? 'enabled';
  const content = decodeContent(type, input.content_base64) ?? (assetTypeInfo(type).content === 'binary' ? Buffer.alloc(0) : null);
  let body: unknown = input.body ?? (content ? null : {});
  requireBody(body);
  if (body != null) body = sealSecrets(type, body, ctx.keyring);
  const sha256 = assetChecksum({ body, content });
  try {
    const row = await ctx.db.transaction().execute(async (trx) => {
      const a = await insertAsset(trx, { id: newAssetId(), space_id: space.id, type, name, body, content, refs, sha256, status, author: ctx.principal.name });
      await recordAudit(trx, { actor: ctx.principal.name, action: 'asset.create', org_id: space.org_id, space_id: space.id, details: { asset_id: a.id, type, name } });
      return a;
    });
    return assetView(row);
  } catch (e) {
    if (isUniqueViolation(e)) throw new DomainError('conflict', `A ${type} named '${name}' already exists in this space.`);
    throw e;
  }
}

export async function listAssets(ctx: ServiceContext, spaceId: string, q: { type?: string; limit?: number; after?: string }) {
  const space = await spaceWithAccess(ctx.db, ctx.principal, spaceId, 'R');
  if (q.type !== undefined) requireType(space, q.type);
  if (q.after !== undefined && !isValidCursor(q.after)) throw new DomainError('invalid_request', 'after: not a cursor this service returned.', { field: 'after' });
  const page = await listAssetRows(ctx.db, space.id, { type: q.type, limit: q.limit ?? 100, after: q.after });
  return { items: page.items.map(assetView), next: page.next };
}

async function loadAsset(ctx: ServiceContext, spaceId: string, assetId: string, need: 'R' | 'W', withContent = false) {
  const space = await spaceWithAccess(ctx.db, ctx.principal, spaceId, need);
  const a = isAssetId(assetId) ? await getAssetRow(ctx.db, space.id, assetId, { withContent }) : undefined;
  if (!a) throw new DomainError('not_found', `Asset '${assetId}' was not found in this space.`, { resource: 'asset' });
  return { space, asset: a };
}

export async function getAsset(ctx: ServiceContext, spaceId: string, assetId: string): Promise<AssetOut> {
  return assetView((await loadAsset(ctx, spaceId, assetId, 'R')).asset);
}

export async function getAssetContent(ctx: ServiceContext, spaceId: string, assetId: string): Promise<{ name: string; content: Buffer }> {
  const { asset } = await loadAsset(ctx, spaceId, assetId, 'R', true);
  if (!asset.content) throw new DomainError('not_found', `Asset '${assetId}' has no binary content (it is ${withArticle(asset.type)}).`, { resource: 'content' });
  return { name: asset.name, content: asset.content };
}

export async function updateAsset(ctx: ServiceContext, spaceId: string, assetId: string, input: AssetInput): Promise<AssetOut> {
  const { space, asset } = await loadAsset(ctx, spaceId, assetId, 'W', true);
  const type = asset.type as AssetType;
  if (input.type !== undefined && input.type !== asset.type) throw new DomainError('invalid_request', 'type: an asset\'s type can not be changed.', { field: 'type' });
  if (input.name !== undefined && input.name !== asset.name) throw new DomainError('invalid_request', 'name: renaming is not supported; create a new asset.', { field: 'name' });
  if (input.revision !== undefined && !Number.isInteger(input.revision)) {
    throw new DomainError('invalid_request', 'revision: must be a whole number (the revision you read).', { field: 'revision' });
  }
  if (input.revision !== undefined && input.revision !== asset.revision) {
    throw new DomainError('conflict', `The asset is at revision ${asset.revision}, not ${String(input.revision)}; reload it and try again.`);
  }
  if (input.body === undefined && input.refs === undefined && input.status === undefined && input.content_base64 === undefined) {
    throw new DomainError('invalid_request', 'Nothing to change: give at least one of body, refs, status, content_base64.');
  }
  const refs = input.refs !== undefined ? requireRefs(type, input.refs) : undefined;
  const status = requireStatus(input.status);
  const content = decodeContent(type, input.content_base64);
  let body: unknown;
  if (input.body !== undefined) {
    requireBody(input.body);
    body = input.body === null ? null : sealSecrets(type, mergeMaskedSecrets(type, input.body, asset.body), ctx.keyring);
  }
  // The checksum is of the stored text: it changes only when the body or content does.
  const sha256 = body !== undefined || content !== undefined ? assetChecksum({ body: body !== undefined ? body : asset.body, content: content ?? asset.content }) : asset.sha256;
  const row = await ctx.db.transaction().execute(async (trx) => {
    const updated = await updateAssetRow(trx, asset, { body, content, refs, status, sha256 }, ctx.principal.name);
    if (!updated) throw new DomainError('conflict', 'The asset was changed by someone else meanwhile; reload it and try again.');
    await recordAudit(trx, { actor: ctx.principal.name, action: 'asset.update', org_id: space.org_id, space_id: space.id, details: { asset_id: asset.id, revision: updated.revision } });
    return updated;
  });
  return assetView(row);
}

export async function deleteAsset(ctx: ServiceContext, spaceId: string, assetId: string): Promise<void> {
  const { space, asset } = await loadAsset(ctx, spaceId, assetId, 'W');
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await deleteAssetRow(trx, asset, ctx.principal.name))) throw new DomainError('conflict', 'The asset was changed by someone else meanwhile; reload it and try again.');
    await recordAudit(trx, { actor: ctx.principal.name, action: 'asset.delete', org_id: space.org_id, space_id: space.id, details: { asset_id: asset.id, type: asset.type, name: asset.name } });
  });
}

export interface RevisionOut {
  revision: number;
  /** The asset's state now (first on the first page), or one it had before a write. */
  current: boolean;
  type: string;
  name: string;
  status: string | null;
  refs: AssetRefRow[];
  body: unknown;
  sha256: string | null;
  size?: number;
  /** When, by whom and in which job (null: an edit through the API) this state was replaced; null for the current one. */
  replaced_at: string | null;
  replaced_by: string | null;
  replaced_by_job: string | null;
}

const currentRevision = (a: AssetRow): RevisionOut => {
  const v = assetView(a);
  return { revision: v.revision, current: true, type: v.type, name: v.name, status: v.status, refs: v.refs, body: v.body, sha256: v.sha256, ...(v.size !== undefined ? { size: v.size } : {}), replaced_at: null, replaced_by: null, replaced_by_job: null };
};

const storedRevision = (r: StoredRevision): RevisionOut => ({
  revision: r.revision,
  current: false,
  type: r.type,
  name: r.name,
  status: r.status,
  refs: r.refs,
  body: maskedBody(r.type, r.body),
  sha256: r.sha256,
  ...(r.size !== null ? { size: r.size } : {}),
  replaced_at: r.recorded_at.toISOString(),
  replaced_by: r.recorded_by,
  replaced_by_job: r.job_id,
});

const revisionCursor = (seq: string): string => Buffer.from(`r${seq}`).toString('base64url');
function seqOfCursor(c: string): string {
  const m = /^r(\d{1,18})$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  if (!m) throw new DomainError('invalid_request', 'cursor: not a cursor this service returned.', { field: 'cursor' });
  return m[1]!;
}

/**
 * An asset's revisions, newest first: its current state (unless it was deleted), then the
 * states it had before each write, with secrets masked as in the asset itself.
 */
export async function listRevisions(ctx: ServiceContext, spaceId: string, assetId: string, q: { limit: number; cursor?: string }) {
  const space = await spaceWithAccess(ctx.db, ctx.principal, spaceId, 'R');
  const before = q.cursor !== undefined ? seqOfCursor(q.cursor) : undefined;
  const asset = isAssetId(assetId) ? await getAssetRow(ctx.db, space.id, assetId) : undefined;
  if (!asset && !(isAssetId(assetId) && (await hasRevisions(ctx.db, space.id, assetId)))) {
    throw new DomainError('not_found', `Asset '${assetId}' was not found in this space.`, { resource: 'asset' });
  }
  const items: RevisionOut[] = asset && before === undefined ? [currentRevision(asset)] : [];
  const room = q.limit - items.length;
  const stored = room > 0 ? await listStoredRevisions(ctx.db, space.id, assetId, { limit: room + 1, ...(before !== undefined ? { before } : {}) }) : [];
  const more = stored.length > room || (room === 0 && (await listStoredRevisions(ctx.db, space.id, assetId, { limit: 1 })).length > 0);
  const kept = stored.slice(0, Math.max(0, room));
  items.push(...kept.map(storedRevision));
  const last = kept[kept.length - 1];
  const next = more ? (last ? revisionCursor(last.seq) : revisionCursor('9'.repeat(18))) : null;
  return { asset_id: assetId, space_id: space.id, deleted: !asset, items, next };
}
