/** Native transfer routes: imports (and dry runs), exports; the jobs they make are in ./job-routes.ts. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isAssetType, typesOfSide, type AssetType } from '../../core/asset-types.js';
import { DomainError } from '../../core/errors.js';
import type { ImportRequest, PackageSource } from '../../core/transfer-requests.js';
import type { ServiceContext } from '../../service/context.js';
import * as exportsService from '../../service/exports.js';
import * as imports from '../../service/imports.js';
import type { JobRow } from '../../service/jobs.js';
import { writableSpace } from '../../service/spaces.js';
import { countUpload } from '../../service/login-limits.js';
import { sideOfKind } from '../../package/manifest.js';
import type { AppDeps } from '../app.js';
import { receiveUpload, type ReceivedUpload, type UploadedZip } from '../upload.js';
import { parseImportOptions } from './import-options.js';
import { S } from './schemas.js';
import { jobRoutes } from './job-routes.js';
import { withWordedWarnings } from './warning-text.js';

type Params = Record<string, string>;
const JSON_PART_BYTES = 1024 * 1024;

const sourceOf = (z: UploadedZip): PackageSource => (z.buffer ? { buffer: z.buffer } : z.path ? { path: z.path } : { blobId: z.blobId! });

/** The native import options and parts as the engine's import request. */
function importRequestOf(spaceId: string, side: 'roma' | 'snaplogic', query: Record<string, unknown>, up: ReceivedUpload, local: boolean): ImportRequest {
  if (!up.zips.package) throw new DomainError('invalid_request', "The 'package' part (the package ZIP) is missing.", { field: 'package' });
  const opts = parseImportOptions(query, up.json.options, side, typesOfSide(side));
  // An upload read in place can't become a job.
  if (!opts.dryRun && local) throw new DomainError('invalid_request', 'dry_run: the query string says true and the options part false; give it once.', { field: 'dry_run' });
  return {
    target: { spaceId },
    policy: opts.policy,
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
    createNew: opts.createNew,
    dryRun: opts.dryRun,
    overrides: up.json.accounts !== undefined ? imports.parseAccountOverrides(up.json.accounts, 'accounts') : [],
    package: sourceOf(up.zips.package),
    ...(up.zips.expressions ? { expressions: sourceOf(up.zips.expressions) } : {}),
  };
}

export function transferRoutes(app: FastifyInstance, deps: AppDeps, ctx: (r: FastifyRequest) => ServiceContext): void {
  const db = deps.database.db;
  const { limits, timeouts } = deps.config;
  const queued = (job: JobRow) => {
    deps.metrics.jobsEnqueued.inc({ kind: job.kind });
    deps.onJobEnqueued?.();
  };

  app.post<{ Params: Params; Querystring: Record<string, unknown> }>('/spaces/:space/imports', { schema: S.imports }, async (r, reply) => {
    // The caller must be able to write the space before a byte of the upload is read.
    const space = await writableSpace(ctx(r), r.params.space!);
    await countUpload(ctx(r));
    const side = sideOfKind(space.kind);
    // A dry run asked for in the query reads the upload in place, never storing it.
    const local = ['true', '1'].includes(String(r.query.dry_run));
    const up = await receiveUpload(r, db, {
      parts: { package: { kind: 'zip', maxBytes: limits.uploadBytes, local }, accounts: { kind: 'json', maxBytes: JSON_PART_BYTES }, expressions: { kind: 'zip', maxBytes: limits.uploadBytes, local }, options: { kind: 'json', maxBytes: 64 * 1024 } },
      minRate: { minBytesPerSecond: timeouts.minUploadBytesPerSecond, windowMs: timeouts.uploadRateWindowMs },
    });
    let req: ImportRequest;
    try {
      req = importRequestOf(space.space_id, side, r.query, up, local);
    } catch (e) {
      await up.discard();
      throw e;
    }
    let started: imports.ImportStart;
    try {
      started = await imports.startImport(ctx(r), req, { orgId: space.org.id, spaceId: space.space_id });
    } finally {
      // Removed before answering: a client that sees the answer finds nothing left behind.
      await up.discardLocal();
    }
    if (started.dryRun) return reply.code(200).send(withWordedWarnings(started.report));
    queued(started.job);
    return reply.code(202).header('location', `/api/v1/jobs/${started.job.id}`).send({ job_id: started.job.id });
  });

  app.post<{ Params: Params; Body: { asset_ids?: string[]; types?: string[]; with_dependencies?: boolean } | null }>('/spaces/:space/exports', { schema: S.exports }, async (r, reply) => {
    const b = r.body ?? {};
    if (b.types && !b.types.every(isAssetType)) throw new DomainError('invalid_request', `types: must be a list of asset types (${b.types.filter((t) => !isAssetType(t)).join(', ')} is not one).`, { field: 'types' });
    const job = await exportsService.startExport(ctx(r), {
      spaceId: r.params.space!,
      ...(b.asset_ids ? { assetIds: b.asset_ids } : {}),
      ...(b.types ? { types: b.types as AssetType[] } : {}),
      ...(b.with_dependencies ? { withReferences: true } : {}),
    });
    queued(job);
    return reply.code(202).header('location', `/api/v1/jobs/${job.id}`).send({ job_id: job.id });
  });

  jobRoutes(app, deps, ctx, queued);
}
