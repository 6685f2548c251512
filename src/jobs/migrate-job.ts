/**
 * The migrate job: a space exported (all of it, or the listed types) and imported into
 * another place in one job — the import as atomic as any (import-run.ts). The export is a
 * blob of the job's own, removed when the job ends; a retry after a crash exports again.
 */
import type { AssetType } from '../core/asset-types.js';
import type { PolicyMap } from '../core/policy.js';
import type { ImportTargetRef } from '../core/transfer-requests.js';
import { deleteBlob } from '../store/blobs.js';
import { exportToBlob } from './export-job.js';
import { executeImport, type ImportEngine } from './import-run.js';
import type { JobDeps } from './job-deps.js';
import type { JobContext } from './worker.js';

export interface MigrateParams {
  /** The space migrated from. */
  source_space_id: string;
  /** Only assets of these types; all when absent. */
  types?: AssetType[];
  target: ImportTargetRef;
  policy: PolicyMap;
  create_new: boolean;
  refuse_existing?: boolean;
  author: string;
}

/** The share of the progress the export takes; the import takes the rest. */
const EXPORT_SHARE = 0.3;

export async function runMigrate(engine: ImportEngine, ctx: JobContext): Promise<unknown> {
  const p = ctx.job.params as unknown as MigrateParams;
  const { blobId } = await exportToBlob(engine.db, { space_id: p.source_space_id, ...(p.types ? { types: p.types } : {}), author: p.author }, (f) => ctx.progress(EXPORT_SHARE * f));
  try {
    await executeImport(
      engine,
      { target: p.target, policy: p.policy, createNew: p.create_new, ...(p.refuse_existing ? { refuseExisting: true } : {}), dryRun: false, overrides: [], package: { blobId } },
      { jobId: ctx.job.id, author: p.author, signal: ctx.signal, progress: (f) => ctx.progress(EXPORT_SHARE + (1 - EXPORT_SHARE) * f), complete: (trx, report, spaceId) => ctx.complete(trx, report, { space_id: spaceId }) },
    );
  } finally {
    await deleteBlob(engine.db, blobId).catch(() => undefined);
  }
  return undefined;
}

export function migrateHandler(deps: JobDeps) {
  const engine: ImportEngine = { db: deps.database.db, keyring: deps.keyring, limits: deps.config.limits, faults: deps.faults };
  return (ctx: JobContext): Promise<unknown> => runMigrate(engine, ctx);
}
