/** Imports, exports, undo and job reads: the use cases behind the native transfer routes. */
import { typesOfSide, type AssetType, isAssetType, assetTypeInfo } from '../core/asset-types.js';
import { DomainError } from '../core/errors.js';
import { isAssetId, isId32, newId32 } from '../core/ids.js';
import { cancelQueuedJob, enqueueJob, getJob } from '../jobs/queue.js';
import type { JobRow } from '../jobs/job-types.js';
import { JOB_KINDS } from '../jobs/handlers.js';
import { planFor, sealOverrides, type ImportParams } from '../jobs/import-job.js';
import { checkPackageFits, parseAccountOverrides, prepareImport } from '../jobs/import-prepare.js';
import { reportOf, type ImportReport } from '../jobs/import-result.js';
import type { ExportParams } from '../jobs/export-job.js';
import type { UndoParams } from '../jobs/undo-job.js';
import { loadTargetState } from '../store/asset-batch.js';
import type { ZipSource } from '../jobs/package-source.js';
import { deleteBlob, getBlob, readBlob } from '../store/blobs.js';
import { getSpace } from '../store/spaces.js';
import { spacePerms, spaceWithAccess } from './access.js';
import { sideOfSpace } from './assets.js';
import type { ServiceContext } from './context.js';
import { parseImportOptions } from './import-options.js';

export interface ImportUpload {
  package: ZipSource;
  expressions?: ZipSource;
  accounts?: unknown;
  options: unknown;
  query: Record<string, unknown>;
}

const blobOf = (z: ZipSource): string => {
  if (!('blobId' in z)) throw new DomainError('invalid_request', 'dry_run: give it in the query string (dry_run=true) so the upload is not stored.', { field: 'dry_run' });
  return z.blobId;
};

export type ImportStart = { dryRun: true; plan: ImportReport } | { dryRun: false; job: JobRow };

/** Starts an import into a space (or answers its plan, for a dry run). The blobs become the job's, or are removed. */
export async function startImport(ctx: ServiceContext, spaceId: string, up: ImportUpload): Promise<ImportStart> {
  const blobs = [up.package, up.expressions].flatMap((z) => (z && 'blobId' in z ? [z.blobId] : []));
  const drop = async () => {
    for (const b of blobs) await deleteBlob(ctx.db, b).catch(() => undefined);
  };
  try {
    const space = await spaceWithAccess(ctx.db, ctx.principal, spaceId, 'W');
    const side = sideOfSpace(space);
    const opts = parseImportOptions(up.query, up.options, side, typesOfSide(side));
    const overrides = up.accounts !== undefined ? parseAccountOverrides(up.accounts) : [];
    if (opts.dryRun) {
      const t0 = performance.now();
      // The space's state is loaded while the package is read.
      const loading = opts.createNew ? Promise.resolve([]) : loadTargetState(ctx.db, space.id);
      loading.catch(() => undefined); // awaited below; a read failure must not leave it unhandled
      const prepared = await prepareImport(ctx.db, ctx.keyring, ctx.config.limits, { package: up.package, ...(up.expressions ? { expressions: up.expressions } : {}), overrides });
      try {
        checkPackageFits(prepared, space.kind);
        const t1 = performance.now();
        const target = await loading;
        const t2 = performance.now();
        const p = planFor(prepared, target, opts);
        const t3 = performance.now();
        const notices = prepared.notices;
        const timings_ms = { read: Math.round(t1 - t0), load_target: Math.round(t2 - t1), plan: Math.round(t3 - t2) };
        return { dryRun: true, plan: { ...reportOf(p, { dryRun: true, spaceId: opts.createNew ? null : space.id, notices }), timings_ms } };
      } finally {
        await prepared.close();
        await drop();
      }
    }
    const params: ImportParams = {
      target: { kind: 'space', space_id: space.id, create_new: opts.createNew },
      policy: opts.policy,
      ...(opts.prefix ? { prefix: opts.prefix } : {}),
      ...(overrides.length ? { accounts_sealed: sealOverrides(ctx.keyring, up.accounts) } : {}),
      ...(up.expressions && 'blobId' in up.expressions ? { expressions_blob_id: up.expressions.blobId } : {}),
      author: ctx.principal.name,
    };
    const job = await enqueueJob(ctx.db, {
      id: newId32(),
      kind: JOB_KINDS.import,
      userId: ctx.principal.userId,
      orgId: space.org_id,
      spaceId: space.id,
      params: params as unknown as Record<string, unknown>,
      assetJob: true,
      inputBlobId: blobOf(up.package),
      maxAttempts: ctx.config.jobMaxAttempts,
    });
    return { dryRun: false, job };
  } catch (e) {
    await drop();
    throw e;
  }
}

