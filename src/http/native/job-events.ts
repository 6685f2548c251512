/**
 * A job's live progress as Server-Sent Events: `state` when the state changes, `progress`
 * when the progress moves, a comment every 15 s to keep the connection open, then `done`
 * with the whole job once it has ended. Changes come from the database's announcements
 * (service/job-watch.ts): an open stream costs no query while its job is idle.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { isFinished, type JobRow } from '../../service/jobs.js';
import type { HeldWatch } from '../../service/job-watch.js';

const KEEP_ALIVE_MS = 15_000;

/** `held` watches the job since before `first` was read (JobWatch.hold): nothing announced since is missed. */
export async function streamJobEvents(held: HeldWatch, r: FastifyRequest, res: ServerResponse, first: JobRow, view: (j: JobRow) => unknown): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-request-id': r.id });
  const send = (event: string, data: unknown) => {
    if (!res.destroyed && !res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  let last = { state: first.state, progress: first.progress };
  send('state', last);
  if (isFinished(first.state)) {
    held.cancel();
    send('done', view(first));
    res.end();
    return;
  }
  /** Sends what changed; a progress older than the one shown (a read overtaken by an announcement) is left out. */
  const show = (now: { state: JobRow['state']; progress: number }) => {
    if (now.state !== last.state) send('state', { state: now.state, progress: now.progress });
    else if (now.progress > last.progress) send('progress', { state: now.state, progress: now.progress });
    else return;
    last = { state: now.state, progress: now.progress };
  };
  await new Promise<void>((resolve) => {
    let ended = false;
    const end = (final?: JobRow) => {
      if (ended) return;
      ended = true;
      stop();
      clearInterval(beat);
      if (final) send('done', view(final));
      res.end();
      resolve();
    };
    const beat = setInterval(() => {
      if (!res.destroyed) res.write(': keep-alive\n\n');
    }, KEEP_ALIVE_MS);
    const stop = held.attach({
      change: (c) => {
        // The whole job is shown once it is read (the watch reads a job that has ended).
        if (!ended && !isFinished(c.state)) show(c);
      },
      job: (job, error) => {
        if (ended) return;
        // A failed read (the database restarting) is made again once the listener is back.
        if (error) return void r.log.warn({ err: error }, 'reading a watched job failed');
        if (!job) return end();
        show(job);
        if (isFinished(job.state)) end(job);
      },
    });
    // The client (or a stopping server) ended it: nothing more to send.
    res.on('close', () => end());
    if (res.destroyed) end();
  });
}
