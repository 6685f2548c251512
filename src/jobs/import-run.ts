/**
 * An import, start to end, and its dry run — one path for both. Read and verify the
 * package; work out the target; plan against the target's state and check every write
 * (import-check.ts). The dry run stops there and reports. The import does the target,
 * the plan and the check again inside ONE transaction holding the space's lock, writes
 * (import-apply.ts), records the audit event and completes the job in that transaction:
 * any failure leaves the target exactly as before.
 */
import type { Kysely, Transaction } from 'kysely';
import { DomainError } from '../core/errors.js';
import type { ImportRequest } from '../core/transfer-requests.js';
import type { Plan } from '../core/plan.js';
import { policyFor } from '../core/policy.js';
import { typesOfSide, type ConflictPolicy } from '../core/asset-types.js';
import type { Limits } from '../config/config.js';
import type { KeyRing } from '../secrets/key-ring.js';
import { recordAudit } from '../store/audit.js';
import { ConcurrentChangeError, loadTargetState, lockSpace } from '../store/asset-batch.js';
import type { DB } from '../store/schema.js';
import { applyPlan } from './import-apply.js';
import { stageLargeFiles, stagedBytes } from './import-stage.js';
import { checkImport } from './import-check.js';
import { checkPackageFits, prepareImport, type PreparedImport } from './import-prepare.js';
import { reportOf, type ImportReport } from './import-result.js';
import { describeTarget, resolveTarget, type TargetRules } from './import-target.js';
import type { ImportStep } from './job-deps.js';
import type { JobReason } from './job-types.js';

export interface ImportEngine {
  db: Kysely<DB>;
  keyring: KeyRing;
  limits: Limits;
  /** Fault injection at each step of the transaction (tests only). */
  faults?: ((step: ImportStep) => void) | undefined;
}

/** What runs an import: the job it belongs to. */
export interface ImportRun {
  jobId: string;
  author: string;
  signal: AbortSignal;
  progress(p: number): void;
  /** Told before large files are staged (in statements of their own, before the transaction). */
  staging?(): void;
  /** Marks the job SUCCEEDED inside the import's transaction, with the space it wrote. */
  complete(trx: Transaction<DB>, report: ImportReport, spaceId: string): Promise<void>;
}

/** The plan's problems as a refusal whose reasons list all of them. */
function planRefusal(p: Plan, report: ImportReport): DomainError {
  const reasons: JobReason[] = p.problems.map((x) => ({ code: `plan.${x.code}`, message: x.message, ...(x.type ? { resource_type: x.type } : {}), ...(x.name ? { resource_name: x.name } : {}) }));
  const conflictsOnly = p.problems.every((x) => x.code === 'conflict');
  return new DomainError(conflictsOnly ? 'conflict' : 'invalid_package', `The import was refused: ${p.problems.length} problem(s). ${p.problems.map((x) => x.message).join(' ')}`, { reasons, result: report });
}

const targetRules = (req: ImportRequest): TargetRules => ({ createNew: req.createNew, refuseExisting: req.refuseExisting ?? false });

/** The policy the import applies to each type of the package's side. */
const policiesOf = (req: ImportRequest, side: PreparedImport['side']): Record<string, ConflictPolicy> => Object.fromEntries(typesOfSide(side).map((t) => [t, policyFor(req, t)]));

const prepare = (engine: ImportEngine, req: ImportRequest, onProgress?: (fraction: number) => void): Promise<PreparedImport> =>
  prepareImport(engine.db, engine.keyring, engine.limits, { package: req.package, ...(req.expressions ? { expressions: req.expressions, expressionsOverwrite: req.expressionsOverwrite ?? false } : {}), overrides: req.overrides }, onProgress);

/**
 * Where an import's progress stands at each step (0..1): reading the package is the first
 * stretch, then the target's state and the plan, then the writes; each stretch reports in
 * steps small enough that the job moves at least every 5 %.
 */
const PROGRESS = { started: 0.02, read: 0.3, stateLoaded: 0.34, planned: 0.38, written: 0.98 } as const;
/** With large files, staging them (before the transaction) takes this much of the range after reading. */
const STAGING = 0.3;

