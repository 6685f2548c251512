/**
 * The SnapLogic door: API-version import and export (`/api/1/rest/public/apim/…`), project
 * import, export and migrate (`/api/1/rest/public/project/…`) and the org-scoped project
 * forms SnapLogic's automation keywords call (`/api/2/{org_id}/rest/project/…`). Two
 * plugins (one per prefix) with one set of handlers: its own authentication, error
 * envelope and not-found handler. Routes parse the wire format, call the use cases and
 * render SnapLogic's shapes; the door never touches the database. See docs/snaplogic.md.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Principal } from '../../auth/principal.js';
import type { ServiceContext } from '../../service/context.js';
import * as jobs from '../../service/jobs.js';
import * as migrations from '../../service/migrations.js';
import * as orgs from '../../service/orgs.js';
import * as spaces from '../../service/spaces.js';
import type { AppDeps } from '../app.js';
import type { RouteIndex } from '../route-index.js';
import { findTextProblem } from '../text-guard.js';
import { authenticateSnapLogic } from './auth.js';
import { renderSnapLogicError, SnapLogicError, snapLogicNotFound } from './errors.js';
import { onlyParams, parseExportOptions, parseMigrateBody } from './options.js';
import { snapLogicExport, snapLogicImport, withinCeiling } from './transfers.js';
import { importAnswer, migrationStatus } from './views.js';

declare module 'fastify' {
  interface FastifyRequest {
    snaplogicPrincipal?: Principal;
  }
}

type DoorDeps = AppDeps & { routes: RouteIndex };
type VersionParams = { org: string; api: string; version: string };
type ProjectParams = { org: string; space: string; project: string };
type OrgProjectParams = ProjectParams & { org_id: string };
type Query = Record<string, unknown>;

/** The status of an asynchronous migration, under the public prefix. */
const STATUS_PATH = '/project/migrate/status';

/** Handlers and authentication shared by both prefixes; returns how a route gets its service context. */
function setUpDoor(app: FastifyInstance, deps: DoorDeps): (r: FastifyRequest) => ServiceContext {
  const { database, keyring, config } = deps;
  const db = database.db;
  app.setErrorHandler((err, request, reply) => renderSnapLogicError(err, request, reply));
  app.setNotFoundHandler(snapLogicNotFound(deps.routes));
  app.addHook('onRequest', async (request) => {
    request.snaplogicPrincipal = await authenticateSnapLogic(db, request);
  });
  // Values PostgreSQL can't store: a path naming nothing, a query or body that is invalid.
  app.addHook('preValidation', async (request) => {
    if (findTextProblem(request.params, 'path')) throw new SnapLogicError('no_route', 'Nothing is named that way here.');
    const bad = findTextProblem(request.query, 'query') ?? findTextProblem(request.body, 'body');
    if (bad) throw new SnapLogicError('invalid_parameter', `The request ${bad}.`);
  });
  return (r) => ({ db, keyring, config, principal: r.snaplogicPrincipal!, logger: r.log as unknown as Logger });
}

