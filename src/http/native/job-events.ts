/**
 * A job's live progress as Server-Sent Events: `state` when the state changes, `progress`
 * when the progress moves, a comment every 15 s to keep the connection open, then `done`
 * with the whole job once it has ended.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { ServiceContext } from '../../service/context.js';
import { isFinished, jobNow, type JobRow } from '../../service/jobs.js';

const KEEP_ALIVE_MS = 15_000;

export async function streamJobEvents(db: ServiceContext['db'], r: FastifyRequest, res: ServerResponse, first: JobRow, intervalMs: number, view: (j: JobRow) => unknown): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-request-id': r.id });
  let closed = false;
  r.raw.on('close', () => (closed = true));
  const send = (event: string, data: unknown) => {
    if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  let last = { state: first.state, progress: first.progress };
  send('state', last);
  let lastBeat = Date.now();
  try {
    let final: JobRow | undefined = first;
    while (!closed && !isFinished(last.state)) {
      await new Promise((ok) => setTimeout(ok, intervalMs));
      if (closed) return; // the client (or a stopping server) ended it: nothing more to read
      final = await jobNow(db, first.id);
      if (!final) break;
      if (final.state !== last.state) send('state', { state: final.state, progress: final.progress });
      else if (final.progress !== last.progress) send('progress', { state: final.state, progress: final.progress });
      else if (Date.now() - lastBeat > KEEP_ALIVE_MS) {
        res.write(': keep-alive\n\n');
        lastBeat = Date.now();
      }
      last = { state: final.state, progress: final.progress };
    }
    if (final) send('done', view(final));
  } catch (e) {
    r.log.warn({ err: e }, 'event stream ended');
  } finally {
    res.end();
  }
}
