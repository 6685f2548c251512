/**
 * The ROMA Connect asset API door (`/v2/{project_id}/instances/{instance_id}/assets/…`,
 * registered under `/v2`):
 * a plugin with its own authentication, error catalogue and error and not-found handlers.
 * It parses the ROMA wire format into core requests, calls the use cases, and renders
 * ROMA's shapes; it never touches the database. See docs/roma.md.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { isValidRomaUploadName } from '../../core/names.js';
import type { AssetType } from '../../core/asset-types.js';
import type { JobRow } from '../../service/jobs.js';
import type { ServiceContext } from '../../service/context.js';
import * as exportsService from '../../service/exports.js';
import * as imports from '../../service/imports.js';
import * as jobs from '../../service/jobs.js';
import { instanceOfOrg, writableSpace } from '../../service/spaces.js';
import { countUpload } from '../../service/login-limits.js';
import type { AppDeps } from '../app.js';
import { unmatchedHandler, type RouteIndex } from '../route-index.js';
import { receiveUpload } from '../upload.js';
import { parseJsonBody } from '../json-body.js';
import { DomainError } from '../../core/errors.js';
import { authenticateRoma } from './auth.js';
import { renderRomaError, RomaError, sendRomaError } from './errors.js';
import { parseRomaImportOptions } from './import-options.js';
import { romaJobView } from './views.js';

declare module 'fastify' {
  interface FastifyRequest {
    romaCtx?: ServiceContext;
  }
}

/** The file part of an import, named exactly as the API names it. */
const FILE_PART = 'ImportAssetRequestBody';
/** At most this many applications and tasks in one job. */
const MAX_APPS_AND_TASKS = 100;
const APP_AND_TASK: AssetType[] = ['application', 'task'];

type Params = { project_id: string; instance_id: string; job_id?: string; archive_id?: string };
interface Selection { apps?: unknown; tasks?: unknown }

/** `{apps: [{id}], tasks: [{id}]}` as asset ids; `apps` and/or `tasks` required as the operation says. */
function parseSelection(body: unknown, need: { apps: boolean; tasks: boolean }): { apps: string[]; tasks: string[] } {
  if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0)) throw new RomaError('ROMA.13001', 'The request has no body; give {"apps": [{"id": "…"}], "tasks": [{"id": "…"}]}.');
  if (typeof body !== 'object' || Array.isArray(body)) throw new RomaError('ROMA.13000', 'The body must be a JSON object {"apps": […], "tasks": […]}.');
  const b = body as Selection;
  for (const k of Object.keys(b)) if (k !== 'apps' && k !== 'tasks') throw new RomaError('ROMA.13000', `Unknown field '${k}'; the body takes apps and tasks.`);
  const list = (v: unknown, name: 'apps' | 'tasks'): string[] => {
    if (v === undefined) {
      if (need[name]) throw new RomaError('ROMA.13000', `${name} is required (it may be empty).`);
      return [];
    }
    if (!Array.isArray(v) || v.length > MAX_APPS_AND_TASKS) throw new RomaError('ROMA.13000', `${name} must be a list of at most ${MAX_APPS_AND_TASKS} {"id": "…"} items.`);
    return v.map((x, i) => {
      const id = (x as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' || id.length < 1 || id.length > 32 || Object.keys(x as object).some((k) => k !== 'id')) throw new RomaError('ROMA.13000', `${name}[${i}] must be {"id": "<1 to 32 characters>"}.`);
      return id;
    });
  };
  const apps = list(b.apps, 'apps');
  const tasks = list(b.tasks, 'tasks');
  if (apps.length + tasks.length > MAX_APPS_AND_TASKS) throw new RomaError('ROMA.13000', `At most ${MAX_APPS_AND_TASKS} applications and tasks in one job; this asks for ${apps.length + tasks.length}.`);
  if (apps.length + tasks.length === 0) throw new RomaError('ROMA.13000', 'Name at least one application or task.');
  return { apps, tasks };
}

const queued = (deps: AppDeps, job: JobRow): void => {
  deps.metrics.jobsEnqueued.inc({ kind: job.kind });
  deps.onJobEnqueued?.();
};

