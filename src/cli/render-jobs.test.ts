import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { renderJob, renderJobList, summaryText, type Job, type JobListItem } from './render-jobs.js';

const plain = pc.createColors(false);

describe('job rendering', () => {
  it('lists jobs as a table with their summaries and first reasons', () => {
    const item = (over: Partial<JobListItem>): JobListItem => ({ id: '1'.repeat(32), kind: 'import', state: 'SUCCEEDED', progress: 1, space_id: 's', author: 'admin', created_at: '2026-01-02T03:04:05.678Z', finished_at: null, summary: { create: 2, update: 0 }, first_reason: null, undone_by: null, ...over });
    const text = renderJobList([item({}), item({ id: '2'.repeat(32), state: 'FAILED', progress: 0.34, summary: null, first_reason: { code: 'plan.conflict', message: 'x exists' }, undone_by: null })], plain);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^ID\s+KIND\s+STATE\s+PROGRESS\s+AUTHOR\s+CREATED\s+SUMMARY$/);
    expect(lines[1]).toMatch(/^1{32}\s+import\s+SUCCEEDED\s+100%\s+admin\s+2026-01-02 03:04:05Z\s+create 2$/);
    expect(lines[2]).toMatch(/FAILED\s+34%.*plan\.conflict: x exists$/);
    expect(renderJobList([], plain)).toBe('No jobs.');
    expect(summaryText({ create: 0, update: 3, note: 'x' })).toBe('update 3');
  });

  it('shows a job with its reasons and, for an import, its result table', () => {
    const job: Job = {
      id: '3'.repeat(32), kind: 'import', state: 'FAILED', progress: 0.34, space_id: null, attempts: 1, created_at: '2026-01-02T03:04:05.000Z', started_at: null, finished_at: null,
      reasons: [{ code: 'plan.conflict', message: "Pipeline 'p' already exists", resource_name: 'p' }],
      result: { ok: false, dry_run: false, space_id: null, policies: {}, summary: { create: 0, update: 0, unchanged: 0, keep: 0, skip: 0, conflict: 1, disabled: 0 }, items: [{ type: 'Pipeline', name: 'p', action: 'conflict', status: 'enabled', warnings: [] }], warnings: [], problems: [], account_updates: [] },
      archive: null,
    };
    const text = renderJob(job, plain);
    expect(text).toContain(`Job ${'3'.repeat(32)}  import  FAILED  34%`);
    expect(text).toContain('space     (deleted)');
    expect(text).toContain("plan.conflict: Pipeline 'p' already exists (p)");
    expect(text).toMatch(/^x\s+conflict\s+Pipeline\s+p$/m);
    expect(text.split('\n').at(-1)).toMatch(/^Refused: .*1 conflict\.$/);
  });
});
