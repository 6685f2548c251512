/**
 * The native front door (/api/v1): a Fastify plugin with its own authentication hook,
 * error and not-found handlers (problem+json, ./errors.ts) and route schemas
 * (./schemas.ts). Routes are thin: parse, call one service function, answer.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { DomainError } from '../../core/errors.js';
import type { Principal } from '../../auth/principal.js';
import type { ServiceContext } from '../../service/context.js';
import * as orgs from '../../service/orgs.js';
import * as spaces from '../../service/spaces.js';
import * as assets from '../../service/assets.js';
import * as users from '../../service/users.js';
import * as credentials from '../../service/credentials.js';
import { lockUser, unlockUser } from '../../service/user-lock.js';
import type { AppDeps } from '../app.js';
import type { RouteIndex } from '../route-index.js';
import { nativeNotFound, renderNativeError } from './errors.js';
import { S } from './schemas.js';
import { authenticateNative } from './auth.js';
import { findTextProblem } from '../text-guard.js';
import { transferRoutes } from './transfer-routes.js';
import { intParam } from './params.js';

type SpaceKind = spaces.SpaceOut['kind'];

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;
const body = (r: FastifyRequest): Record<string, unknown> => {
  if (typeof r.body !== 'object' || r.body === null || Array.isArray(r.body)) {
    throw new DomainError('invalid_request', 'The body must be a JSON object.');
  }
  return r.body as Record<string, unknown>;
};

const SPACE_KINDS: readonly SpaceKind[] = ['instance', 'api_version', 'project'];

export async function nativeDoor(app: FastifyInstance, deps: AppDeps & { routes: RouteIndex }): Promise<void> {
  const { database, keyring, config } = deps;
  const db = database.db;
  const ctx = (r: FastifyRequest): ServiceContext => ({ db, keyring, config, principal: r.principal!, logger: r.log as unknown as Logger });

  app.setErrorHandler((err, request, reply) => renderNativeError(err, request, reply));
  app.setNotFoundHandler(nativeNotFound(deps.routes));

  // A request no route takes is answered (404, or 405 with Allow) whoever sends it.
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.url === undefined) return;
    if (request.method === 'POST' && request.routeOptions.url === '/api/v1/tokens') return;
    request.principal = await authenticateNative(db, request);
  });

  // Values PostgreSQL can't store are refused up front: path and query first (they name
  // things: an unknown name is simply not found), then the body (invalid input).
  app.addHook('preValidation', async (request) => {
    if (findTextProblem(request.params, 'path')) throw new DomainError('not_found', 'Nothing is named that way here.');
    const inQuery = findTextProblem(request.query, 'query');
    if (inQuery) throw new DomainError('invalid_request', `The request ${inQuery}.`);
    const inBody = findTextProblem(request.body, 'body');
    if (inBody) throw new DomainError('invalid_request', `The request ${inBody}.`);
  });

  app.post('/tokens', { schema: S.token }, async (r, reply) => {
    const b = body(r);
    return reply.code(201).send(await users.issueToken(db, b.user, b.password, config.tokenTtlSeconds, { address: r.ip }));
  });

  app.delete('/tokens/current', { schema: S.none }, async (r, reply) => {
    await users.revokeCallerToken(db, r.headers.authorization);
    return reply.code(204).send();
  });

  app.get('/whoami', { schema: S.none }, async (r) => ({ user: r.principal!.name, id: r.principal!.userId, admin: r.principal!.isAdmin }));

  orgRoutes(app, ctx);
  spaceRoutes(app, ctx);
  transferRoutes(app, deps, ctx);
  userRoutes(app, ctx);
}

type Ctx = (r: FastifyRequest) => ServiceContext;

/** Orgs, instances, APIs and their versions, projects. */
function orgRoutes(app: FastifyInstance, ctx: Ctx): void {
  // Orgs
  app.post('/orgs', { schema: S.createOrg }, async (r, reply) => reply.code(201).send(await orgs.createOrg(ctx(r), body(r).name)));
  app.get('/orgs', { schema: S.none }, async (r) => ({ items: await orgs.listOrgs(ctx(r)) }));
  app.get<{ Params: Params }>('/orgs/:org', { schema: S.org }, async (r) => orgs.getOrg(ctx(r), r.params.org!));

  // Instances (ROMA side)
  app.post<{ Params: Params }>('/orgs/:org/instances', { schema: S.createInstance }, async (r, reply) => reply.code(201).send(await spaces.createInstance(ctx(r), r.params.org!, body(r).name)));
  app.get<{ Params: Params }>('/orgs/:org/instances', { schema: S.org }, async (r) => ({ items: await spaces.listSpaces(ctx(r), { org: r.params.org!, kind: 'instance' }) }));
  app.get<{ Params: Params }>('/orgs/:org/instances/:name', { schema: S.instance }, async (r) => spaces.getInstance(ctx(r), r.params.org!, r.params.name!));

  // APIs and versions (SnapLogic side)
  app.post<{ Params: Params }>('/orgs/:org/apis', { schema: S.createApi }, async (r, reply) => reply.code(201).send(await spaces.createApi(ctx(r), r.params.org!, body(r).name)));
  app.get<{ Params: Params }>('/orgs/:org/apis/:api', { schema: S.api }, async (r) => spaces.getApi(ctx(r), r.params.org!, r.params.api!));
  app.post<{ Params: Params }>('/orgs/:org/apis/:api/versions', { schema: S.createVersion }, async (r, reply) => {
    const b = body(r);
    if (b.published !== undefined && typeof b.published !== 'boolean') throw new DomainError('invalid_request', 'published: must be true or false.', { field: 'published' });
    return reply.code(201).send(await spaces.createVersion(ctx(r), r.params.org!, r.params.api!, b.name, b.published === true));
  });
  app.get<{ Params: Params }>('/orgs/:org/apis/:api/versions/:version', { schema: S.version }, async (r) => spaces.getVersion(ctx(r), r.params.org!, r.params.api!, r.params.version!));
  app.post<{ Params: Params }>('/orgs/:org/apis/:api/grants', { schema: S.apiGrant }, async (r, reply) => reply.code(201).send(await spaces.grantOnApi(ctx(r), r.params.org!, r.params.api!, body(r))));

  // Projects
  app.post<{ Params: Params }>('/orgs/:org/projects', { schema: S.createProject }, async (r, reply) => {
    const b = body(r);
    return reply.code(201).send(await spaces.createProject(ctx(r), r.params.org!, b.project_space, b.name));
  });
  app.get<{ Params: Params }>('/orgs/:org/projects/:project_space/:project', { schema: S.project }, async (r) => spaces.getProject(ctx(r), r.params.org!, r.params.project_space!, r.params.project!));
}

