/** Native job routes: list, read, delete, cancel and undo jobs; an export's archive; live progress. */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServiceContext } from '../../service/context.js';
import * as exportsService from '../../service/exports.js';
import * as jobs from '../../service/jobs.js';
import { JobWatch } from '../../service/job-watch.js';
import type { JobRow } from '../../service/jobs.js';
import type { AppDeps } from '../app.js';
import { StreamSlots } from '../stream-slots.js';
import { streamJobEvents } from './job-events.js';
import { jobQuery } from './job-query.js';
import { S } from './schemas.js';
import { jobListView, jobView } from './views.js';

type Params = Record<string, string>;

export function jobRoutes(app: FastifyInstance, deps: AppDeps, ctx: (r: FastifyRequest) => ServiceContext, queued: (job: JobRow) => void): void {
  // One watch for every event stream of this process: a job is read once per change, for all its streams.
  const watch = new JobWatch(deps.database.db, deps.database.jobNotifications);
  const streams = new StreamSlots(deps.config.rateLimits.eventStreamsPerUser);

  app.get<{ Querystring: Record<string, string | undefined> }>('/jobs', { schema: S.listJobs }, async (r) => {
    const page = await jobs.listJobs(ctx(r), jobQuery(r.query));
    return { items: page.items.map(jobListView), next: page.next };
  });

  app.get<{ Params: Params }>('/jobs/:job', { schema: S.job }, async (r) => jobView(await jobs.visibleJob(ctx(r), r.params.job!)));

  app.delete<{ Params: Params }>('/jobs/:job', { schema: S.job }, async (r, reply) => {
    await jobs.deleteJob(ctx(r), r.params.job!);
    return reply.code(204).send();
  });

  app.get<{ Params: Params }>('/jobs/:job/archive', { schema: S.job }, async (r, reply) => {
    const a = await exportsService.jobArchive(ctx(r), r.params.job!);
    reply.header('content-type', 'application/zip').header('content-length', String(a.size)).header('content-disposition', `attachment; filename="${a.fileName}"`).header('x-content-sha256', a.sha256);
    return reply.send(Readable.from(a.stream));
  });

  app.post<{ Params: Params }>('/jobs/:job/cancel', { schema: S.job }, async (r) => jobView(await jobs.cancelJob(ctx(r), r.params.job!)));

  app.post<{ Params: Params }>('/jobs/:job/undo', { schema: S.job }, async (r, reply) => {
    const job = await jobs.startUndo(ctx(r), r.params.job!);
    queued(job);
    return reply.code(202).header('location', `/api/v1/jobs/${job.id}`).send({ job_id: job.id });
  });

  // `interval_ms` (what the stream once polled at) is accepted and has no effect: events come as the job changes.
  app.get<{ Params: Params }>('/jobs/:job/events', { schema: S.jobEvents }, async (r, reply) => {
    // Watched from before the job is read: that read is the stream's first, and nothing after it is missed.
    const held = watch.hold(r.params.job!);
    let first: JobRow;
    let release: () => void;
    try {
      first = await jobs.visibleJob(ctx(r), r.params.job!);
      release = streams.take(r.principal!.userId);
    } catch (e) {
      held.cancel();
      throw e;
    }
    reply.hijack();
    try {
      await streamJobEvents(held, r, reply.raw, first, jobView);
    } finally {
      release();
    }
  });
}