/** The dry run: everything an import checks, nothing written. */
export async function dryRunImport(engine: ImportEngine, req: ImportRequest): Promise<ImportReport> {
  const t0 = performance.now();
  const target = await describeTarget(engine.db, req.target, targetRules(req));
  // The space's state is loaded while the package is read.
  const loading = target.space ? loadTargetState(engine.db, target.space.id) : Promise.resolve([]);
  loading.catch(() => undefined); // awaited below; a read failure must not leave it unhandled
  const prepared = await prepare(engine, req);
  try {
    checkPackageFits(prepared, target.kind);
    const t1 = performance.now();
    const state = await loading;
    const t2 = performance.now();
    const checked = await checkImport(engine.db, engine.keyring, prepared, state, target.space?.id, req);
    const t3 = performance.now();
    const createdSpace = target.create ? { space_id: null, name: target.create.name } : undefined;
    const report = reportOf(checked.plan, { policies: policiesOf(req, prepared.side), dryRun: true, spaceId: target.space?.id ?? null, notices: prepared.notices, ...(createdSpace ? { createdSpace } : {}) });
    return { ...report, timings_ms: { read: Math.round(t1 - t0), load_target: Math.round(t2 - t1), plan: Math.round(t3 - t2) } };
  } finally {
    await prepared.close();
  }
}

/** The import itself; resolves with its report once the job has completed with it. */
export async function executeImport(engine: ImportEngine, req: ImportRequest, run: ImportRun): Promise<ImportReport> {
  const { db } = engine;
  run.progress(PROGRESS.started);
  const t0 = performance.now();
  // A target that no longer exists is refused before the package is read.
  await describeTarget(db, req.target, targetRules(req));
  const prepared = await prepare(engine, req, (f) => run.progress(PROGRESS.started + (PROGRESS.read - PROGRESS.started) * f));
  try {
    run.progress(PROGRESS.read);
    run.signal.throwIfAborted();
    // Large files are written before the transaction, in statements of their own.
    const stagingShare = stagedBytes(prepared) > 0 ? STAGING : 0;
    if (stagingShare > 0) run.staging?.();
    // The later steps move up into what remains.
    const scale = (p: number) => PROGRESS.read + stagingShare + ((p - PROGRESS.read) * (1 - PROGRESS.read - stagingShare)) / (1 - PROGRESS.read);
    await stageLargeFiles(db, prepared, run.jobId, run.signal, (f) => run.progress(PROGRESS.read + stagingShare * f));
    const t1 = performance.now();
    let refusal: DomainError | undefined;
    let done: ImportReport | undefined;
    try {
      await db.transaction().execute(async (trx) => {
        const target = await resolveTarget(trx, req.target, targetRules(req), run.author);
        engine.faults?.('target');
        checkPackageFits(prepared, target.space.kind);
        await lockSpace(trx, target.space.id);
        const state = await loadTargetState(trx, target.space.id);
        run.progress(scale(PROGRESS.stateLoaded));
        const checked = await checkImport(trx, engine.keyring, prepared, state, target.space.id, req);
        const p = checked.plan;
        const t2 = performance.now();
        engine.faults?.('plan');
        run.progress(scale(PROGRESS.planned));
        const createdSpace = target.created ? { space_id: target.space.id, name: target.space.name } : null;
        if (!p.ok) {
          refusal = planRefusal(p, reportOf(p, { policies: policiesOf(req, prepared.side), dryRun: false, spaceId: target.space.id, notices: prepared.notices }));
          throw refusal;
        }
        const newIds = await applyPlan(trx, { spaceId: target.space.id, checked, prepared, jobId: run.jobId, author: run.author, progress: (f) => run.progress(scale(PROGRESS.planned + (PROGRESS.written - PROGRESS.planned) * f)), fault: engine.faults });
        const report = reportOf(p, { policies: policiesOf(req, prepared.side), dryRun: false, spaceId: target.space.id, newIds, notices: prepared.notices, createdSpace });
        report.timings_ms = { read: Math.round(t1 - t0), plan: Math.round(t2 - t1), write: Math.round(performance.now() - t2) };
        await recordAudit(trx, { actor: run.author, action: 'import.apply', org_id: target.space.org_id, space_id: target.space.id, job_id: run.jobId, details: { summary: p.summary, created_space: createdSpace } });
        engine.faults?.('audit');
        run.signal.throwIfAborted();
        await run.complete(trx, report, target.space.id);
        engine.faults?.('complete');
        done = report;
      });
    } catch (e) {
      if (e instanceof ConcurrentChangeError) throw new DomainError('conflict', 'Assets of the target changed while the import ran; nothing was written. Run the import again.');
      throw refusal ?? e;
    }
    return done!;
  } finally {
    await prepared.close();
  }
}
