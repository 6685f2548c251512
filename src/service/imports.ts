/**
 * Import use cases, shared by every front door: `startImport` (a job, or the plan of a dry
 * run) and `runImportNow` (the same import, run by the calling request, which answers when
 * it has ended). Requests are core-typed (core/transfer-requests.ts); each door parses its
 * own wire options into one and renders the result.
 */
import { DomainError } from '../core/errors.js';
import { newId32 } from '../core/ids.js';
import { isSpaceTarget, isVersionTarget, type ImportRequest } from '../core/transfer-requests.js';
import { JOB_KINDS } from '../jobs/handlers.js';
import { executeImport, dryRunImport, type ImportEngine } from '../jobs/import-run.js';
import { importParams } from '../jobs/import-job.js';
import type { ImportReport } from '../jobs/import-result.js';

export type { ImportReport };
import type { JobRow } from '../jobs/job-types.js';
import { enqueueJob, type NewJob } from '../jobs/queue.js';
import type { JobContext } from '../jobs/worker.js';
import { deleteBlobs, deleteSmallBlobs } from '../store/blobs.js';
import { findApi, findProject, findVersion } from '../store/spaces.js';
import { administeredOrg, requireApiAccess, requireSpaceAccess, spaceWithAccess, visibleOrg } from './access.js';
import type { ServiceContext } from './context.js';
import { runJobHere } from './run-here.js';

/** A space the caller was found, earlier in the same request, to be allowed to write (W). */
export interface WritableSpace {
  orgId: string;
  spaceId: string;
}

export type ImportStart = { dryRun: true; report: ImportReport } | { dryRun: false; job: JobRow };

const engineOf = (ctx: ServiceContext): ImportEngine => ({ db: ctx.db, keyring: ctx.keyring, limits: ctx.config.limits });

/**
 * Checks that the caller may import into the target; resolves the org. An existing space
 * needs write permission (W); creating a version needs W on its API (versions inherit the
 * API's grants); creating a project needs the org admin role.
 */
export async function authorizeImport(ctx: ServiceContext, req: Pick<ImportRequest, 'target' | 'createNew'>, checked?: WritableSpace): Promise<{ orgId: string; spaceId: string | null }> {
  const t = req.target;
  if (isSpaceTarget(t) && checked?.spaceId === t.spaceId) return checked;
  if (isSpaceTarget(t)) {
    const space = await spaceWithAccess(ctx.db, ctx.principal, t.spaceId, 'W');
    return { orgId: space.org_id, spaceId: space.id };
  }
  const org = await visibleOrg(ctx.db, ctx.principal, t.orgId);
  if (isVersionTarget(t)) {
    const api = await findApi(ctx.db, org.id, t.apiName);
    if (!api) throw new DomainError('not_found', `API '${t.apiName}' was not found in org '${org.name}'.`, { resource: 'api' });
    const v = await findVersion(ctx.db, api.id, t.version);
    if (v && !req.createNew) return { orgId: org.id, spaceId: (await requireSpaceAccess(ctx.db, ctx.principal, v, 'W', `${t.apiName}/${t.version}`)).id };
    // Creating a version (a missing one, or a numbered copy) needs W on the API.
    await requireApiAccess(ctx.db, ctx.principal, api, 'W');
    return { orgId: org.id, spaceId: v?.id ?? null };
  }
  const p = await findProject(ctx.db, org.id, t.projectSpace, t.project);
  await administeredOrg(ctx.db, ctx.principal, org.id);
  return { orgId: org.id, spaceId: p?.id ?? null };
}

/** The request with the org as resolved (a door may name it by name or id). */
const withOrg = (req: ImportRequest, orgId: string): ImportRequest => (isSpaceTarget(req.target) ? req : { ...req, target: { ...req.target, orgId } });

const blobsOf = (req: ImportRequest): string[] => [req.package, req.expressions].flatMap((z) => (z && 'blobId' in z ? [z.blobId] : []));

async function dropBlobs(ctx: ServiceContext, req: ImportRequest): Promise<void> {
  await deleteBlobs(ctx.db, blobsOf(req)).catch(() => undefined);
}