/** Spaces and their assets. */
function spaceRoutes(app: FastifyInstance, ctx: Ctx): void {
  // Spaces and their assets
  app.get<{ Querystring: Query }>('/spaces', { schema: S.listSpaces }, async (r) => {
    const kind = r.query.kind;
    if (kind !== undefined && !SPACE_KINDS.includes(kind as SpaceKind)) throw new DomainError('invalid_request', `kind: must be one of ${SPACE_KINDS.join(', ')}.`, { field: 'kind' });
    return { items: await spaces.listSpaces(ctx(r), { org: r.query.org, kind: kind as SpaceKind | undefined }) };
  });
  app.delete<{ Params: Params }>('/spaces/:space', { schema: S.deleteSpace }, async (r, reply) => {
    await spaces.deleteSpace(ctx(r), r.params.space!);
    return reply.code(204).send();
  });
  app.get<{ Params: Params; Querystring: Query }>('/spaces/:space/assets', { schema: S.listAssets }, async (r) =>
    assets.listAssets(ctx(r), r.params.space!, { type: r.query.type, after: r.query.after, limit: intParam(r.query, 'limit', 100, 1, 1000) }),
  );
  app.post<{ Params: Params }>('/spaces/:space/assets', { schema: S.assetInput }, async (r, reply) => reply.code(201).send(await assets.createAsset(ctx(r), r.params.space!, body(r))));
  app.get<{ Params: Params }>('/spaces/:space/assets/:asset', { schema: S.asset }, async (r) => assets.getAsset(ctx(r), r.params.space!, r.params.asset!));
  app.get<{ Params: Params }>('/spaces/:space/assets/:asset/content', { schema: S.asset }, async (r, reply) => {
    const c = await assets.getAssetContent(ctx(r), r.params.space!, r.params.asset!);
    return reply.type('application/octet-stream').header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(c.name)}`).send(c.content);
  });
  app.get<{ Params: Params; Querystring: Query }>('/spaces/:space/assets/:asset/revisions', { schema: S.revisions }, async (r) =>
    assets.listRevisions(ctx(r), r.params.space!, r.params.asset!, { limit: intParam(r.query, 'limit', 50, 1, 500), cursor: r.query.cursor }),
  );
  app.put<{ Params: Params }>('/spaces/:space/assets/:asset', { schema: { ...S.asset, body: S.assetInput.body } }, async (r) => assets.updateAsset(ctx(r), r.params.space!, r.params.asset!, body(r)));
  app.delete<{ Params: Params }>('/spaces/:space/assets/:asset', { schema: S.asset }, async (r, reply) => {
    await assets.deleteAsset(ctx(r), r.params.space!, r.params.asset!);
    return reply.code(204).send();
  });
}

/** Users (and locking them), access keys and grants. */
function userRoutes(app: FastifyInstance, ctx: Ctx): void {
  // Users and grants
  app.post('/users', { schema: S.createUser }, async (r, reply) => reply.code(201).send(await users.createUser(ctx(r), body(r))));
  app.post<{ Params: Params }>('/users/:user/lock', { schema: S.userLock }, async (r) => lockUser(ctx(r), r.params.user!));
  app.post<{ Params: Params }>('/users/:user/unlock', { schema: S.userLock }, async (r) => unlockUser(ctx(r), r.params.user!));
  app.post<{ Params: Params }>('/users/:user/access-keys', { schema: S.accessKeys }, async (r, reply) => reply.code(201).send(await credentials.createAccessKey(ctx(r), r.params.user!)));
  app.post<{ Params: Params }>('/spaces/:space/grants', { schema: S.grant }, async (r, reply) => reply.code(201).send(await users.grant(ctx(r), r.params.space!, body(r))));
}
