/** Native transfer routes: imports (and dry runs), exports, jobs, archives, events, undo. */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../../core/errors.js';
import type { ServiceContext } from '../../service/context.js';
import * as transfers from '../../service/transfers.js';
import { getJob } from '../../jobs/queue.js';
import { isFinished } from '../../jobs/job-types.js';
import type { AppDeps } from '../app.js';
import { receiveUpload, type UploadedZip } from '../upload.js';

type Params = Record<string, string>;
const JSON_PART_BYTES = 1024 * 1024;

export function transferRoutes(app: FastifyInstance, deps: AppDeps, ctx: (r: FastifyRequest) => ServiceContext): void {
  const db = deps.database.db;
  const limits = deps.config.limits;

  app.post<{ Params: Params; Querystring: Record<string, unknown> }>('/spaces/:space/imports', async (r, reply) => {
    // A dry run asked for in the query reads the upload from a private temp file, never storing it.
    const local = ['true', '1'].includes(String(r.query.dry_run));
    const up = await receiveUpload(r, db, {
      parts: { package: { kind: 'zip', maxBytes: limits.uploadBytes, local }, expressions: { kind: 'zip', maxBytes: limits.uploadBytes, local }, accounts: { kind: 'json', maxBytes: JSON_PART_BYTES }, options: { kind: 'json', maxBytes: 64 * 1024 } },
    });
    if (!up.zips.package) {
      await up.discard();
      throw new DomainError('invalid_request', "The 'package' part (the package ZIP) is missing.", { field: 'package' });
    }
    const source = (z: UploadedZip) => (z.buffer ? { buffer: z.buffer } : z.path ? { path: z.path } : { blobId: z.blobId! });
    let started;
    try {
      started = await transfers.startImport(ctx(r), r.params.space!, {
        package: source(up.zips.package),
        ...(up.zips.expressions ? { expressions: source(up.zips.expressions) } : {}),
        accounts: up.json.accounts,
        options: up.json.options,
        query: r.query,
      });
    } finally {
      await up.discardLocal();
    }
    if (started.dryRun) return reply.code(200).send(started.plan);
    deps.metrics.jobsEnqueued.inc({ kind: started.job.kind });
    deps.onJobEnqueued?.();
    return reply.code(202).header('location', `/api/v1/jobs/${started.job.id}`).send({ job_id: started.job.id });
  });

  app.post<{ Params: Params }>('/spaces/:space/exports', async (r, reply) => {
    const body = (r.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new DomainError('invalid_request', 'The body must be a JSON object.');
    const job = await transfers.startExport(ctx(r), r.params.space!, body);
    deps.metrics.jobsEnqueued.inc({ kind: job.kind });
    deps.onJobEnqueued?.();
    return reply.code(202).header('location', `/api/v1/jobs/${job.id}`).send({ job_id: job.id });
  });

  app.get<{ Params: Params }>('/jobs/:job', async (r) => transfers.jobView(await transfers.visibleJob(ctx(r), r.params.job!)));

  app.get<{ Params: Params }>('/jobs/:job/archive', async (r, reply) => {
    const a = await transfers.jobArchive(ctx(r), r.params.job!);
    reply.header('content-type', 'application/zip').header('content-length', String(a.size)).header('content-disposition', `attachment; filename="${a.fileName}"`).header('x-content-sha256', a.sha256);
    return reply.send(Readable.from(a.stream));
  });

  app.post<{ Params: Params }>('/jobs/:job/cancel', async (r) => transfers.jobView(await transfers.cancelJob(ctx(r), r.params.job!)));

  app.post<{ Params: Params }>('/jobs/:job/undo', async (r, reply) => {
    const job = await transfers.startUndo(ctx(r), r.params.job!);
    deps.metrics.jobsEnqueued.inc({ kind: job.kind });
    deps.onJobEnqueued?.();
    return reply.code(202).header('location', `/api/v1/jobs/${job.id}`).send({ job_id: job.id });
  });

  // Server-Sent Events: `progress` when the progress moves, `state` when the state changes, then `done` with the whole job.
  app.get<{ Params: Params; Querystring: { interval_ms?: string } }>('/jobs/:job/events', async (r, reply) => {
    const first = await transfers.visibleJob(ctx(r), r.params.job!);
    const interval = Math.min(5000, Math.max(50, Number(r.query.interval_ms ?? 250) || 250));
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-request-id': r.id });
    let closed = false;
    r.raw.on('close', () => (closed = true));
    const send = (event: string, data: unknown) => {
      if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    let last = { state: first.state, progress: first.progress };
    send('state', { state: first.state, progress: first.progress });
    let lastBeat = Date.now();
    try {
      while (!closed && !isFinished(last.state)) {
        await new Promise((ok) => setTimeout(ok, interval));
        const j = await getJob(db, first.id);
        if (!j) break;
        if (j.state !== last.state) send('state', { state: j.state, progress: j.progress });
        else if (j.progress !== last.progress) send('progress', { state: j.state, progress: j.progress });
        else if (Date.now() - lastBeat > 15_000) {
          res.write(': keep-alive\n\n');
          lastBeat = Date.now();
        }
        last = { state: j.state, progress: j.progress };
      }
      const final = await getJob(db, first.id);
      if (final) send('done', transfers.jobView(final));
    } catch (e) {
      r.log.warn({ err: e }, 'event stream ended');
    } finally {
      res.end();
    }
  });
}
