/** Where an import writes: an existing space, or a new numbered sibling of it (`create_new`). */
import type { Transaction } from 'kysely';
import { DomainError } from '../core/errors.js';
import { newId32 } from '../core/ids.js';
import type { DB } from '../store/schema.js';
import { getSpace, insertSpace, type SpaceView } from '../store/spaces.js';
import { recordAudit } from '../store/audit.js';

export type ImportTarget = { kind: 'space'; space_id: string; create_new?: boolean };

/** The name of the N-th numbered copy: `<name><N>`, or `<name> <N>` for projects (SnapLogic's rule). */
export const numberedName = (kind: SpaceView['kind'], name: string, n: number): string => (kind === 'project' ? `${name} ${n}` : `${name}${n}`);

async function siblingNames(trx: Transaction<DB>, s: { kind: SpaceView['kind']; org_id: string; api_id: string | null; project_space: string | null }): Promise<Set<string>> {
  let q = trx.selectFrom('spaces').select('name').where('kind', '=', s.kind).where('org_id', '=', s.org_id);
  if (s.kind === 'api_version') q = q.where('api_id', '=', s.api_id);
  if (s.kind === 'project') q = q.where('project_space', '=', s.project_space);
  return new Set((await q.execute()).map((r) => r.name));
}

/** The smallest N ≥ 1 whose numbered name is free. */
async function createNumbered(trx: Transaction<DB>, base: { kind: SpaceView['kind']; org_id: string; api_id: string | null; project_space: string | null; name: string }, actor: string | null): Promise<SpaceView> {
  const taken = await siblingNames(trx, base);
  let n = 1;
  while (taken.has(numberedName(base.kind, base.name, n))) n++;
  const name = numberedName(base.kind, base.name, n);
  const s = await insertSpace(trx, { id: newId32(), org_id: base.org_id, kind: base.kind, name, api_id: base.api_id, project_space: base.project_space, published: false });
  await recordAudit(trx, { actor, action: 'space.create', org_id: base.org_id, space_id: s.id, details: { name, reason: 'create_new' } });
  return (await getSpace(trx, s.id))!;
}

export interface ResolvedTarget {
  space: SpaceView;
  created: boolean;
}

export async function resolveTarget(trx: Transaction<DB>, target: ImportTarget, actor: string | null): Promise<ResolvedTarget> {
  const space = await getSpace(trx, target.space_id);
  if (!space) throw new DomainError('not_found', 'The target space no longer exists.');
  if (!target.create_new) return { space, created: false };
  return { space: await createNumbered(trx, space, actor), created: true };
}
