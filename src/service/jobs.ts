/** Job use cases shared by every front door: see a job, cancel it, undo an import, delete assets. */
import { DomainError } from '../core/errors.js';
import { isAssetId, isId32 } from '../core/ids.js';
import type { DeleteRequest } from '../core/transfer-requests.js';
import type { DeleteParams } from '../jobs/delete-job.js';
import { JOB_KINDS } from '../jobs/handlers.js';
import type { JobRow } from '../jobs/job-types.js';

export type { JobRow };
import { cancelQueuedJob, enqueueJob, getJob } from '../jobs/queue.js';
import { isFinished } from '../jobs/job-types.js';
import type { UndoParams } from '../jobs/undo-job.js';
import { deleteBlob } from '../store/blobs.js';
import { getSpace } from '../store/spaces.js';
import { spacePerms, spaceWithAccess } from './access.js';
import type { ServiceContext } from './context.js';

/** A job the caller may see: their own, or one on a space they can read. Others are not found. */
export async function visibleJob(ctx: ServiceContext, jobId: string): Promise<JobRow> {
  const job = isId32(jobId) ? await getJob(ctx.db, jobId) : undefined;
  const notFound = () => new DomainError('not_found', `Job '${jobId}' was not found.`, { resource: 'job' });
  if (!job) throw notFound();
  if (ctx.principal.isAdmin || job.user_id === ctx.principal.userId) return job;
  const space = job.space_id ? await getSpace(ctx.db, job.space_id) : undefined;
  if (space && (await spacePerms(ctx.db, ctx.principal, space)).includes('R')) return job;
  throw notFound();
}

/** Cancels a job that has not started yet (so its owner can queue another). */
export async function cancelJob(ctx: ServiceContext, jobId: string): Promise<JobRow> {
  const job = await visibleJob(ctx, jobId);
  if (!ctx.principal.isAdmin && job.user_id !== ctx.principal.userId) throw new DomainError('forbidden', 'Only the user who started a job (or an admin) can cancel it.');
  if (!(await cancelQueuedJob(ctx.db, job.id))) {
    throw new DomainError('conflict', `The job is ${(await getJob(ctx.db, job.id))?.state ?? job.state}; only a QUEUED job can be cancelled.`);
  }
  if (job.input_blob_id) await deleteBlob(ctx.db, job.input_blob_id).catch(() => undefined);
  const exprBlob = (job.params as { expressions_blob_id?: string }).expressions_blob_id;
  if (exprBlob) await deleteBlob(ctx.db, exprBlob).catch(() => undefined);
  return (await getJob(ctx.db, job.id))!;
}

export async function startUndo(ctx: ServiceContext, jobId: string): Promise<JobRow> {
  const imp = await visibleJob(ctx, jobId);
  if (imp.kind !== JOB_KINDS.import) throw new DomainError('precondition_failed', 'Only an import can be undone.');
  if (imp.state !== 'SUCCEEDED') throw new DomainError('precondition_failed', `The import is ${imp.state}; only a SUCCEEDED import can be undone.`);
  if ((imp.result as { undone_by?: string } | null)?.undone_by) throw new DomainError('precondition_failed', 'This import was already undone.');
  if (!imp.space_id) throw new DomainError('precondition_failed', 'The space of this import no longer exists.');
  const space = await spaceWithAccess(ctx.db, ctx.principal, imp.space_id, 'W');
  const params: UndoParams = { import_job_id: imp.id, author: ctx.principal.name };
  return enqueueJob(ctx.db, { kind: JOB_KINDS.undo, userId: ctx.principal.userId, orgId: space.org_id, spaceId: space.id, params: params as unknown as Record<string, unknown>, assetJob: true, maxAttempts: ctx.config.jobMaxAttempts });
}

/** Starts a delete job (write permission on the space). */
export async function startDelete(ctx: ServiceContext, req: DeleteRequest): Promise<JobRow> {
  const space = await spaceWithAccess(ctx.db, ctx.principal, req.spaceId, 'W');
  if (!req.assetIds.every(isAssetId)) throw new DomainError('invalid_request', 'asset ids are 24 hex characters.', { field: 'asset_ids' });
  const params: DeleteParams = { space_id: space.id, asset_ids: [...new Set(req.assetIds)], ...(req.withOwned ? { with_owned: true } : {}), author: ctx.principal.name };
  return enqueueJob(ctx.db, { kind: JOB_KINDS.delete, userId: ctx.principal.userId, orgId: space.org_id, spaceId: space.id, params: params as unknown as Record<string, unknown>, assetJob: true, maxAttempts: ctx.config.jobMaxAttempts });
}

/** A job as it is now, for a caller already shown it (an event stream polling it). */
export const jobNow = (db: ServiceContext['db'], id: string): Promise<JobRow | undefined> => getJob(db, id);

export { isFinished };
