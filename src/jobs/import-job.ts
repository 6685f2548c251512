/**
 * The import job: its stored parameters (the import request, with the package as the
 * job's input blob and the account overrides sealed, since they may hold plain-text
 * secrets) and its handler, which runs the import (import-run.ts). The uploaded inputs are
 * dropped once the import is decided, and kept for a retry after a crash.
 */
import { DomainError } from '../core/errors.js';
import type { AssetType } from '../core/asset-types.js';
import type { PolicyMap } from '../core/policy.js';
import type { ImportRequest, ImportTargetRef } from '../core/transfer-requests.js';
import { parseAccountOverrides } from './import-prepare.js';
import type { KeyRing } from '../secrets/key-ring.js';
import { deleteBlobs, deleteSmallBlobs } from '../store/blobs.js';
import { releaseStagedContents } from '../store/content-blobs.js';
import type { JobDeps } from './job-deps.js';
import type { JobContext } from './worker.js';
import { executeImport } from './import-run.js';
import type { JobRow } from './job-types.js';

export interface ImportParams {
  target: ImportTargetRef;
  policy?: PolicyMap;
  prefix?: { value: string; types: AssetType[] };
  create_new?: boolean;
  /** An existing target refuses the import (see ImportRequest.refuseExisting). */
  refuse_existing?: boolean;
  /** The account overrides, sealed with the key ring: they may hold plain-text secrets. */
  accounts_sealed?: string;
  expressions_blob_id?: string;
  /** ImportRequest.expressionsOverwrite. */
  expressions_overwrite?: boolean;
  limit?: { types: AssetType[]; max: number };
  /** Who asked (for revisions and the audit trail). */
  author: string;
}

/** The job parameters of an import request whose package (and expressions) are blobs. */
export function importParams(keyring: KeyRing, req: ImportRequest, author: string): ImportParams {
  return {
    target: req.target,
    policy: req.policy,
    ...(req.prefix ? { prefix: req.prefix } : {}),
    create_new: req.createNew,
    ...(req.refuseExisting ? { refuse_existing: true } : {}),
    ...(req.overrides.length ? { accounts_sealed: keyring.encrypt(JSON.stringify(req.overrides.map((o) => o.body))) } : {}),
    ...(req.expressions && 'blobId' in req.expressions ? { expressions_blob_id: req.expressions.blobId } : {}),
    ...(req.expressionsOverwrite ? { expressions_overwrite: true } : {}),
    ...(req.limit ? { limit: req.limit } : {}),
    author,
  };
}

/** Jobs queued before targets were named this way stored `{kind: 'space', space_id, create_new}`. */
function targetOf(p: ImportParams): { target: ImportTargetRef; createNew: boolean } {
  const t = p.target as ImportTargetRef | { kind: 'space'; space_id: string; create_new?: boolean };
  if ('kind' in t) return { target: { spaceId: t.space_id }, createNew: t.create_new ?? false };
  return { target: t, createNew: p.create_new ?? false };
}

/** The import request a job stands for. */
function requestOfJob(keyring: KeyRing, job: JobRow): ImportRequest {
  const p = job.params as unknown as ImportParams;
  if (!job.input_blob_id) throw new DomainError('invalid_package', 'The uploaded package is no longer stored.');
  const overrides = p.accounts_sealed ? parseAccountOverrides(JSON.parse(keyring.decrypt(p.accounts_sealed)) as unknown) : [];
  return {
    ...targetOf(p),
    policy: p.policy ?? {},
    ...(p.prefix ? { prefix: p.prefix } : {}),
    ...(p.refuse_existing ? { refuseExisting: true } : {}),
    dryRun: false,
    overrides,
    package: { blobId: job.input_blob_id },
    ...(p.expressions_blob_id ? { expressions: { blobId: p.expressions_blob_id } } : {}),
    ...(p.expressions_overwrite ? { expressionsOverwrite: true } : {}),
    ...(p.limit ? { limit: p.limit } : {}),
  };
}

export function importHandler(deps: JobDeps) {
  const engine = { db: deps.database.db, keyring: deps.keyring, limits: deps.config.limits, faults: deps.faults };
  return async (ctx: JobContext): Promise<unknown> => {
    const { job } = ctx;
    const params = job.params as unknown as ImportParams;
    const inputs = [job.input_blob_id, params.expressions_blob_id].filter((id): id is string => !!id);
    // An earlier attempt may have staged file contents: then this one cleans up after it too.
    let staged = job.attempts > 1;
    let larger: string[] = [];
    try {
      await executeImport(engine, requestOfJob(deps.keyring, job), {
        jobId: job.id,
        author: params.author,
        signal: ctx.signal,
        progress: ctx.progress,
        staging: () => void (staged = true),
        // The uploaded inputs go in the transaction that completes the job: with it, or not at all.
        complete: async (trx, report, spaceId) => {
          await ctx.complete(trx, report, { space_id: spaceId });
          larger = await deleteSmallBlobs(trx, inputs);
        },
      });
      // A larger upload goes chunk by chunk once the transaction is over (or with the retention sweep).
      await deleteBlobs(engine.db, larger).catch(() => undefined);
    } catch (e) {
      // A refusal is final: the inputs go. Anything else may be retried: they stay.
      if (e instanceof DomainError) await deleteBlobs(engine.db, inputs).catch(() => undefined);
      throw e;
    } finally {
      // Staged file contents that the import did not come to refer to go (a retry stages again).
      if (staged) await releaseStagedContents(engine.db, job.id).catch(() => 0);
    }
    return undefined;
  };
}
