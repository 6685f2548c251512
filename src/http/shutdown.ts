/**
 * Closing the HTTP side promptly. `app.close()` stops listening and waits for every
 * connection to end, which on its own can take long:
 *
 *  - a job's event stream (`GET /api/v1/jobs/{id}/events`) runs until its job finishes,
 *    which may be never on a process that does not run that job;
 *  - a keep-alive connection whose request finishes after the close started stays open
 *    until the client lets it go (Node's own client after 5 s, browsers much later).
 *
 * So at close: event streams are cut (a client reconnects elsewhere), connections are
 * closed as soon as they fall idle, requests under way may finish for up to `graceMs`,
 * then whatever is still open is closed. Each step says in the log what it waits for.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** The route of a job's event stream (its handler takes the connection over). */
const EVENT_STREAM_ROUTE = '/api/v1/jobs/:job/events';

/** How often, while closing, connections that fell idle are closed. */
const SWEEP_MS = 100;

const connectionCount = (app: FastifyInstance): Promise<number> =>
  new Promise((resolve) => app.server.getConnections((err, n) => resolve(err ? 0 : n)));

export function closePromptly(app: FastifyInstance, opts: { graceMs: number }): void {
  const requests = new Set<ServerResponse>();
  const streams = new Set<ServerResponse>();

  app.addHook('onRequest', async (request, reply) => {
    const res = reply.raw;
    requests.add(res);
    if (request.routeOptions.url === EVENT_STREAM_ROUTE) streams.add(res);
    res.once('close', () => {
      requests.delete(res);
      streams.delete(res);
    });
  });

  app.addHook('preClose', async () => {
    const connections = await connectionCount(app);
    const cut = streams.size;
    for (const res of streams) res.destroy();
    const busy = requests.size - cut;
    if (connections > 0) {
      const parts = [`closing ${connections} open connection${connections === 1 ? '' : 's'}${cut > 0 ? ` (${cut} event stream${cut === 1 ? '' : 's'})` : ''}`];
      if (busy > 0) parts.push(`waiting for ${busy} request${busy === 1 ? '' : 's'} under way to finish (at most ${opts.graceMs / 1000} s)`);
      app.log.info({ connections, event_streams: cut, requests: busy }, parts.join('; '));
    }
    const sweep = setInterval(() => app.server.closeIdleConnections(), SWEEP_MS);
    const deadline = setTimeout(() => {
      if (requests.size > 0) app.log.warn({ requests: requests.size }, `closing ${requests.size} connection${requests.size === 1 ? '' : 's'} whose request did not finish within ${opts.graceMs / 1000} s`);
      app.server.closeAllConnections();
    }, opts.graceMs);
    app.server.once('close', () => {
      clearInterval(sweep);
      clearTimeout(deadline);
    });
  });
}
