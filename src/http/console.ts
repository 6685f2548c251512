/**
 * The web console at /console: the static files `npm run build` makes from web/ (into
 * dist/console), served as they are. Vite names every script and style sheet after its
 * content (/console/assets/<name>-<hash>.js), so those are cached for a year; index.html is
 * revalidated on every load, so a new build is picked up at once. Any other GET under
 * /console that names no file is a route of the console itself (/console/jobs/…) and gets
 * index.html, which routes in the browser. Nothing is loaded from another host: the
 * Content-Security-Policy allows this origin only.
 *
 * Registering is cheap (no directory walk at start): files are looked up when asked for.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../core/errors.js';
import type { RouteIndex } from './route-index.js';
import { nativeNotFound, renderNativeError } from './native/errors.js';

/** The built console: dist/console, two levels up from src/http and dist/http alike. */
const CONSOLE_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

const CONSOLE_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; img-src 'self' data:; object-src 'none'; script-src 'self'; style-src 'self'; form-action 'self'";

const HASHED = /\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

function securityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', CONSOLE_CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
}

/** A console route: a path whose last segment has no file extension, outside /console/assets. */
const isClientRoute = (request: FastifyRequest): boolean => {
  const path = request.url.split('?')[0] ?? '';
  return !/\.[A-Za-z0-9]+$/.test(path.slice(path.lastIndexOf('/') + 1)) && !path.startsWith('/console/assets/');
};

export async function registerConsole(app: FastifyInstance, routes: RouteIndex, dir = CONSOLE_DIR): Promise<void> {
  if (!existsSync(join(dir, 'index.html'))) {
    const notBuilt = async () => {
      throw new DomainError('not_found', 'The web console is not built in this installation: run npm run build.');
    };
    app.get('/console', notBuilt);
    app.get('/console/*', notBuilt);
    return;
  }
  app.get('/console', async (request, reply) => reply.redirect(`/console/${request.url.slice('/console'.length)}`, 301));
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      index: ['index.html'],
      cacheControl: false,
      setHeaders: (reply, path) => {
        securityHeaders(reply);
        reply.header('cache-control', HASHED.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    const notFound = nativeNotFound(routes);
    scope.setNotFoundHandler((request, reply) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return notFound(request, reply);
      if (!isClientRoute(request)) return renderNativeError(new DomainError('not_found', `The console has no file ${request.url.split('?')[0] ?? ''}.`), request, reply);
      securityHeaders(reply);
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
  }, { prefix: '/console' });
}
