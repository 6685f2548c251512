import { DomainError } from '../core/errors.js';
import { isId32, newId32 } from '../core/ids.js';
import { checkOrgName } from '../core/names.js';
import { insertOrg, listOrgs as listOrgRows } from '../store/orgs.js';
import { isUniqueViolation } from '../store/pg-errors.js';
import { recordAudit } from '../store/audit.js';
import { requireAdmin, visibleOrg } from './access.js';
import type { ServiceContext } from './context.js';
import { requireName } from './names-check.js';

export interface OrgView { id: string; name: string; created_at: string }
const view = (o: { id: string; name: string; created_at: Date }): OrgView => ({ id: o.id, name: o.name, created_at: o.created_at.toISOString() });

export async function createOrg(ctx: ServiceContext, name: unknown): Promise<OrgView> {
  requireAdmin(ctx.principal, 'Creating an org');
  requireName(checkOrgName(name), 'name');
  const n = name as string;
  if (isId32(n)) throw new DomainError('invalid_name', 'name: an org name must not look like an org id (32 hex characters).', { field: 'name' });
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const org = await insertOrg(trx, { id: newId32(), name: n });
      await recordAudit(trx, { actor: ctx.principal.name, action: 'org.create', org_id: org.id, details: { name: n } });
      return view(org);
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new DomainError('conflict', `An org named '${n}' already exists.`);
    throw e;
  }
}

export async function listOrgs(ctx: ServiceContext): Promise<OrgView[]> {
  return (await listOrgRows(ctx.db, ctx.principal.isAdmin ? undefined : ctx.principal.userId)).map(view);
}

export async function getOrg(ctx: ServiceContext, ref: string): Promise<OrgView> {
  return view(await visibleOrg(ctx.db, ctx.principal, ref));
}
