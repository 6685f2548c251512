/** Jobs as text: a listing as a table, one job in detail (pure). */
import type { Colors } from './output.js';
import { plainTable, renderPlan, type ImportReport } from './render-plan.js';

export type JobState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface JobReason {
  code: string;
  message: string;
  resource_name?: string;
}

export interface JobListItem {
  id: string;
  kind: string;
  state: JobState;
  progress: number;
  space_id: string | null;
  author: string | null;
  created_at: string;
  finished_at: string | null;
  summary: Record<string, unknown> | null;
  first_reason: JobReason | null;
  undone_by: string | null;
}

export interface Job {
  id: string;
  kind: string;
  state: JobState;
  progress: number;
  space_id: string | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  result: unknown;
  reasons: JobReason[];
  archive: string | null;
}

export const isFinished = (s: JobState): boolean => s === 'SUCCEEDED' || s === 'FAILED' || s === 'CANCELLED';

export function paintState(c: Colors, s: JobState): string {
  if (s === 'SUCCEEDED') return c.green(s);
  if (s === 'FAILED') return c.red(s);
  if (s === 'CANCELLED') return c.yellow(s);
  return c.cyan(s);
}

/** A listing's summary numbers, compact: `create 3, update 1`. Zeros are left out. */
export function summaryText(s: Record<string, unknown> | null): string {
  if (!s) return '';
  return Object.entries(s)
    .filter(([, v]) => typeof v === 'number' && v !== 0)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
}

const when = (iso: string | null): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');
const percent = (p: number): string => `${Math.round(p * 100)}%`;

export function renderJobList(items: readonly JobListItem[], c: Colors): string {
  if (items.length === 0) return 'No jobs.';
  return plainTable(
    ['ID', 'KIND', 'STATE', 'PROGRESS', 'AUTHOR', 'CREATED', 'SUMMARY'],
    items.map((j) => [
      j.id,
      j.kind,
      paintState(c, j.state),
      percent(j.progress),
      j.author ?? '',
      when(j.created_at),
      [summaryText(j.summary), j.first_reason ? `${j.first_reason.code}: ${j.first_reason.message}` : '', j.undone_by ? `undone by ${j.undone_by}` : ''].filter(Boolean).join('; '),
    ]),
  );
}

const isReport = (r: unknown): r is ImportReport => typeof r === 'object' && r !== null && Array.isArray((r as ImportReport).items) && typeof (r as ImportReport).summary === 'object';

export function renderJob(j: Job, c: Colors, opts: { all?: boolean } = {}): string {
  const out = [
    `${c.bold('Job')} ${j.id}  ${j.kind}  ${paintState(c, j.state)}  ${percent(j.progress)}`,
    `  space     ${j.space_id ?? '(deleted)'}`,
    `  created   ${when(j.created_at)}`,
    ...(j.started_at ? [`  started   ${when(j.started_at)}`] : []),
    ...(j.finished_at ? [`  finished  ${when(j.finished_at)}`] : []),
    ...(j.archive ? [`  archive   ${j.archive}`] : []),
  ];
  if (j.reasons.length > 0) {
    out.push('', c.bold(`Reasons (${j.reasons.length}):`));
    for (const r of j.reasons) out.push(`  ${c.red(r.code)}: ${r.message}${r.resource_name ? ` (${r.resource_name})` : ''}`);
  }
  if (isReport(j.result)) out.push('', renderPlan(j.result, { color: c, ...(opts.all ? { all: true } : {}) }));
  else if (j.result !== null && j.result !== undefined) out.push('', `Result: ${JSON.stringify(j.result)}`);
  return out.join('\n');
}
