/**
 * Listing and removing jobs. A listing is newest first, paged by a keyset cursor on
 * (created_at, id): a job created after the first page was read never shifts later pages.
 * The cursor carries the creation time as PostgreSQL text (microseconds), never as a
 * JavaScript date (milliseconds), so two jobs created in one millisecond are told apart.
 */
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool, type Transaction } from 'kysely';
import { textProblem } from '../core/json-text.js';
import type { DB, JobState } from './schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export interface JobListFilter {
  spaceId?: string;
  states?: JobState[];
  kinds?: string[];
  /** The name of the user who started the job. */
  author?: string;
  /** Only jobs this (non-admin) user may see: their own, or of a space or org they may read. */
  visibleTo?: string;
}

export interface JobListRow {
  id: string;
  kind: string;
  state: JobState;
  progress: number;
  org_id: string | null;
  space_id: string | null;
  author: string | null;
  attempts: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  /** What the job did, in a few numbers (its kind's own), or null before it finished. */
  summary: Record<string, unknown> | null;
  /** The undo job that undid this import, if any. */
  undone_by: string | null;
  /** The first reason a failed job gives. */
  first_reason: { code: string; message: string } | null;
  has_archive: boolean;
}

export interface JobPage { items: JobListRow[]; next: string | null }

const CREATED_TEXT = sql<string>`to_char(jobs.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
/** A few numbers per kind, never the (possibly large) result itself. */
const SUMMARY = sql<Record<string, unknown> | null>`CASE
  WHEN jobs.result IS NULL THEN NULL
  WHEN jobs.kind = 'export' THEN jsonb_build_object('asset_count', jobs.result->'asset_count', 'bytes', jobs.result->'bytes')
  WHEN jobs.kind = 'undo' THEN jsonb_build_object('removed', jobs.result->'removed', 'restored', jobs.result->'restored')
  WHEN jobs.kind = 'delete' AND jsonb_typeof(jobs.result->'deleted') = 'array' THEN jsonb_build_object('deleted', jsonb_array_length(jobs.result->'deleted'))
  WHEN jsonb_typeof(jobs.result->'summary') = 'object' THEN jobs.result->'summary'
  ELSE NULL END`;
const FIRST_REASON = sql<{ code: string; message: string } | null>`CASE WHEN jsonb_typeof(jobs.reasons->0) = 'object'
  THEN jsonb_build_object('code', jobs.reasons->0->'code', 'message', jobs.reasons->0->'message') ELSE NULL END`;
const TS_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const encodeCursor = (createdAt: string, id: string): string => Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
function decodeCursor(c: string): [string, string] | null {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    const ok = Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && TS_TEXT.test(v[0]) && typeof v[1] === 'string' && /^[0-9a-f]{32}$/.test(v[1]);
    return ok && textProblem(v[1] as string, 'cursor') === null ? [v[0] as string, v[1] as string] : null;
  } catch {
    return null;
  }
}
export const isValidJobCursor = (c: string): boolean => decodeCursor(c) !== null;

/** Whether user `uid` may see the job: their own, or of a space they may read, or of an org they administer. */
function visibleTo(eb: ExpressionBuilder<DB, 'jobs'>, uid: string): Expression<SqlBool> {
  return eb.or([
    eb('jobs.user_id', '=', uid),
    eb.exists(eb.selectFrom('org_roles').select('org_roles.org_id').whereRef('org_roles.org_id', '=', 'jobs.org_id').where('org_roles.user_id', '=', uid).where('org_roles.role', '=', 'admin')),
    eb.exists(eb.selectFrom('grants').select('grants.space_id').whereRef('grants.space_id', '=', 'jobs.space_id').where('grants.user_id', '=', uid)),
    eb.exists(
      eb
        .selectFrom('api_grants')
        .innerJoin('spaces', 'spaces.api_id', 'api_grants.api_id')
        .select('api_grants.api_id')
        .whereRef('spaces.id', '=', 'jobs.space_id')
        .where('api_grants.user_id', '=', uid),
    ),
  ]);
}

/** A page of jobs, newest first; `after` is the opaque cursor of the previous page. */
export async function listJobs(db: Db, f: JobListFilter, page: { limit: number; after?: string }): Promise<JobPage> {
  let q = db
    .selectFrom('jobs')
    .leftJoin('users', 'users.id', 'jobs.user_id')
    .select(['jobs.id', 'jobs.kind', 'jobs.state', 'jobs.progress', 'jobs.org_id', 'jobs.space_id', 'jobs.attempts', 'jobs.created_at', 'jobs.started_at', 'jobs.finished_at'])
    .select(['users.name as author', CREATED_TEXT.as('created_text'), SUMMARY.as('summary'), FIRST_REASON.as('first_reason')])
    .select([sql<string | null>`jobs.result->>'undone_by'`.as('undone_by'), sql<boolean>`jobs.output_blob_id IS NOT NULL`.as('has_archive')]);
  if (f.spaceId !== undefined) q = q.where('jobs.space_id', '=', f.spaceId);
  if (f.states?.length) q = q.where('jobs.state', 'in', f.states);
  if (f.kinds?.length) q = q.where('jobs.kind', 'in', f.kinds);
  if (f.author !== undefined) q = q.where('users.name', '=', f.author);
  if (f.visibleTo !== undefined) {
    const uid = f.visibleTo;
    q = q.where((eb) => visibleTo(eb, uid));
  }
  const after = page.after ? decodeCursor(page.after) : null;
  if (after) q = q.where(sql<SqlBool>`(jobs.created_at, jobs.id) < (${after[0]}::timestamptz, ${after[1]})`);
  const rows = await q.orderBy('jobs.created_at', 'desc').orderBy('jobs.id', 'desc').limit(page.limit + 1).execute();
  const more = rows.length > page.limit;
  const kept = more ? rows.slice(0, page.limit) : rows;
  const last = kept[kept.length - 1];
  const items = kept.map(({ created_text: _, ...r }) => ({ ...(r as unknown as JobListRow), progress: Number(r.progress), attempts: Number(r.attempts), has_archive: Boolean(r.has_archive) }));
  return { items, next: more && last ? encodeCursor(last.created_text, last.id) : null };
}

/**
 * Removes a finished job (SUCCEEDED, FAILED or CANCELLED) with the blobs only it refers
 * to (its uploaded package, its archive). Returns whether there was such a job.
 */
export async function deleteFinishedJob(trx: Transaction<DB>, jobId: string): Promise<boolean> {
  const row = await trx
    .deleteFrom('jobs')
    .where('id', '=', jobId)
    .where('state', 'in', ['SUCCEEDED', 'FAILED', 'CANCELLED'])
    .returning(['input_blob_id', 'output_blob_id', sql<string | null>`params->>'expressions_blob_id'`.as('expressions_blob_id')])
    .executeTakeFirst();
  if (!row) return false;
  const blobs = [row.input_blob_id, row.output_blob_id, row.expressions_blob_id].filter((b): b is string => typeof b === 'string' && b.length > 0);
  if (blobs.length > 0) {
    await trx
      .deleteFrom('blobs')
      .where('id', 'in', blobs)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('jobs').select('jobs.id').where((eb) => eb.or([eb('jobs.input_blob_id', '=', eb.ref('blobs.id')), eb('jobs.output_blob_id', '=', eb.ref('blobs.id'))])))),
      )
      .execute();
  }
  return true;
}
