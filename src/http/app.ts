/**
 * The HTTP application: the three front doors (native /api/v1, and the ROMA and SnapLogic
 * dialects) over one set of services, plus operations endpoints. Each front door renders
 * errors in its own format; anything outside them speaks problem+json.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { newId32 } from '../core/ids.js';
import type { KeyRing } from '../secrets/key-ring.js';
import type { Database } from '../store/database.js';
import type { Metrics } from './metrics.js';
import { registerOpsRoutes } from './ops-routes.js';
import { closePromptly } from './shutdown.js';
import { nativeRoutes } from './native/routes.js';
import { problemOf, renderNativeError, sendProblem } from './native/errors.js';

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

const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** Answers an unknown route: 405 with Allow when the path exists under other methods, else 404. */
function notFound(known: ReturnType<typeof FindMyWay>, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0] ?? '/';
  const allowed = METHODS.filter((m) => m !== request.method && known.find(m, path) !== null);
  if (allowed.length > 0) {
    reply.header('allow', allowed.join(', '));
    return sendProblem(reply, problemOf('method_not_allowed', `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}.`, request));
  }
  return sendProblem(reply, problemOf('route_not_found', `There is no route ${request.method} ${path}.`, request));
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, logger, metrics } = deps;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: () => newId32(),
    bodyLimit: config.limits.jsonBodyBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  });

  const known = FindMyWay();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const m of methods) if (METHODS.includes(m as HTTPMethod)) known.on(m as HTTPMethod, route.url, () => undefined);
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  closePromptly(app, { graceMs: config.shutdownGraceSeconds * 1000 });

  app.setErrorHandler((err, request, reply) => renderNativeError(err, request, reply));
  app.setNotFoundHandler((request, reply) => notFound(known, request, reply));

  await app.register(multipart, {
    throwFileSizeLimit: true,
    limits: { fileSize: config.limits.uploadBytes + 1, files: 4, fields: 8, fieldSize: 1024 * 1024, parts: 12, headerPairs: 64 },
  });
  registerOpsRoutes(app, deps.database, metrics, deps.started);
  await app.register(async (api) => nativeRoutes(api, deps), { prefix: '/api/v1' });
  return app;
}
