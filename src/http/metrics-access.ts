/**
 * Who may read `/metrics`: with ASSETPORT_METRICS_TOKEN set, only a caller sending
 * `Authorization: Bearer <that token>` (compared in constant time); with
 * ASSETPORT_METRICS_LISTEN set, the endpoint leaves the main listener and is served on that
 * address alone (by every process, workers included), still behind the token when one is set.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { DomainError } from '../core/errors.js';
import type { Metrics } from './metrics.js';
import { renderNativeError } from './native/errors.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Refuses (401 unauthenticated) a request without the metrics token; nothing when there is no token. */
function metricsTokenCheck(token: string | undefined): (request: FastifyRequest) => Promise<void> {
  const expected = token === undefined ? undefined : digest(token);
  return async (request) => {
    if (!expected) return;
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '');
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) throw new DomainError('unauthenticated', '/metrics needs Authorization: Bearer <ASSETPORT_METRICS_TOKEN>.');
  };
}

/** Adds GET /metrics to an app, behind the token when there is one. */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  app.get('/metrics', { onRequest: metricsTokenCheck(token) }, async (_req, reply: FastifyReply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

/** Serves /metrics alone on ASSETPORT_METRICS_LISTEN; its URL and how to stop it. */
export async function startMetricsListener(config: Pick<Config, 'metrics'>, metrics: Metrics): Promise<{ url: string; close(): Promise<void> }> {
  const listen = config.metrics.listen;
  if (!listen) throw new Error('ASSETPORT_METRICS_LISTEN is not set');
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.setErrorHandler((err, request, reply) => renderNativeError(err, request, reply));
  registerMetricsRoute(app, metrics, config.metrics.token);
  const url = await app.listen({ host: listen.host, port: listen.port });
  return { url, close: () => app.close() };
}
