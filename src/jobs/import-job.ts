/**
 * The import job: read and verify the package, then — in ONE transaction, holding the
 * target space's lock — resolve the target, plan against its current state, write every
 * change in batches (keeping previous revisions), record the result and the audit event,
 * and mark the job done. Any failure rolls everything back: the target is exactly as before.
 */
import type { Transaction } from 'kysely';
import { sha256Hex } from '../core/json-text.js';
import { DomainError } from '../core/errors.js';
import { newAssetId } from '../core/ids.js';
import { plan as makePlan, type Plan, type PlanItem, type PolicyMap, type PlanTargetAsset } from '../core/plan.js';
import { applyAccountOverride } from '../core/secret-fields.js';
import type { AssetType } from '../core/asset-types.js';
import { recordAudit } from '../store/audit.js';
import { ConcurrentChangeError, insertAssets, loadTargetState, lockSpace, updateAssets, type AssetWrite } from '../store/asset-batch.js';
import { BlobSink, deleteBlob } from '../store/blobs.js';
import type { DB } from '../store/schema.js';
import type { KeyRing } from '../secrets/key-ring.js';
import type { ImportStep, JobDeps } from './job-deps.js';
import type { JobContext } from './worker.js';
import { checkPackageFits, overridesForPlan, parseAccountOverrides, prepareImport, toPlanSources, type OverrideEntry, type PreparedAsset, type PreparedImport } from './import-prepare.js';
import { reportOf, type ImportReport } from './import-result.js';
import { resolveTarget, type ImportTarget } from './import-target.js';
import type { JobReason } from './job-types.js';
import { getAsset } from '../store/assets.js';

export interface ImportParams {
  target: ImportTarget;
  policy?: PolicyMap;
  prefix?: { value: string; types: AssetType[] };
  /** The account overrides (`file_account`), sealed with the key ring: they may hold plain-text secrets. */
  accounts_sealed?: string;
  expressions_blob_id?: string;
  /** Who asked (for revisions and the audit trail). */
  author: string;
}

export const sealOverrides = (keyring: KeyRing, overrides: unknown): string => keyring.encrypt(JSON.stringify(overrides));
export const unsealOverrides = (keyring: KeyRing, sealed: string | undefined): OverrideEntry[] =>
  sealed ? parseAccountOverrides(JSON.parse(keyring.decrypt(sealed)) as unknown) : [];

export function planFor(prepared: PreparedImport, target: Awaited<ReturnType<typeof loadTargetState>>, params: Pick<ImportParams, 'policy' | 'prefix'>): Plan {
  return makePlan({
    side: prepared.side,
    source: toPlanSources(prepared),
    target: target as PlanTargetAsset[], // the same rows: stored types and refs are the registry's
    policy: params.policy,
    prefix: params.prefix,
    accountOverrides: overridesForPlan(prepared.overrides),
  });
}

/** The plan's problems as job reasons (all of them). */
export function planRefusal(p: Plan, report: ImportReport): DomainError {
  const reasons: JobReason[] = p.problems.map((x) => ({ code: `plan.${x.code}`, message: x.message, ...(x.type ? { resource_type: x.type } : {}), ...(x.name ? { resource_name: x.name } : {}) }));
  const conflictsOnly = p.problems.every((x) => x.code === 'conflict');
  return new DomainError(conflictsOnly ? 'conflict' : 'invalid_package', `The import was refused: ${p.problems.length} problem(s). ${p.problems.map((x) => x.message).join(' ')}`, { reasons, result: report });
}

/**
 * Streams a large file's bytes (verified again while read) into a blob inside the import's
 * transaction, a chunk at a time; the database then assembles the asset from it.
 */
async function stageContent(trx: Transaction<DB>, a: PreparedAsset): Promise<string | undefined> {
  if (!a.open) return undefined;
  const sink = new BlobSink(trx);
  for await (const c of await a.open()) await sink.write(c as Buffer);
  const blob = await sink.finish();
  if (blob.size !== a.size || blob.sha256 !== a.sha256) throw new DomainError('invalid_package', `${a.type} '${a.name}' does not match its size or SHA-256 in the manifest.`);
  return blob.id;
}


function withOverride(a: PreparedAsset, item: PlanItem, overrides: Map<string, OverrideEntry>, keyring: KeyRing): { bodyText: string | null; sha256: string } {
  const o = item.overrideFields?.length ? overrides.get(a.sourceId) : undefined;
  if (!o) return { bodyText: a.bodyText, sha256: a.sha256 };
  const text = JSON.stringify(applyAccountOverride(a.type, a.body, o.body, keyring, a.name));
  return { bodyText: text, sha256: sha256Hex(text) };
}

