/**
 * Where an import writes: an existing space, an API version or project that is created by
 * the import (SnapLogic: a version that does not exist is created unpublished), or a new
 * numbered sibling of the target (`create_new`). `describeTarget` works it out without
 * writing (dry runs, and the first step of an import); `resolveTarget` then creates the
 * space, inside the import's transaction.
 */
import type { Kysely, Transaction } from 'kysely';
import { DomainError } from '../core/errors.js';
import { newId32 } from '../core/ids.js';
import { checkProjectName, checkProjectSpaceName, checkVersionName, type NameProblem } from '../core/names.js';
import { isSpaceTarget, isVersionTarget, type ImportTargetRef } from '../core/transfer-requests.js';
import type { DB, SpaceKind } from '../store/schema.js';
import { findApi, findProject, findVersion, getSpace, insertSpace, type SpaceView } from '../store/spaces.js';
import { recordAudit } from '../store/audit.js';
import { kindPhrase } from '../package/manifest.js';
import { isUniqueViolation } from '../store/pg-errors.js';

type Db = Kysely<DB> | Transaction<DB>;

/** A space the import creates. */
export interface NewSpace {
  kind: SpaceKind;
  org_id: string;
  api_id: string | null;
  project_space: string | null;
  name: string;
  reason: 'create_new' | 'missing';
}

export interface TargetDescription {
  kind: SpaceKind;
  org_id: string;
  /** The existing space the import writes into (none when it creates one). */
  space: SpaceView | undefined;
  /** The space the import creates. */
  create: NewSpace | undefined;
  /** How the target is named in messages: `orders/1.0`, `projects/etl`, an instance name. */
  label: string;
}

/** The name of the N-th numbered copy: `<name><N>`, or `<name> <N>` for projects (SnapLogic's rule). */
const numberedName = (kind: SpaceKind, name: string, n: number): string => (kind === 'project' ? `${name} ${n}` : `${name}${n}`);

async function siblingNames(db: Db, s: { kind: SpaceKind; org_id: string; api_id: string | null; project_space: string | null }): Promise<Set<string>> {
  let q = db.selectFrom('spaces').select('name').where('kind', '=', s.kind).where('org_id', '=', s.org_id);
  if (s.kind === 'api_version') q = q.where('api_id', '=', s.api_id);
  if (s.kind === 'project') q = q.where('project_space', '=', s.project_space);
  return new Set((await q.execute()).map((r) => r.name));
}

/** The smallest N ≥ 1 whose numbered name is free. */
async function numberedSibling(db: Db, base: SpaceView): Promise<NewSpace> {
  const taken = await siblingNames(db, base);
  let n = 1;
  while (taken.has(numberedName(base.kind, base.name, n))) n++;
  const name = numberedName(base.kind, base.name, n);
  const check = base.kind === 'api_version' ? checkVersionName(name) : base.kind === 'project' ? checkProjectName(name) : null;
  if (check) throw new DomainError('invalid_request', `The new space '${name}' can't be created: ${check}.`, { field: 'create_new' });
  return { kind: base.kind, org_id: base.org_id, api_id: base.api_id, project_space: base.project_space, name, reason: 'create_new' };
}

const invalidName = (problem: NameProblem, field: string): DomainError | undefined => (problem ? new DomainError('invalid_name', `${field}: ${problem}.`, { field }) : undefined);

const labelOf = (s: { kind: SpaceKind; name: string; api_name?: string | null; project_space?: string | null }): string =>
  s.kind === 'api_version' ? `${s.api_name ?? ''}/${s.name}` : s.kind === 'project' ? `${s.project_space ?? ''}/${s.name}` : s.name;

/** How the target is chosen: a numbered sibling when it exists (`createNew`), or a refusal (`refuseExisting`). */
export interface TargetRules {
  createNew: boolean;
  refuseExisting: boolean;
}

/**
 * Works out the target without writing. Unknown spaces, orgs and APIs are not found; an
 * existing target under `refuseExisting` (and not `createNew`) is a conflict.
 */
export async function describeTarget(db: Db, ref: ImportTargetRef, rules: TargetRules): Promise<TargetDescription> {
  const { createNew } = rules;
  let space: SpaceView | undefined;
  let missing: NewSpace | undefined;
  let label: string;
  if (isSpaceTarget(ref)) {
    space = await getSpace(db, ref.spaceId);
    if (!space) throw new DomainError('not_found', `Space '${ref.spaceId}' was not found.`, { resource: 'space' });
    label = labelOf(space);
  } else if (isVersionTarget(ref)) {
    const api = await findApi(db, ref.orgId, ref.apiName);
    if (!api) throw new DomainError('not_found', `API '${ref.apiName}' was not found.`, { resource: 'api' });
    label = `${ref.apiName}/${ref.version}`;
    space = await findVersion(db, api.id, ref.version);
    if (!space) {
      const bad = invalidName(checkVersionName(ref.version), 'version');
      if (bad) throw bad;
      missing = { kind: 'api_version', org_id: ref.orgId, api_id: api.id, project_space: null, name: ref.version, reason: 'missing' };
    }
  } else {
    label = `${ref.projectSpace}/${ref.project}`;
    space = await findProject(db, ref.orgId, ref.projectSpace, ref.project);
    if (!space) {
      const bad = invalidName(checkProjectSpaceName(ref.projectSpace), 'project_space') ?? invalidName(checkProjectName(ref.project), 'project');
      if (bad) throw bad;
      missing = { kind: 'project', org_id: ref.orgId, api_id: null, project_space: ref.projectSpace, name: ref.project, reason: 'missing' };
    }
  }
  if (space && createNew) {
    const create = await numberedSibling(db, space);
    return { kind: space.kind, org_id: space.org_id, space: undefined, create, label: labelOf({ ...create, api_name: space.api_name }) };
  }
  if (space && rules.refuseExisting) throw new DomainError('conflict', `The ${kindPhrase(space.kind).replace(/^an? /, '')} '${label}' already exists; nothing was written.`, { resource: 'space', exists: label });
  if (space) return { kind: space.kind, org_id: space.org_id, space, create: undefined, label };
  return { kind: missing!.kind, org_id: missing!.org_id, space: undefined, create: missing, label };
}

export interface ResolvedTarget {
  space: SpaceView;
  created: boolean;
}

/** The target space, created inside the import's transaction when the import makes it. */
export async function resolveTarget(trx: Transaction<DB>, ref: ImportTargetRef, rules: TargetRules, actor: string | null): Promise<ResolvedTarget> {
  const t = await describeTarget(trx, ref, rules);
  if (t.space) return { space: t.space, created: false };
  const c = t.create!;
  let id: string;
  try {
    id = (await insertSpace(trx, { id: newId32(), org_id: c.org_id, kind: c.kind, name: c.name, api_id: c.api_id, project_space: c.project_space, published: false })).id;
  } catch (e) {
    if (isUniqueViolation(e)) throw new DomainError('conflict', `The space '${t.label}' was created by another request meanwhile; nothing was written. Run the import again.`);
    throw e;
  }
  await recordAudit(trx, { actor, action: 'space.create', org_id: c.org_id, space_id: id, details: { name: c.name, reason: c.reason } });
  return { space: (await getSpace(trx, id))!, created: true };
}
