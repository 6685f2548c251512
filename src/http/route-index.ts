/**
 * Which methods each route path answers, so a door's not-found handler can tell a wrong
 * method (405 with `Allow`) from a path that does not exist (404).
 */
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export class RouteIndex {
  private readonly known = FindMyWay();

  /** Records every route the app registers from now on. */
  watch(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const m of methods) if (METHODS.includes(m as HTTPMethod)) this.known.on(m as HTTPMethod, route.url, () => undefined);
    });
  }

  /** Whether a route takes `method` on `path` (one that then found nothing there, e.g. a static file that does not exist). */
  takes(method: string, path: string): boolean {
    return METHODS.includes(method as HTTPMethod) && this.known.find(method as HTTPMethod, path) !== null;
  }

  /** The other methods `path` answers (empty: no such path). */
  allowedOther(method: string, path: string): string[] {
    return METHODS.filter((m) => m !== method && this.known.find(m, path) !== null);
  }
}

/** How a door words a request no route takes: `allowed` lists the path's other methods (a 405), or is empty (no such path). */
export type UnmatchedRenderer = (request: FastifyRequest, reply: FastifyReply, miss: { allowed: string[]; detail: string }) => FastifyReply;

/**
 * A door's not-found handler: a wrong method is told apart from a path that does not
 * exist (the `Allow` header set), and the door renders either in its own envelope.
 */
export const unmatchedHandler =
  (routes: RouteIndex, render: UnmatchedRenderer) =>
  (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = routes.takes(request.method, path) ? [] : routes.allowedOther(request.method, path);
    if (allowed.length === 0) return render(request, reply, { allowed, detail: `There is no route ${request.method} ${path}.` });
    reply.header('allow', allowed.join(', '));
    return render(request, reply, { allowed, detail: `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}.` });
  };
