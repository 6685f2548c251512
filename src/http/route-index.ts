/**
 * Which methods each route path answers, so a door's not-found handler can tell a wrong
 * method (405 with `Allow`) from a path that does not exist (404).
 */
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { FastifyInstance } from 'fastify';

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

  /** The other methods `path` answers (empty: no such path). */
  allowedOther(method: string, path: string): string[] {
    return METHODS.filter((m) => m !== method && this.known.find(m, path) !== null);
  }
}
