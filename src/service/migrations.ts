/**
 * Migrate use cases (SnapLogic `project/migrate`): a space copied into another place in
 * one job — queued (`startMigrate`, watched through the job) or run by the calling request
 * (`runMigrateNow`). Reading the source needs R on it; the target is authorized as an
 * import's (imports.ts).
 */
import { assetTypeInfo } from '../core/asset-types.js';
import { DomainError } from '../core/errors.js';
import type { MigrateRequest } from '../core/transfer-requests.js';
import { JOB_KINDS } from '../jobs/handlers.js';
import type { ImportReport } from '../jobs/import-result.js';
import type { JobRow } from '../jobs/job-types.js';
import { runMigrate, type MigrateParams } from '../jobs/migrate-job.js';
import { enqueueJob, type NewJob } from '../jobs/queue.js';
import { spaceWithAccess } from './access.js';
import { sideOfSpace } from './assets.js';
import type { ServiceContext } from './context.js';
import { authorizeImport } from './imports.js';
import { runJobHere } from './run-here.js';

async function migrateJob(ctx: ServiceContext, req: MigrateRequest): Promise<NewJob> {
  const source = await spaceWithAccess(ctx.db, ctx.principal, req.sourceSpaceId, 'R');
  if (req.types && !req.types.every((t) => assetTypeInfo(t).side === sideOfSpace(source))) throw new DomainError('invalid_request', 'types: must be asset types of the space migrated from.', { field: 'types' });
  const { orgId, spaceId } = await authorizeImport(ctx, req);
  const target = 'spaceId' in req.target ? req.target : { ...req.target, orgId };
  const params: MigrateParams = {
    source_space_id: source.id,
    ...(req.types ? { types: req.types } : {}),
    target,
    policy: req.policy,
    create_new: req.createNew,
    ...(req.refuseExisting ? { refuse_existing: true } : {}),
    author: ctx.principal.name,
  };
  return { kind: JOB_KINDS.migrate, userId: ctx.principal.userId, orgId, spaceId, params: params as unknown as Record<string, unknown>, assetJob: true, maxAttempts: ctx.config.jobMaxAttempts };
}

/** Queues a migration; its job id is the token to watch it by. */
export async function startMigrate(ctx: ServiceContext, req: MigrateRequest): Promise<JobRow> {
  return enqueueJob(ctx.db, await migrateJob(ctx, req));
}

/** Runs a migration in this request; resolves with its job and the import's report. */
export async function runMigrateNow(ctx: ServiceContext, req: MigrateRequest, opts: { onCreated?: (job: JobRow) => void } = {}): Promise<{ job: JobRow; report: ImportReport }> {
  const engine = { db: ctx.db, keyring: ctx.keyring, limits: ctx.config.limits };
  const job = await runJobHere(ctx, await migrateJob(ctx, req), (jc) => runMigrate(engine, jc), opts);
  return { job, report: job.result as ImportReport };
}
