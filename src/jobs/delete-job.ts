/**
 * The delete job: removes the selected assets of a space — with what the selected
 * applications own, when asked — in one transaction under the space's lock, keeping each
 * one's last state as a revision. An id that is not in the space fails the job, nothing
 * removed.
 */
import { DomainError } from '../core/errors.js';
import { deleteAssets, loadTargetState, lockSpace } from '../store/asset-batch.js';
import { recordAudit } from '../store/audit.js';
import { getSpace } from '../store/spaces.js';
import type { JobDeps } from './job-deps.js';
import type { JobContext } from './worker.js';

export interface DeleteParams {
  space_id: string;
  asset_ids: string[];
  with_owned?: boolean;
  author: string;
}

export interface DeleteReport {
  space_id: string;
  deleted: Array<{ asset_id: string; type: string; name: string }>;
}

export function deleteHandler(deps: JobDeps) {
  return async (ctx: JobContext): Promise<unknown> => {
    const p = ctx.job.params as unknown as DeleteParams;
    await deps.database.db.transaction().execute(async (trx) => {
      const space = await getSpace(trx, p.space_id);
      if (!space) throw new DomainError('not_found', 'The space no longer exists.');
      await lockSpace(trx, space.id);
      const all = await loadTargetState(trx, space.id);
      const byId = new Map(all.map((a) => [a.id, a]));
      const unknown = p.asset_ids.filter((id) => !byId.has(id));
      if (unknown.length) {
        throw new DomainError('not_found', `These assets are not in the space: ${unknown.join(', ')}.`, { reasons: unknown.map((id) => ({ code: 'not_found', message: `Asset '${id}' is not in the space.`, resource_name: id })) });
      }
      const chosen = new Set(p.asset_ids);
      if (p.with_owned) {
        const apps = new Set(p.asset_ids.map((id) => byId.get(id)!).filter((a) => a.type === 'application').map((a) => a.name));
        for (const a of all) if (a.refs.some((r) => r.type === 'application' && apps.has(r.name))) chosen.add(a.id);
      }
      const rows = all.filter((a) => chosen.has(a.id));
      ctx.progress(0.5);
      await deleteAssets(trx, rows.map((a) => ({ id: a.id, revision: a.revision })), ctx.job.id, p.author);
      const report: DeleteReport = { space_id: space.id, deleted: rows.map((a) => ({ asset_id: a.id, type: a.type, name: a.name })) };
      await recordAudit(trx, { actor: p.author, action: 'delete', org_id: space.org_id, space_id: space.id, job_id: ctx.job.id, details: { count: rows.length } });
      await ctx.complete(trx, report);
    });
    return undefined;
  };
}
