/**
 * Undo of one import, as its own job, in one transaction: every asset the import created
 * is removed, every asset it updated gets its previous state back (as a new revision).
 * Refused, with nothing written, when an affected asset changed after the import.
 */
import { sql } from 'kysely';
import { DomainError } from '../core/errors.js';
import { fromBytea, selectBytea } from '../store/bytea.js';
import { deleteAssets, lockSpace, updateAssets, type AssetWrite } from '../store/asset-batch.js';
import { recordAudit } from '../store/audit.js';
import type { AssetRefRow } from '../store/schema.js';
import { getJob } from './queue.js';
import type { JobDeps } from './job-deps.js';
import type { JobContext } from './worker.js';
import type { ImportReport } from './import-result.js';

export interface UndoParams {
  import_job_id: string;
  author: string;
}

export interface UndoReport {
  import_job_id: string;
  space_id: string;
  removed: number;
  restored: number;
  removed_space: boolean;
}

const MAX_LISTED = 20;

export function undoHandler(deps: JobDeps) {
  return async (ctx: JobContext): Promise<unknown> => {
    const params = ctx.job.params as unknown as UndoParams;
    const db = deps.database.db;
    await db.transaction().execute(async (trx) => {
      const imp = await getJob(trx, params.import_job_id);
      if (!imp || imp.kind !== 'import' || imp.state !== 'SUCCEEDED' || !imp.space_id) throw new DomainError('precondition_failed', 'Only a succeeded import can be undone.');
      const report = imp.result as (ImportReport & { undone_by?: string }) | null;
      if (report?.undone_by) throw new DomainError('precondition_failed', `This import was already undone (job ${report.undone_by}).`);
      const spaceId = imp.space_id;
      await lockSpace(trx, spaceId);
      const revs = await trx.selectFrom('asset_revisions').select(['asset_id', 'existed', 'revision', 'type', 'name', 'refs', 'sha256', 'status']).select(sql<string | null>`body::text`.as('body_text')).select(selectBytea('content').as('content')).select('content_blob').where('job_id', '=', imp.id).orderBy('id').execute();
      const current = new Map(
        (await trx.selectFrom('assets').select(['id', 'revision', 'type', 'name']).where('id', 'in', revs.length ? revs.map((r) => r.asset_id) : ['']).execute()).map((a) => [a.id, { ...a, revision: Number(a.revision) }]),
      );
      const changed: string[] = [];
      const removals: Array<{ id: string; revision: number }> = [];
      const restores: Array<AssetWrite & { revision: number }> = [];
      for (const r of revs) {
        const now = current.get(r.asset_id);
        const expected = r.existed ? Number(r.revision) + 1 : 1;
        if (!now || now.revision !== expected) {
          changed.push(`${r.type} '${r.name}'`);
          continue;
        }
        if (!r.existed) removals.push({ id: r.asset_id, revision: now.revision });
        else {
          restores.push({
            id: r.asset_id,
            type: r.type,
            name: r.name,
            bodyText: r.body_text,
            content: fromBytea(r.content),
            ...(r.content_blob ? { contentBlob: r.content_blob } : {}),
            refs: (r.refs ?? []) as unknown as AssetRefRow[],
            sha256: r.sha256 ?? '',
            status: (r.status ?? 'enabled') as 'enabled' | 'disabled',
            revision: now.revision,
          });
        }
      }
      if (changed.length) {
        const listed = changed.slice(0, MAX_LISTED).join(', ') + (changed.length > MAX_LISTED ? ` and ${changed.length - MAX_LISTED} more` : '');
        throw new DomainError('conflict', `The import can't be undone: ${changed.length} asset(s) changed after it: ${listed}. Nothing was changed.`, {
          reasons: changed.slice(0, 10).map((c) => ({ code: 'undo.asset_changed', message: `${c} changed after the import.` })),
        });
      }
      ctx.progress(0.5);
      await updateAssets(trx, restores, ctx.job.id, params.author);
      await deleteAssets(trx, removals, ctx.job.id, params.author);
      let removedSpace = false;
      const created = report?.created_space?.space_id;
      if (created === spaceId) {
        const left = await trx.selectFrom('assets').select('id').where('space_id', '=', spaceId).limit(1).executeTakeFirst();
        if (!left) {
          await trx.deleteFrom('spaces').where('id', '=', spaceId).execute();
          removedSpace = true;
        }
      }
      await sql`UPDATE jobs SET result = jsonb_set(coalesce(result, '{}'::jsonb), '{undone_by}', to_jsonb(${ctx.job.id}::text)) WHERE id = ${imp.id}`.execute(trx);
      const out: UndoReport = { import_job_id: imp.id, space_id: spaceId, removed: removals.length, restored: restores.length, removed_space: removedSpace };
      await recordAudit(trx, { actor: params.author, action: 'import.undo', org_id: imp.org_id, space_id: removedSpace ? null : spaceId, job_id: ctx.job.id, details: { ...out } });
      await ctx.complete(trx, out);
    });
    return undefined;
  };
}
