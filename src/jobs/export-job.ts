/**
 * The export job: the selected assets of a space (optionally with everything they refer
 * to) written as a package into a blob, streamed: assets are read in batches and the ZIP
 * goes to the database chunk by chunk.
 */
import { sql, type Kysely } from 'kysely';
import { ASSET_TYPES, assetTypeInfo, type AssetType } from '../core/asset-types.js';
import { DomainError } from '../core/errors.js';
import { secretKeyIds } from '../core/secret-fields.js';
import { loadTargetState } from '../store/asset-batch.js';
import { BlobSink, deleteBlob } from '../store/blobs.js';
import { asBulk } from '../store/bulk-lane.js';
import { fromBytea, selectBytea } from '../store/bytea.js';
import { readContent as readContentBlob } from '../store/content-blobs.js';
import { CONTENT_SIZE } from '../store/assets.js';

import { recordAudit } from '../store/audit.js';
import type { AssetRefRow, DB } from '../store/schema.js';
import { getSpace, type SpaceView } from '../store/spaces.js';
import { writePackage, type PackageAssetInput } from '../package/package-writer.js';
import type { AccountsTemplate, PackageKind } from '../package/manifest.js';
import type { JobDeps } from './job-deps.js';
import type { JobContext } from './worker.js';

export interface ExportParams {
  space_id: string;
  asset_ids?: string[];
  types?: AssetType[];
  with_dependencies?: boolean;
  /** Add the assets that refer to a selected application (what it owns). */
  with_owned?: boolean;
  author: string;
}

export interface ExportReport {
  space_id: string;
  asset_count: number;
  bytes: number;
  sha256: string;
  file_name: string;
  counts: Record<string, number>;
  missing_dependencies: Array<{ type: string; name: string; from: string }>;
  timings_ms?: Record<string, number>;
}

const BATCH = 2000;
/** Types whose bodies hold secrets: their key ids go into the manifest, Accounts into the accounts template. */
const SECRET_TYPES = ASSET_TYPES.filter((t) => assetTypeInfo(t).secretFields.length > 0);

const readContent = async (db: Kysely<DB>, id: string): Promise<Buffer | null> =>
  fromBytea((await db.selectFrom('assets').select(selectBytea('content').as('content')).where('id', '=', id).executeTakeFirst())?.content);

/**
 * The ids to export: the selection, with what the selected applications own (the assets
 * that refer to them) when asked, closed over references within the space when asked.
 */
async function selectExport(db: Kysely<DB>, p: Pick<ExportParams, 'space_id' | 'asset_ids' | 'types' | 'with_dependencies' | 'with_owned'>): Promise<{ ids: string[]; missing: ExportReport['missing_dependencies'] }> {
  if (!p.asset_ids && !p.types && !p.with_dependencies && !p.with_owned) {
    // The whole space, nothing to resolve: only the ids are needed.
    const rows = await db.selectFrom('assets').select('id').where('space_id', '=', p.space_id).execute();
    return { ids: rows.map((r) => r.id), missing: [] };
  }
  const all = await loadTargetState(db, p.space_id);
  const byId = new Map(all.map((a) => [a.id, a]));
  const byKey = new Map(all.map((a) => [`${a.type}\u0000${a.name}`, a]));
  let selected = all;
  if (p.asset_ids) {
    const unknown = p.asset_ids.filter((id) => !byId.has(id));
    if (unknown.length) throw new DomainError('not_found', `These assets are not in the space: ${unknown.join(', ')}.`, { resource: 'asset', asset_ids: unknown });
    selected = p.asset_ids.map((id) => byId.get(id)!);
  }
  if (p.types) selected = selected.filter((a) => p.types!.includes(a.type as AssetType));
  const chosen = new Set(selected.map((a) => a.id));
  if (p.with_owned) {
    const apps = new Set(selected.filter((a) => a.type === 'application').map((a) => a.name));
    const owned = all.filter((a) => !chosen.has(a.id) && a.refs.some((r) => r.type === 'application' && apps.has(r.name)));
    for (const a of owned) chosen.add(a.id);
    selected = [...selected, ...owned];
  }
  const missing: ExportReport['missing_dependencies'] = [];
  if (p.with_dependencies) {
    const queue = [...selected];
    while (queue.length) {
      const a = queue.pop()!;
      for (const r of a.refs) {
        const dep = byKey.get(`${r.type}\u0000${r.name}`);
        if (!dep) missing.push({ type: r.type, name: r.name, from: `${a.type} ${a.name}` });
        else if (!chosen.has(dep.id)) {
          chosen.add(dep.id);
          queue.push(dep);
        }
      }
    }
  }
  return { ids: all.filter((a) => chosen.has(a.id)).map((a) => a.id), missing };
}

