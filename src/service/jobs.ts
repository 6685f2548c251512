/** Job use cases shared by every front door: see a job, cancel it, undo an import, delete assets. */
import { DomainError } from '../core/errors.js';
import { isAssetId, isId32 } from '../core/ids.js';
import type { DeleteRequest } from '../core/transfer-requests.js';
import type { DeleteParams } from '../jobs/delete-job.js';
import { JOB_KINDS } from '../jobs/handlers.js';
import type { JobRow } from '../jobs/job-types.js';

export type { JobRow, JobListRow };
import { cancelQueuedJob, enqueueJob, getJob } from '../jobs/queue.js';
import { isFinished } from '../jobs/job-types.js';
import type { UndoParams } from '../jobs/undo-job.js';
import { deleteBlob } from '../store/blobs.js';
import { deleteFinishedJob, isValidJobCursor, listJobs as listJobRows, type JobListRow, type JobPage } from '../store/job-list.js';
import { recordAudit } from '../store/audit.js';
import type { JobState } from '../store/schema.js';
import { getSpace } from '../store/spaces.js';
import { administersOrg, spacePerms, spaceWithAccess } from './access.js';
import type { ServiceContext } from './context.js';

/**
 * A job the caller may see: their own, one on a space they can read, or one of an org they
 * administer (also once its space is gone). Others are not found.
 */
export async function visibleJob(ctx: ServiceContext, jobId: string): Promise<JobRow> {
  const job = isId32(jobId) ? await getJob(ctx.db, jobId) : undefined;
  const notFound = () => new DomainError('not_found', `Job '${jobId}' was not found.`, { resource: 'job' });
  if (!job) throw notFound();
  if (ctx.principal.isAdmin || job.user_id === ctx.principal.userId) return job;
  if (job.org_id && (await administersOrg(ctx.db, ctx.principal, job.org_id))) return job;
  const space = job.space_id ? await getSpace(ctx.db, job.space_id) : undefined;
  if (space && (await spacePerms(ctx.db, ctx.principal, space)).includes('R')) return job;
  throw notFound();
}

export const JOB_STATES: readonly JobState[] = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

export interface JobQuery {
  spaceId?: string;
  states?: JobState[];
  kinds?: string[];
  author?: string;
  limit: number;
  after?: string;
}

/** The jobs the caller may see (as visibleJob), newest first, a page at a time. */
export async function listJobs(ctx: ServiceContext, q: JobQuery): Promise<JobPage> {
  if (q.after !== undefined && !isValidJobCursor(q.after)) throw new DomainError('invalid_request', 'cursor: not a cursor this service returned.', { field: 'cursor' });
  // A space named in the filter must be one the caller can read, as everywhere else.
  if (q.spaceId !== undefined) await spaceWithAccess(ctx.db, ctx.principal, q.spaceId, 'R');
  return listJobRows(
    ctx.db,
    { spaceId: q.spaceId, states: q.states, kinds: q.kinds, author: q.author, visibleTo: ctx.principal.isAdmin ? undefined : ctx.principal.userId },
    { limit: q.limit, after: q.after },
  );
}

/**
 * Removes a finished job with its stored package and archive. Allowed to the user who
 * started it, to whoever may write its space, and to admins (of the deployment, or of its
 * org once its space is gone). A job still QUEUED or RUNNING is refused.
 */
export async function deleteJob(ctx: ServiceContext, jobId: string): Promise<void> {
  const job = await visibleJob(ctx, jobId);
  if (!(await mayDeleteJob(ctx, job))) throw new DomainError('forbidden', 'Only the user who started a job, a user who may write its space, or an admin can delete it.');
  if (!isFinished(job.state)) throw notFinished(job.state);
  const deleted = await ctx.db.transaction().execute(async (trx) => {
    if (!(await deleteFinishedJob(trx, job.id))) return false;
    await recordAudit(trx, { actor: ctx.principal.name, action: 'job.delete', org_id: job.org_id, space_id: job.space_id, job_id: job.id, details: { kind: job.kind, state: job.state } });
    return true;
  });
  if (!deleted) {
    const now = await getJob(ctx.db, job.id);
    if (now && !isFinished(now.state)) throw notFinished(now.state);
  }
}

const notFinished = (state: JobState) => new DomainError('job_not_finished', `The job is ${state}; only a finished job (SUCCEEDED, FAILED or CANCELLED) can be deleted. Cancel it while it is queued, or wait for it to finish.`, { job_state: state });

async function mayDeleteJob(ctx: ServiceContext, job: JobRow): Promise<boolean> {
  if (ctx.principal.isAdmin || job.user_id === ctx.principal.userId) return true;
  const space = job.space_id ? await getSpace(ctx.db, job.space_id) : undefined;
  if (space) return (await spacePerms(ctx.db, ctx.principal, space)).includes('W');
  return job.org_id !== null && (await administersOrg(ctx.db, ctx.principal, job.org_id));
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

export { isFinished, JOB_KINDS };