export async function startExport(ctx: ServiceContext, spaceId: string, input: { asset_ids?: unknown; types?: unknown; with_dependencies?: unknown }): Promise<JobRow> {
  const space = await spaceWithAccess(ctx.db, ctx.principal, spaceId, 'R');
  const side = sideOfSpace(space);
  const params: ExportParams = { space_id: space.id, author: ctx.principal.name };
  if (input.asset_ids !== undefined) {
    if (!Array.isArray(input.asset_ids) || input.asset_ids.length === 0 || input.asset_ids.length > 100_000 || !input.asset_ids.every((x) => typeof x === 'string' && isAssetId(x))) {
      throw new DomainError('invalid_request', 'asset_ids: must be a non-empty list of asset ids (24 hex characters).', { field: 'asset_ids' });
    }
    params.asset_ids = [...new Set(input.asset_ids as string[])];
  }
  if (input.types !== undefined) {
    if (!Array.isArray(input.types) || !input.types.every((t) => typeof t === 'string' && isAssetType(t) && assetTypeInfo(t).side === side)) {
      throw new DomainError('invalid_request', `types: must be a list of asset types of this space (${typesOfSide(side).join(', ')}).`, { field: 'types' });
    }
    params.types = input.types as AssetType[];
  }
  if (input.with_dependencies !== undefined) {
    if (typeof input.with_dependencies !== 'boolean') throw new DomainError('invalid_request', 'with_dependencies: must be true or false.', { field: 'with_dependencies' });
    params.with_dependencies = input.with_dependencies;
  }
  return enqueueJob(ctx.db, { kind: JOB_KINDS.export, userId: ctx.principal.userId, orgId: space.org_id, spaceId: space.id, params: params as unknown as Record<string, unknown>, assetJob: true, maxAttempts: ctx.config.jobMaxAttempts });
}

/** A job the caller may see: their own, or one on a space they can read. */
export async function visibleJob(ctx: ServiceContext, jobId: string): Promise<JobRow> {
  const job = isId32(jobId) ? await getJob(ctx.db, jobId) : undefined;
  const notFound = () => new DomainError('not_found', `Job '${jobId}' was not found.`, { resource: 'job' });
  if (!job) throw notFound();
  if (ctx.principal.isAdmin || job.user_id === ctx.principal.userId) return job;
  const space = job.space_id ? await getSpace(ctx.db, job.space_id) : undefined;
  if (space && (await spacePerms(ctx.db, ctx.principal, space)).includes('R')) return job;
  throw notFound();
}

export function jobView(job: JobRow) {
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    progress: job.progress,
    space_id: job.space_id,
    attempts: job.attempts,
    created_at: job.created_at.toISOString(),
    started_at: job.started_at?.toISOString() ?? null,
    finished_at: job.finished_at?.toISOString() ?? null,
    result: job.result ?? null,
    reasons: job.reasons,
    archive: job.output_blob_id ? `/api/v1/jobs/${job.id}/archive` : null,
  };
}

export async function jobArchive(ctx: ServiceContext, jobId: string): Promise<{ fileName: string; size: number; sha256: string; stream: AsyncIterable<Buffer> }> {
  const job = await visibleJob(ctx, jobId);
  const blob = job.output_blob_id ? await getBlob(ctx.db, job.output_blob_id) : undefined;
  if (!blob) throw new DomainError('not_found', job.state === 'SUCCEEDED' ? 'This job has no archive.' : `The job is ${job.state}; its archive is there once it has SUCCEEDED.`, { resource: 'archive' });
  const fileName = ((job.result as { file_name?: string } | null)?.file_name) ?? `${job.id}.zip`;
  return { fileName, size: blob.size, sha256: blob.sha256, stream: readBlob(ctx.db, blob.id) };
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