/**
 * The assets with their bodies as stored text (exported byte for byte), a batch per query;
 * the next batch is fetched while the current one is written. File contents are not in
 * the batches: they are read afterwards in slices (see contentSlices).
 */
interface ExportRow { id: string; type: string; name: string; status: 'enabled' | 'disabled'; refs: AssetRefRow[]; size: number | null; content_blob: string | null; body_text: string | null }

async function* assetsInBatches(db: Kysely<DB>, ids: readonly string[], onBatch: (done: number) => void): AsyncGenerator<ExportRow> {
  const fetchBatch = (i: number) =>
    db
      .selectFrom('assets')
      .select(['id', 'type', 'name', 'refs', 'status', 'content_blob'])
      .select(CONTENT_SIZE)
      .select(sql<string | null>`body::text`.as('body_text'))
      .where(sql<boolean>`id = ANY(${ids.slice(i, i + BATCH)}::text[])`)
      .orderBy('type')
      .orderBy('name')
      .execute();
  let next = ids.length > 0 ? fetchBatch(0) : undefined;
  for (let i = 0; next; i += BATCH) {
    const rows = await next;
    next = i + BATCH < ids.length ? fetchBatch(i + BATCH) : undefined;
    yield* rows as ExportRow[];
    onBatch(Math.min(ids.length, i + BATCH));
  }
}

/** Small enough that receiving and decoding one slice never holds up the main thread for long. */
const SLICE_BYTES = 1024 * 1024;

/** A file's content read in slices, so a large file is never whole in memory. */
async function* contentSlices(db: Kysely<DB>, id: string, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < size; at += SLICE_BYTES) {
    const r = await asBulk(
      () => sql<{ part: unknown }>`
      SELECT ${selectBytea('part')} AS part
      FROM (SELECT substring(content FROM ${at + 1} FOR ${SLICE_BYTES}) AS part FROM assets WHERE id = ${id}) AS slice`.execute(db),
    );
    yield fromBytea(r.rows[0]?.part) ?? Buffer.alloc(0);
  }
}

/** The space's name within its org: `api/version`, `project space/project` or the instance name. */
const spaceName = (s: SpaceView): string =>
  s.kind === 'api_version' ? `${s.api_name ?? ''}/${s.name}` : s.kind === 'project' ? `${s.project_space ?? ''}/${s.name}` : s.name;

const spacePath = (s: SpaceView): string => `/${s.org_name}/${s.kind === 'api_version' ? 'apim/' : ''}${spaceName(s)}`;

const exportFileName = (s: SpaceView): string => `${[s.org_name, s.api_name, s.project_space, s.name].filter(Boolean).join('-').replace(/[^A-Za-z0-9+_-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'assets'}.zip`;