/** `/api/1/rest/public/…`: API versions and projects. */
export async function snapLogicPublicDoor(app: FastifyInstance, deps: DoorDeps): Promise<void> {
  const ctx = setUpDoor(app, deps);

  app.post<{ Params: VersionParams }>('/apim/import_version/:org/apim/:api/:version', async (r) => {
    const { org, api, version } = r.params;
    r.snaplogicPath = `${org}/apim/${api}/${version}`;
    return snapLogicImport(r, ctx(r), deps, { orgId: org, apiName: api, version }, 'import_version');
  });

  app.get<{ Params: VersionParams; Querystring: Query }>('/apim/export_version/:org/apim/:api/:version', async (r, reply) => {
    const { org, api, version } = r.params;
    r.snaplogicPath = `${org}/apim/${api}/${version}`;
    const opts = parseExportOptions(r.query);
    const v = await spaces.getVersion(ctx(r), org, api, version);
    return snapLogicExport(r, reply, ctx(r), deps, v.space_id, opts);
  });

  app.post<{ Params: ProjectParams }>('/project/import/:org/:space/:project', async (r) => projectImport(r, ctx(r), deps));
  app.get<{ Params: ProjectParams; Querystring: Query }>('/project/export/:org/:space/:project', async (r, reply) => projectExport(r, reply, ctx(r), deps));

  app.post<{ Params: ProjectParams }>('/project/migrate/:org/:space/:project', async (r, reply) => {
    const { org, space, project } = r.params;
    r.snaplogicPath = `${org}/${space}/${project}`;
    onlyParams(r.query as Query, []);
    const opts = parseMigrateBody(r.body);
    const source = await spaces.administeredProject(ctx(r), org, space, project);
    r.snaplogicPath = `${opts.dest.org}/${opts.dest.projectSpace}/${opts.dest.project}`;
    const req = {
      sourceSpaceId: source.space_id,
      ...(opts.types ? { types: opts.types } : {}),
      target: { orgId: opts.dest.org, projectSpace: opts.dest.projectSpace, project: opts.dest.project },
      policy: opts.policy,
      createNew: opts.createNew,
      ...(opts.refuseExisting ? { refuseExisting: true } : {}),
    };
    if (opts.async) {
      const job = await migrations.startMigrate(ctx(r), req);
      deps.metrics.jobsEnqueued.inc({ kind: job.kind });
      deps.onJobEnqueued?.();
      return reply.send({ response_map: { status_token: job.id, status_url: `/api/1/rest/public${STATUS_PATH}/${job.id}` }, http_status_code: 200 });
    }
    const { report } = await withinCeiling(deps.config.timeouts.snaplogicCallMs, 'migration', r.log as unknown as Logger, (onCreated) => migrations.runMigrateNow(ctx(r), req, { onCreated }));
    return importAnswer(report);
  });

  app.get<{ Params: { token: string } }>(`${STATUS_PATH}/:token`, async (r) => {
    const notFound = new SnapLogicError('not_found', `No migration has the status token '${r.params.token.slice(0, 64)}'.`);
    const job = await jobs.visibleJob(ctx(r), r.params.token).catch(() => {
      throw notFound;
    });
    if (job.kind !== 'migrate') throw notFound;
    return migrationStatus(job);
  });
}

async function projectImport(r: FastifyRequest<{ Params: ProjectParams }>, ctx: ServiceContext, deps: DoorDeps) {
  const { org, space, project } = r.params;
  r.snaplogicPath = `${org}/${space}/${project}`;
  return snapLogicImport(r, ctx, deps, { orgId: org, projectSpace: space, project }, 'import');
}

async function projectExport(r: FastifyRequest<{ Params: ProjectParams; Querystring: Query }>, reply: Parameters<typeof snapLogicExport>[1], ctx: ServiceContext, deps: DoorDeps) {
  const { org, space, project } = r.params;
  r.snaplogicPath = `${org}/${space}/${project}`;
  const opts = parseExportOptions(r.query);
  const p = await spaces.administeredProject(ctx, org, space, project);
  return snapLogicExport(r, reply, ctx, deps, p.space_id, opts);
}

/** `{org_id}` must name the path's org (by id or name). */
async function sameOrg(ctx: ServiceContext, orgId: string, org: string): Promise<void> {
  const [a, b] = await Promise.all([orgs.getOrg(ctx, orgId).catch(() => undefined), orgs.getOrg(ctx, org).catch(() => undefined)]);
  if (!a || !b || a.id !== b.id) throw new SnapLogicError('not_found', `The asset does not exist: ${org}; the org '${orgId.slice(0, 64)}' of the URL is not the org of the path.`);
}

/** `/api/2/{org_id}/rest/project/…`: the org-scoped project import and export. */
export async function snapLogicOrgDoor(app: FastifyInstance, deps: DoorDeps): Promise<void> {
  const ctx = setUpDoor(app, deps);
  app.post<{ Params: OrgProjectParams }>('/:org_id/rest/project/import/:org/:space/:project', async (r) => {
    await sameOrg(ctx(r), r.params.org_id, r.params.org);
    return projectImport(r, ctx(r), deps);
  });
  app.get<{ Params: OrgProjectParams; Querystring: Query }>('/:org_id/rest/project/export/:org/:space/:project', async (r, reply) => {
    await sameOrg(ctx(r), r.params.org_id, r.params.org);
    return projectExport(r, reply, ctx(r), deps);
  });
}