function packageBlob(req: ImportRequest): string {
  if (!('blobId' in req.package)) throw new DomainError('invalid_request', 'An import needs its package stored; only a dry run can read it in place.');
  return req.package.blobId;
}

/** The import's job: the caller's asset job, its package the job's input. */
const importJob = (ctx: ServiceContext, request: ImportRequest, orgId: string, spaceId: string | null): NewJob => ({
  id: newId32(),
  kind: JOB_KINDS.import,
  userId: ctx.principal.userId,
  orgId,
  spaceId,
  params: importParams(ctx.keyring, request, ctx.principal.name) as unknown as Record<string, unknown>,
  assetJob: true,
  inputBlobId: packageBlob(request),
  maxAttempts: ctx.config.jobMaxAttempts,
});

/**
 * Starts an import (a job that runs on any worker), or answers the plan of a dry run. The
 * request's blobs become the job's, or are removed when it is refused or only planned.
 * `checked`: the target space, its write access already checked in this request (a door
 * checks it before reading the upload), so it is not checked twice.
 */
export async function startImport(ctx: ServiceContext, req: ImportRequest, checked?: WritableSpace): Promise<ImportStart> {
  try {
    const { orgId, spaceId } = await authorizeImport(ctx, req, checked);
    const request = withOrg(req, orgId);
    if (request.dryRun) {
      try {
        return { dryRun: true, report: await dryRunImport(engineOf(ctx), request) };
      } finally {
        await dropBlobs(ctx, request);
      }
    }
    return { dryRun: false, job: await enqueueJob(ctx.db, importJob(ctx, request, orgId, spaceId)) };
  } catch (e) {
    await dropBlobs(ctx, req);
    throw e;
  }
}

/**
 * Runs the import in this request and answers when it has ended: the job is created
 * already claimed by this process, so it counts against the one-running-job rule, shows in
 * the job views, and is taken over by a worker if this process dies. A client that goes
 * away does not stop it. Resolves with the job and its report; a refused import throws the
 * refusal (the job is FAILED with its reasons). `onCreated` is told the job once it exists.
 */
export async function runImportNow(ctx: ServiceContext, req: ImportRequest, opts: { signal?: AbortSignal; onCreated?: (job: JobRow) => void } = {}): Promise<{ job: JobRow | null; report: ImportReport }> {
  if (req.dryRun) {
    const started = await startImport(ctx, req);
    return { job: null, report: started.dryRun ? started.report : (started.job.result as ImportReport) };
  }
  let request: ImportRequest;
  let orgId: string;
  let spaceId: string | null;
  try {
    ({ orgId, spaceId } = await authorizeImport(ctx, req));
    request = withOrg(req, orgId);
  } catch (e) {
    await dropBlobs(ctx, req);
    throw e;
  }
  const engine = engineOf(ctx);
  const run = async (jc: JobContext) => {
    let larger: string[] = [];
    try {
      await executeImport(engine, request, {
        jobId: jc.job.id,
        author: ctx.principal.name,
        signal: jc.signal,
        progress: jc.progress,
        // The uploads go in the transaction that completes the job.
        complete: async (trx, report, spaceId) => {
          await jc.complete(trx, report, { space_id: spaceId });
          larger = await deleteSmallBlobs(trx, blobsOf(request));
        },
      });
      // A larger upload goes chunk by chunk once the transaction is over (or with the retention sweep).
      await deleteBlobs(ctx.db, larger).catch(() => undefined);
    } catch (e) {
      if (e instanceof DomainError) await dropBlobs(ctx, request);
      throw e;
    }
    return undefined;
  };
  let created = false;
  const onCreated = (j: JobRow) => {
    created = true;
    opts.onCreated?.(j);
  };
  try {
    const job = await runJobHere(ctx, importJob(ctx, request, orgId, spaceId), run, { ...opts, onCreated });
    return { job, report: job.result as ImportReport };
  } catch (e) {
    // Refused before the job existed (another job of the caller's is running): the uploads go.
    if (!created) await dropBlobs(ctx, request);
    throw e;
  }
}

export { parseAccountOverrides } from '../jobs/import-prepare.js';
