/** The query of a job listing (`GET /api/v1/jobs`) as the engine's job query. */
import { DomainError } from '../../core/errors.js';
import { JOB_KINDS, JOB_STATES, type JobQuery } from '../../service/jobs.js';
import type { JobState } from '../../store/schema.js';
import { intParam } from './params.js';

/** A comma-separated list of allowed words (undefined when not given). */
function wordList<T extends string>(q: Record<string, string | undefined>, name: string, allowed: readonly T[]): T[] | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  const words = v.split(',').map((w) => w.trim());
  const bad = words.find((w) => !allowed.includes(w as T));
  if (bad !== undefined) throw new DomainError('invalid_request', `${name}: '${bad}' is not one of ${allowed.join(', ')}.`, { field: name });
  return [...new Set(words)] as T[];
}

export function jobQuery(q: Record<string, string | undefined>): JobQuery {
  return {
    ...(q.space !== undefined ? { spaceId: q.space } : {}),
    ...(q.state !== undefined ? { states: wordList<JobState>(q, 'state', JOB_STATES) } : {}),
    ...(q.kind !== undefined ? { kinds: wordList(q, 'kind', Object.values(JOB_KINDS)) } : {}),
    ...(q.author !== undefined ? { author: q.author } : {}),
    limit: intParam(q, 'limit', 50, 1, 500),
    ...(q.cursor !== undefined ? { after: q.cursor } : {}),
  };
}
