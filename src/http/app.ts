/**
 * The HTTP application: the front doors over one set of services — the native /api/v1
 * door, the ROMA asset API door (/v2, with its IAM-style token service /v3/auth/tokens) and
 * the SnapLogic door (/api/1/rest/public and /api/2/{org_id}/rest) —
 * plus operations endpoints and the web console's static files (/console). Each door is a plugin with its own
 * authentication, error catalogue and error and not-found handlers; anything outside them
 * (operations endpoints, unknown paths) speaks problem+json.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { AjvCompiler } from '@fastify/ajv-compiler';
import multipart from '@fastify/multipart';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { newId32 } from '../core/ids.js';
import type { KeyRing } from '../secrets/key-ring.js';
import type { Database } from '../store/database.js';
import type { Metrics } from './metrics.js';
import { registerOpsRoutes } from './ops-routes.js';
import { nativeDoor } from './native/routes.js';
import { romaDoor } from './roma/routes.js';
import { iamRoutes } from './roma/iam-routes.js';
import { snapLogicOrgDoor, snapLogicPublicDoor } from './snaplogic/routes.js';
import { renderSnapLogicError } from './snaplogic/errors.js';
import { nativeNotFound, renderNativeError } from './native/errors.js';
import { RouteIndex } from './route-index.js';
import { registerApiReference } from './native/openapi.js';
import { registerConsole } from './console.js';
import { closePromptly } from './shutdown.js';
import { registerJsonBodyParser } from './json-body.js';
import { nativeClientError } from './native/errors.js';
import { configurePasswordCache } from '../service/password-auth.js';
import { configureRateLimits } from '../service/login-limits.js';

export interface AppDeps {
  config: Config;
  database: Database;
  keyring: KeyRing;
  logger: Logger;
  metrics: Metrics;
  /** Called after a job is enqueued by this process (wakes the in-process worker). */
  onJobEnqueued?: () => void;
  /** False while the process is still starting (e.g. creating the admin user after it began to listen): /readyz answers 503 until then. */
  started?: () => boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The stable error code a door answered with (for the error metrics). */
    errorCode?: string;
  }
}

/** Paths of the SnapLogic door: /api/1/rest/public/… and /api/2/{org_id}/rest/…. */
const isSnapLogicPath = (url: string): boolean => url.startsWith('/api/1/') || url.startsWith('/api/2/');

/** Which front door a request path belongs to. */
const doorOf = (url: string): string =>
  url.startsWith('/api/v1') ? 'native' : url.startsWith('/v2/') ? 'roma' : url.startsWith('/v3/') ? 'iam' : isSnapLogicPath(url) ? 'snaplogic' : 'ops';

/** Trusts the nearest `hops` proxies (as proxy-addr counts them: the socket's peer is hop 0). */
const trustHops = (hops: number) => (_address: string, hop: number): boolean => hop < hops;

/**
 * The route schemas' validators, for every app this process builds: Fastify's own
 * compiler, shared, so that each schema (the route schemas are constants) is compiled once
 * a process rather than once an app. Building an app compiled them all again, with a
 * new Ajv that first compiles the JSON Schema meta-schema: ~0.2 s of CPU an app.
 */
const validators = AjvCompiler();

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, logger, metrics } = deps;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: () => newId32(),
    bodyLimit: config.limits.jsonBodyBytes,
    // Longer than any name or id can be once percent-encoded; longer still is a 414.
    routerOptions: { maxParamLength: 4096 },
    requestTimeout: config.timeouts.requestMs,
    connectionTimeout: config.timeouts.idleMs,
    // How often Node checks the request timeout: often enough to keep to it.
    http: { connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor((config.timeouts.requestMs || 30_000) / 4))) },
    // Errors before there is a request (bad HTTP, huge headers, a timeout) and bad URLs: problem+json too.
    clientErrorHandler: nativeClientError,
    frameworkErrors: (err, request, reply) => (isSnapLogicPath(request.url) ? renderSnapLogicError(err, request, reply) : renderNativeError(err, request, reply)),
    // The client address failed logins are counted by: the socket's, or X-Forwarded-For from trusted proxies.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
    schemaController: { compilersFactory: { buildValidator: validators } },
  });

  configurePasswordCache(deps.database.db, config.passwordCache);
  configureRateLimits(deps.database.db, config.rateLimits);
  const routes = new RouteIndex();
  routes.watch(app);

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    const door = doorOf(request.url);
    metrics.doorRequests.inc({ door });
    if (reply.statusCode >= 400) metrics.httpErrors.inc({ door, code: request.errorCode ?? String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  closePromptly(app, { graceMs: config.shutdownGraceSeconds * 1000 });
  registerJsonBodyParser(app, config.limits.jsonBodyBytes);

  // Outside the doors.
  app.setErrorHandler((err, request, reply) => renderNativeError(err, request, reply));
  app.setNotFoundHandler(nativeNotFound(routes));

  await app.register(multipart, {
    throwFileSizeLimit: true,
    limits: { fileSize: config.limits.uploadBytes + 1, files: 4, fields: 8, fieldSize: 1024 * 1024, parts: 12, headerPairs: 64 },
  });
  registerOpsRoutes(app, deps.database, metrics, { token: config.metrics.token, here: !config.metrics.listen }, deps.started);
  await registerApiReference(app);
  await registerConsole(app, routes);
  await app.register(async (door) => nativeDoor(door, { ...deps, routes }), { prefix: '/api/v1' });
  await app.register(async (door) => romaDoor(door, { ...deps, routes }), { prefix: '/v2' });
  await app.register(async (door) => iamRoutes(door, deps));
  await app.register(async (door) => snapLogicPublicDoor(door, { ...deps, routes }), { prefix: '/api/1/rest/public' });
  await app.register(async (door) => snapLogicOrgDoor(door, { ...deps, routes }), { prefix: '/api/2' });
  return app;
}