/** A ROMA import: its options and file part as an import job of the engine. */
async function romaImport(r: FastifyRequest<{ Params: Params; Querystring: Record<string, unknown> }>, ctx: ServiceContext, deps: AppDeps): Promise<JobRow> {
  const { db } = deps.database;
  const { config } = deps;
  const opts = parseRomaImportOptions(r.query);
  // Write permission is checked before the upload is read: a reader's upload is not stored.
  await writableSpace(ctx, r.params.instance_id);
  await countUpload(ctx);
  if (!r.isMultipart()) throw new RomaError(r.headers['content-length'] === '0' || r.headers['content-type'] === undefined ? 'ROMA.13001' : 'ROMA.13000', `The import takes multipart/form-data with the file part '${FILE_PART}'.`);
  const up = await receiveUpload(r, db, { parts: { [FILE_PART]: { kind: 'zip', maxBytes: config.limits.uploadBytes } }, minRate: { minBytesPerSecond: config.timeouts.minUploadBytesPerSecond, windowMs: config.timeouts.uploadRateWindowMs } }).catch((e: unknown) => {
    const m = e instanceof Error ? e.message : '';
    if (m.startsWith('Unexpected part')) throw new RomaError('ROMA.13000', `${m.replace(/;.*$/, '')}; the file part is named '${FILE_PART}'.`);
    throw e;
  });
  const file = up.zips[FILE_PART];
  if (!file) {
    await up.discard();
    throw new RomaError('ROMA.13001', `The request has no '${FILE_PART}' file part.`);
  }
  if (!isValidRomaUploadName(file.fileName ?? '')) {
    await up.discard();
    throw new RomaError('ROMA.10013', `'${file.fileName ?? ''}' is not an accepted file name: a .zip whose name starts with a letter or digit and uses only letters, digits, '+', '-' and '_'.`);
  }
  const started = await imports.startImport(ctx, {
    target: { spaceId: r.params.instance_id },
    policy: opts.policy,
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
    createNew: false,
    dryRun: false,
    overrides: [],
    package: { blobId: file.blobId! },
    limit: { types: APP_AND_TASK, max: MAX_APPS_AND_TASKS },
  });
  if (started.dryRun) throw new Error('unreachable: a ROMA import is never a dry run');
  queued(deps, started.job);
  return started.job;
}

export async function romaDoor(app: FastifyInstance, deps: AppDeps & { routes: RouteIndex }): Promise<void> {
  const { database, keyring, config } = deps;
  const db = database.db;
  const ctx = (r: FastifyRequest): ServiceContext => r.romaCtx!;

  app.setErrorHandler((err, request, reply) => renderRomaError(err, request, reply));
  app.setNotFoundHandler(unmatchedHandler(deps.routes, (request, reply, miss) => sendRomaError(reply, request, miss.allowed.length > 0 ? 'ROMA.00000405' : 'ROMA.1007', miss.detail)));

  // JSON bodies are kept as their bytes too: an AK/SK signature covers them.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    if (raw.length === 0) return done(null, undefined);
    try {
      done(null, parseJsonBody(raw.toString('utf8')));
    } catch (e) {
      done(new RomaError('ROMA.13000', e instanceof DomainError ? e.message : 'The body is not valid JSON.'), undefined);
    }
  });

  // Authenticated once the body is parsed (a JSON body's signature needs its bytes); a
  // multipart upload is not read until then. The instance must belong to the project. A
  // request no route takes is answered first (405 or ROMA.1007), whoever sends it.
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.url === undefined) return;
    const p = request.params as Params;
    const principal = await authenticateRoma(db, keyring, request, p.project_id);
    const xProject = request.headers['x-project-id'];
    if (typeof xProject === 'string' && xProject !== p.project_id) throw new RomaError('ROMA.1006', 'X-Project-Id names another project.');
    request.romaCtx = { db, keyring, config, principal, logger: request.log as unknown as Logger };
    await instanceOfOrg(request.romaCtx, p.project_id, p.instance_id);
  });

  // Registered under the prefix /v2.
  const base = '/:project_id/instances/:instance_id/assets';

  app.post<{ Params: Params; Querystring: Record<string, unknown> }>(`${base}/import`, async (r, reply) => reply.code(200).send({ job_id: (await romaImport(r, ctx(r), deps)).id }));

  app.post<{ Params: Params }>(`${base}/export`, async (r, reply) => {
    const sel = parseSelection(r.body, { apps: true, tasks: false });
    const job = await exportsService.startExport(ctx(r), { spaceId: r.params.instance_id, assetIds: [...sel.apps, ...sel.tasks], withOwned: true, withReferences: true });
    queued(deps, job);
    return reply.code(200).send({ job_id: job.id });
  });

  app.post<{ Params: Params }>(`${base}/delete`, async (r, reply) => {
    const sel = parseSelection(r.body, { apps: true, tasks: true });
    const job = await jobs.startDelete(ctx(r), { spaceId: r.params.instance_id, assetIds: [...sel.apps, ...sel.tasks], withOwned: true });
    queued(deps, job);
    return reply.code(200).send({ job_id: job.id });
  });

  app.get<{ Params: Params }>(`${base}/jobs/:job_id`, async (r) => {
    const job = await jobs.visibleJob(ctx(r), r.params.job_id!);
    if (job.space_id !== r.params.instance_id || !['import', 'export', 'delete'].includes(job.kind)) throw new RomaError('ROMA.00000404', `Job '${r.params.job_id!}' was not found in this instance.`);
    return romaJobView(job);
  });

  app.get<{ Params: Params }>(`${base}/archives/:archive_id`, async (r, reply) => {
    const a = await exportsService.takeArchive(ctx(r), r.params.archive_id!, { once: true, spaceId: r.params.instance_id });
    reply.header('content-type', 'application/zip').header('content-length', String(a.size)).header('content-disposition', `attachment; filename="${a.fileName}"`);
    return reply.send(Readable.from(a.stream));
  });
}