export async function applyPlan(
  trx: Transaction<DB>,
  args: { spaceId: string; plan: Plan; prepared: PreparedImport; keyring: KeyRing; jobId: string; author: string; progress: (p: number) => void; fault?: (step: ImportStep) => void },
): Promise<Map<string, string>> {
  const { plan, prepared, keyring } = args;
  const bySource = new Map(prepared.assets.map((a) => [a.sourceId, a]));
  const overrides = new Map(prepared.overrides.map((o) => [o.id, o]));
  // JSON assets are written in batches; binary ones (files) one at a time, so only one
  // file's bytes are in memory at once.
  const creates: AssetWrite[] = [];
  const updates: Array<AssetWrite & { revision: number }> = [];
  const binary: Array<{ item: PlanItem; asset: PreparedAsset; write: AssetWrite & { revision: number } }> = [];
  const newIds = new Map<string, string>();
  for (const item of plan.items) {
    if (item.action !== 'create' && item.action !== 'rename' && item.action !== 'update') continue;
    const a = bySource.get(item.sourceId)!;
    const { bodyText, sha256 } = withOverride(a, item, overrides, keyring);
    const id = item.action === 'update' ? item.targetId! : newAssetId();
    if (item.action !== 'update') newIds.set(item.sourceId, id);
    const w = { id, type: item.type, name: item.name, bodyText, content: null as Buffer | null, refs: item.refs, sha256, status: item.status, revision: item.targetRevision ?? 0 };
    if (bodyText === null) binary.push({ item, asset: a, write: w });
    else if (item.action === 'update') updates.push(w);
    else creates.push(w);
  }
  const writeFiles = async (action: 'insert' | 'update') => {
    for (const b of binary) {
      if ((b.item.action === 'update') !== (action === 'update')) continue;
      const staged = b.asset.content ? undefined : await stageContent(trx, b.asset);
      const w = { ...b.write, ...(staged ? { contentBlobId: staged } : { content: b.asset.content ?? Buffer.alloc(0) }) };
      if (action === 'update') await updateAssets(trx, [w], args.jobId, args.author);
      else await insertAssets(trx, args.spaceId, [w], args.jobId, args.author);
      if (staged) await deleteBlob(trx, staged);
    }
  };
  args.progress(0.6);
  await insertAssets(trx, args.spaceId, creates, args.jobId, args.author);
  await writeFiles('insert');
  args.fault?.('insert');
  args.progress(0.75);
  await updateAssets(trx, updates, args.jobId, args.author);
  await writeFiles('update');
  args.fault?.('update');
  args.progress(0.85);
  // Overrides for accounts the import otherwise leaves as they are.
  const accountWrites: Array<AssetWrite & { revision: number }> = [];
  for (const u of plan.accountUpdates) {
    const row = await getAsset(trx, args.spaceId, u.targetId);
    const o = overrides.get(u.overrideId);
    if (!row || !o) continue;
    const text = JSON.stringify(applyAccountOverride(u.type, row.body, o.body, keyring, row.name));
    accountWrites.push({ id: row.id, type: row.type, name: row.name, bodyText: text, content: null, refs: row.refs, sha256: sha256Hex(text), status: row.status, revision: u.targetRevision });
  }
  await updateAssets(trx, accountWrites, args.jobId, args.author);
  args.fault?.('accounts');
  return newIds;
}

async function dropInputs(db: JobDeps['database']['db'], ...ids: Array<string | null | undefined>): Promise<void> {
  for (const id of ids) if (id) await deleteBlob(db, id).catch(() => undefined);
}

export function importHandler(deps: JobDeps) {
  return async (ctx: JobContext): Promise<unknown> => {
    const { job } = ctx;
    const params = job.params as unknown as ImportParams;
    const db = deps.database.db;
    ctx.progress(0.05);
    let decided = false;
    const t0 = performance.now();
    let prepared: PreparedImport;
    try {
      const overrides = unsealOverrides(deps.keyring, params.accounts_sealed);
      prepared = await prepareImport(db, deps.keyring, deps.config.limits, {
        package: { blobId: job.input_blob_id! },
        ...(params.expressions_blob_id ? { expressions: { blobId: params.expressions_blob_id } } : {}),
        overrides,
      });
    } catch (e) {
      if (e instanceof DomainError) await dropInputs(db, job.input_blob_id, params.expressions_blob_id);
      throw e;
    }
    try {
      ctx.progress(0.3);
      ctx.signal.throwIfAborted();
      const t1 = performance.now();
      const notices = prepared.notices;
      let refusal: DomainError | undefined;
      try {
        await db.transaction().execute(async (trx) => {
          const target = await resolveTarget(trx, params.target, params.author);
          deps.faults?.('target');
          checkPackageFits(prepared, target.space.kind);
          await lockSpace(trx, target.space.id);
          const state = await loadTargetState(trx, target.space.id);
          const p = planFor(prepared, state, params);
          const t2 = performance.now();
          deps.faults?.('plan');
          ctx.progress(0.4);
          const createdSpace = target.created ? { space_id: target.space.id, name: target.space.name } : null;
          if (!p.ok) {
            refusal = planRefusal(p, reportOf(p, { dryRun: false, spaceId: target.space.id, notices }));
            throw refusal;
          }
          const newIds = await applyPlan(trx, { spaceId: target.space.id, plan: p, prepared, keyring: deps.keyring, jobId: job.id, author: params.author, progress: ctx.progress, fault: deps.faults });
          const report = reportOf(p, { dryRun: false, spaceId: target.space.id, newIds, notices, createdSpace });
          report.timings_ms = { read: Math.round(t1 - t0), plan: Math.round(t2 - t1), write: Math.round(performance.now() - t2) };
          await recordAudit(trx, {
            actor: params.author,
            action: 'import.apply',
            org_id: target.space.org_id,
            space_id: target.space.id,
            job_id: job.id,
            details: { summary: p.summary, created_space: createdSpace },
          });
          deps.faults?.('audit');
          await trx.updateTable('jobs').set({ space_id: target.space.id }).where('id', '=', job.id).execute();
          ctx.signal.throwIfAborted();
          await ctx.complete(trx, report);
          deps.faults?.('complete');
        });
      } catch (e) {
        if (e instanceof ConcurrentChangeError) throw new DomainError('conflict', 'Assets of the target changed while the import ran; nothing was written. Run the import again.');
        throw refusal ?? e;
      }
      decided = true;
      return undefined;
    } catch (e) {
      if (e instanceof DomainError) decided = true;
      throw e;
    } finally {
      await prepared.close();
      // The uploaded inputs are dropped once the import is decided (kept for a retry after a crash).
      if (decided) await dropInputs(db, job.input_blob_id, params.expressions_blob_id);
    }
  };
}
