/**
 * What the SnapLogic routes share: the multipart import (`file`, `file_account`,
 * `file_expr`) run synchronously, the export answered as its ZIP, and the call ceiling —
 * past it the call answers 504 in the envelope, naming the job, which runs on to its end
 * (it completes or rolls back whole; a client that goes away does not stop it either).
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { isDomainError } from '../../core/errors.js';
import type { ExportRequest, ImportRequest, ImportTargetRef } from '../../core/transfer-requests.js';
import type { ServiceContext } from '../../service/context.js';
import * as exportsService from '../../service/exports.js';
import * as imports from '../../service/imports.js';
import type { JobRow } from '../../service/jobs.js';
import { countUpload } from '../../service/login-limits.js';
import type { AppDeps } from '../app.js';
import { receiveUpload } from '../upload.js';
import { SnapLogicError } from './errors.js';
import type { ExportOptions } from './options.js';
import { parseImportOptions } from './options.js';
import { importAnswer } from './views.js';

const JSON_PART_BYTES = 1024 * 1024;

const minutes = (ms: number): string => (ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} minute(s)` : `${ms} ms`);

/**
 * Runs `start` within the ceiling. Past it, throws `call_timeout` naming the job (once it
 * exists: should the work end first, its outcome is the answer), and lets the work run on;
 * its outcome is logged.
 */
export async function withinCeiling<T>(ms: number, what: string, log: Logger, start: (onCreated: (job: JobRow) => void) => Promise<T>): Promise<T> {
  let jobId: string | undefined;
  let created!: () => void;
  const exists = new Promise<'late'>((ok) => {
    created = () => ok('late');
  });
  const work = start((job) => {
    jobId = job.id;
    created();
  });
  const ended = work.then((value) => ({ value }));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((ok) => {
    timer = setTimeout(() => ok('late'), ms);
  });
  try {
    const first = await Promise.race([ended, late]);
    if (first !== 'late') return first.value;
    const next = await Promise.race([ended, exists]);
    if (next !== 'late') return next.value;
    throw new SnapLogicError('call_timeout', `The ${what} did not end within ${minutes(ms)}. It runs on as job ${jobId!} and completes or rolls back whole; GET /api/v1/jobs/${jobId!} shows its state.`);
  } finally {
    clearTimeout(timer);
    work.then(
      () => undefined,
      (e: unknown) => log.info({ job_id: jobId, code: isDomainError(e) ? e.code : undefined }, `${what} ended with an error`),
    );
  }
}

/** Reads a SnapLogic import request (options, then the parts) and runs the import here; answers the response map. */
export async function snapLogicImport(r: FastifyRequest, ctx: ServiceContext, deps: AppDeps, target: ImportTargetRef, endpoint: string) {
  const opts = parseImportOptions(r.query as Record<string, unknown>);
  const missing = `Expecting body argument for endpoint ${endpoint}: file_handle`;
  if (!r.isMultipart()) {
    const empty = r.headers['content-type'] === undefined || r.headers['content-length'] === '0';
    throw empty ? new SnapLogicError('missing_file', missing) : new SnapLogicError('not_multipart', `The request must be multipart/form-data with the part 'file' (and optionally 'file_account', 'file_expr'); its Content-Type is '${String(r.headers['content-type']).slice(0, 80)}'.`);
  }
  await countUpload(ctx);
  const { limits, timeouts } = deps.config;
  const up = await receiveUpload(r, deps.database.db, {
    parts: { file: { kind: 'zip', maxBytes: limits.uploadBytes }, file_account: { kind: 'json', maxBytes: JSON_PART_BYTES }, file_expr: { kind: 'zip', maxBytes: limits.uploadBytes } },
    minRate: { minBytesPerSecond: timeouts.minUploadBytesPerSecond, windowMs: timeouts.uploadRateWindowMs },
  });
  let req: ImportRequest;
  try {
    const file = up.zips.file;
    if (!file) throw new SnapLogicError('missing_file', missing);
    req = {
      target,
      policy: opts.policy,
      createNew: opts.createNew,
      ...(opts.refuseExisting ? { refuseExisting: true } : {}),
      dryRun: false,
      overrides: up.json.file_account !== undefined ? imports.parseAccountOverrides(up.json.file_account, 'file_account') : [],
      package: { blobId: file.blobId! },
      ...(up.zips.file_expr ? { expressions: { blobId: up.zips.file_expr.blobId! }, expressionsOverwrite: true } : {}),
    };
  } catch (e) {
    await up.discard();
    throw e;
  }
  const { report } = await withinCeiling(deps.config.timeouts.snaplogicCallMs, 'import', r.log as unknown as Logger, (onCreated) => imports.runImportNow(ctx, req, { onCreated }));
  return importAnswer(report);
}

/** Runs the export here and answers its ZIP; past the size limit only with `force`. */
export async function snapLogicExport(r: FastifyRequest, reply: FastifyReply, ctx: ServiceContext, deps: AppDeps, spaceId: string, opts: ExportOptions): Promise<FastifyReply> {
  const req: ExportRequest = { spaceId, ...(opts.types ? { types: opts.types } : {}) };
  const maxBytes = opts.force ? undefined : deps.config.limits.exportBytes;
  const a = await withinCeiling(deps.config.timeouts.snaplogicCallMs, 'export', r.log as unknown as Logger, (onCreated) => exportsService.runExportNow(ctx, req, { ...(maxBytes !== undefined ? { maxBytes } : {}), onCreated })).catch((e: unknown) => {
    if (isDomainError(e) && e.code === 'payload_too_large' && e.details?.export_bytes !== undefined) throw new SnapLogicError('export_too_large', `${e.message} Add force=true to export it anyway.`);
    throw e;
  });
  reply.header('content-type', 'application/zip').header('content-length', String(a.size)).header('content-disposition', `attachment; filename="${a.fileName}"`);
  return reply.send(Readable.from(a.stream));
}