async function writeSpacePackage(db: Kysely<DB>, space: SpaceView, ids: readonly string[], sink: BlobSink, progress: (p: number) => void): Promise<{ counts: Record<string, number> }> {
  // Accounts first (few): the accounts template and the key ids come from them.
  const template: AccountsTemplate = { accounts: [] };
  const keyIds = new Set<string>();
  const accounts = ids.length
    ? await db
        .selectFrom('assets')
        .select(['id', 'type', 'name', 'body'])
        .where('space_id', '=', space.id)
        // Types with secret fields, and any body with a field marked encrypted.
        .where((eb) => eb.or([eb('type', 'in', SECRET_TYPES), sql<boolean>`body::text LIKE '%encrypted%'`]))
        .where(sql<boolean>`id = ANY(${[...ids]}::text[])`)
        .orderBy('name')
        .execute()
    : [];
  for (const r of accounts) {
    for (const k of secretKeyIds(r.type as AssetType, r.body)) keyIds.add(k);
    if (r.type !== 'Account') continue;
    const b = (r.body ?? {}) as { class_id?: unknown; property_map?: unknown };
    template.accounts.push({
      snode_id: r.id,
      name: r.name,
      path: `${spacePath(space)}/${r.name}`,
      class_id: typeof b.class_id === 'string' ? b.class_id : '',
      property_map: (typeof b.property_map === 'object' && b.property_map !== null ? b.property_map : {}) as Record<string, unknown>,
    });
  }
  const counts: Record<string, number> = {};
  const kind: PackageKind = space.kind;
  async function* inputs(): AsyncGenerator<PackageAssetInput> {
    for await (const a of assetsInBatches(db, ids, (done) => progress(0.1 + 0.8 * (done / Math.max(1, ids.length))))) {
      counts[a.type] = (counts[a.type] ?? 0) + 1;
      const base = { id: a.id, type: a.type as AssetType, name: a.name, status: a.status, refs: a.refs.map((r) => ({ type: r.type as AssetType, name: r.name })) };
      if (assetTypeInfo(a.type as AssetType).content === 'binary') {
        const size = a.size ?? 0;
        if (a.content_blob) yield { ...base, stream: readContentBlob(db, a.content_blob) };
        else yield size <= SLICE_BYTES ? { ...base, content: (await readContent(db, a.id)) ?? Buffer.alloc(0) } : { ...base, stream: contentSlices(db, a.id, size) };
      } else yield { ...base, text: a.body_text ?? '{}' };
    }
  }
  await writePackage((chunk) => sink.write(chunk), {
    kind,
    source: { org_id: space.org_id, org_name: space.org_name, space_id: space.id, space_name: spaceName(space), kind },
    keyIds: [...keyIds].sort(),
    assets: inputs(),
    // In every export, empty when there are no accounts: a file_account is made from it.
    accountsTemplate: template,
  });
  return { counts };
}

export function exportHandler(deps: JobDeps) {
  return (ctx: JobContext): Promise<unknown> => runExport(deps.database.db, ctx);
}

/** Writes the export a job's parameters describe into a new blob; the caller owns the blob. */
export async function exportToBlob(db: Kysely<DB>, params: ExportParams, progress: (p: number) => void): Promise<{ blobId: string; report: ExportReport }> {
  const space = await getSpace(db, params.space_id);
  if (!space) throw new DomainError('not_found', 'The space to export no longer exists.');
  const t0 = performance.now();
  const { ids, missing } = await selectExport(db, params);
  progress(0.1);
  const sink = new BlobSink(db);
  try {
    const t1 = performance.now();
    const { counts } = await writeSpacePackage(db, space, ids, sink, progress);
    const blob = await sink.finish();
    const timings_ms = { select: Math.round(t1 - t0), write: Math.round(performance.now() - t1) };
    return { blobId: blob.id, report: { space_id: space.id, asset_count: ids.length, bytes: blob.size, sha256: blob.sha256, file_name: exportFileName(space), counts, missing_dependencies: missing, timings_ms } };
  } catch (e) {
    await sink.abort();
    throw e;
  }
}

/** Runs an export job: its package written into a blob, the job completed with it. */
export async function runExport(db: Kysely<DB>, ctx: JobContext): Promise<unknown> {
  const params = ctx.job.params as unknown as ExportParams;
  const { blobId, report } = await exportToBlob(db, params, ctx.progress);
  try {
    await db.transaction().execute(async (trx) => {
      await recordAudit(trx, { actor: params.author, action: 'export', org_id: ctx.job.org_id, space_id: report.space_id, job_id: ctx.job.id, details: { asset_count: report.asset_count, bytes: report.bytes } });
      await ctx.complete(trx, report, { output_blob_id: blobId });
    });
  } catch (e) {
    await deleteBlob(db, blobId).catch(() => undefined);
    throw e;
  }
  return undefined;
}
