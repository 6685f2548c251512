/** Export use cases, shared by every front door: start an export job, take its archive. */
import { assetTypeInfo, typesOfSide } from '../core/asset-types.js';
import { DomainError } from '../core/errors.js';
import { isAssetId, isId32 } from '../core/ids.js';
import type { ExportRequest } from '../core/transfer-requests.js';
import type { ExportParams } from '../jobs/export-job.js';
import { JOB_KINDS } from '../jobs/handlers.js';
import type { JobRow } from '../jobs/job-types.js';
import { enqueueJob, type NewJob } from '../jobs/queue.js';
import { runExport } from '../jobs/export-job.js';
import { bytesPhrase } from '../core/phrases.js';
import { deleteBlob, getBlob, readBlob } from '../store/blobs.js';
import { spaceWithAccess } from './access.js';
import { sideOfSpace } from './assets.js';
import type { ServiceContext } from './context.js';
import { visibleJob } from './jobs.js';
import { runJobHere } from './run-here.js';

/** The most asset ids one export may name. */
const MAX_EXPORT_IDS = 100_000;

/** Starts an export job of a space (or a selection of it, with what it refers to or owns). */
export async function startExport(ctx: ServiceContext, req: ExportRequest): Promise<JobRow> {
  return enqueueJob(ctx.db, await exportJob(ctx, req));
}

/**
 * Runs the export in this request (a job claimed by this process, like runImportNow) and
 * answers its archive. An archive larger than `maxBytes` is removed and refused.
 */
export async function runExportNow(ctx: ServiceContext, req: ExportRequest, opts: { maxBytes?: number; onCreated?: (job: JobRow) => void } = {}): Promise<Archive> {
  const job = await runJobHere(ctx, await exportJob(ctx, req), (jc) => runExport(ctx.db, jc), opts.onCreated ? { onCreated: opts.onCreated } : {});
  const archive = await archiveOf(ctx, job);
  if (opts.maxBytes !== undefined && archive.size > opts.maxBytes) {
    await deleteBlob(ctx.db, job.output_blob_id!).catch(() => undefined);
    throw new DomainError('payload_too_large', `The export is ${bytesPhrase(archive.size)}, over the export size limit of ${bytesPhrase(opts.maxBytes)} (ASSETPORT_MAX_EXPORT).`, { export_bytes: archive.size, limit: opts.maxBytes });
  }
  return archive;
}

/** The export's job, once the caller is known to may read the space and the request is valid. */
async function exportJob(ctx: ServiceContext, req: ExportRequest): Promise<NewJob> {
  const space = await spaceWithAccess(ctx.db, ctx.principal, req.spaceId, 'R');
  const side = sideOfSpace(space);
  const params: ExportParams = { space_id: space.id, author: ctx.principal.name };
  if (req.assetIds) {
    if (req.assetIds.length === 0 || req.assetIds.length > MAX_EXPORT_IDS || !req.assetIds.every(isAssetId)) {
      throw new DomainError('invalid_request', 'asset_ids: must be a non-empty list of asset ids (24 hex characters).', { field: 'asset_ids' });
    }
    params.asset_ids = [...new Set(req.assetIds)];
  }
  if (req.types) {
    if (!req.types.every((t) => assetTypeInfo(t).side === side)) throw new DomainError('invalid_request', `types: must be asset types of this space (${typesOfSide(side).join(', ')}).`, { field: 'types' });
    params.types = req.types;
  }
  if (req.withReferences) params.with_dependencies = true;
  if (req.withOwned) params.with_owned = true;
  return { kind: JOB_KINDS.export, userId: ctx.principal.userId, orgId: space.org_id, spaceId: space.id, params: params as unknown as Record<string, unknown>, assetJob: true, maxAttempts: ctx.config.jobMaxAttempts };
}

export interface Archive {
  job: JobRow;
  fileName: string;
  size: number;
  sha256: string;
  stream: AsyncIterable<Buffer>;
}

async function archiveOf(ctx: ServiceContext, job: JobRow): Promise<Archive> {
  const blob = job.output_blob_id ? await getBlob(ctx.db, job.output_blob_id) : undefined;
  if (!blob && job.archive_expired_at) {
    throw new DomainError('not_found', `This export's archive was removed on ${new Date(job.archive_expired_at).toISOString()}, when its retention time ended (ASSETPORT_RETAIN_ARCHIVES_HOURS); export again.`, { resource: 'archive' });
  }
  if (!blob) throw new DomainError('not_found', job.state === 'SUCCEEDED' ? 'This job has no archive.' : `The job is ${job.state}; its archive is there once it has SUCCEEDED.`, { resource: 'archive' });
  const fileName = (job.result as { file_name?: string } | null)?.file_name ?? `${job.id}.zip`;
  return { job, fileName, size: blob.size, sha256: blob.sha256, stream: readBlob(ctx.db, blob.id) };
}

/** The archive of an export job the caller may see. */
export async function jobArchive(ctx: ServiceContext, jobId: string): Promise<Archive> {
  return archiveOf(ctx, await visibleJob(ctx, jobId));
}

/**
 * An export's archive by its id (the finished job's `archive_id`). With `once`, the archive
 * is marked taken as it is handed out, and a second take is refused (the ROMA download);
 * with `spaceId`, an archive of another space is not found.
 */
export async function takeArchive(ctx: ServiceContext, archiveId: string, opts: { once: boolean; spaceId?: string }): Promise<Archive> {
  const notFound = () => new DomainError('not_found', `Archive '${archiveId}' was not found.`, { resource: 'archive' });
  const row = isId32(archiveId) ? await ctx.db.selectFrom('jobs').select('id').where('output_blob_id', '=', archiveId).executeTakeFirst() : undefined;
  if (!row) throw notFound();
  const job = await visibleJob(ctx, row.id).catch(() => {
    throw notFound();
  });
  if (opts.spaceId !== undefined && job.space_id !== opts.spaceId) throw notFound();
  if (opts.once) {
    const taken = await ctx.db.updateTable('jobs').set({ archive_taken_at: new Date() }).where('id', '=', job.id).where('archive_taken_at', 'is', null).returning('id').executeTakeFirst();
    if (!taken) throw new DomainError('not_found', `Archive '${archiveId}' was already downloaded; an archive can be downloaded once.`, { resource: 'archive' });
  }
  return archiveOf(ctx, job);
}
