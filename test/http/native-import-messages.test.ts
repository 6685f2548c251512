/**
 * What people read about an import through the native API: one vocabulary of actions in a
 * dry run's plan and in the finished job (a prefixed new asset is `create` with
 * `renamed_from`, a skipped one `skip`, a blocking one `conflict`), and warnings that say
 * what happened, with their code, subject and details.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, request, startTestApp, waitJob, type TestApp } from '../helpers/app.js';
import { buildPackage } from '../helpers/packages.js';

type J = Record<string, unknown>;
type Item = { type: string; name: string; action: string; renamed_from?: string; source_name: string; failed?: J; warnings: J[] };

describe('native import messages', () => {
  let s: TestApp;
  let orgN = 0;
  const call = (m: string, p: string, o: Parameters<typeof request>[3] = {}) => request(s.url, m, p, { token: s.adminToken, ...o });
  const newSpace = async (kind: 'instance' | 'version'): Promise<string> => {
    const org = `msg${++orgN}`;
    await call('POST', '/api/v1/orgs', { json: { name: org } });
    if (kind === 'instance') return (await call('POST', `/api/v1/orgs/${org}/instances`, { json: { name: 'i' } })).body.space_id as string;
    await call('POST', `/api/v1/orgs/${org}/apis`, { json: { name: 'A' } });
    return (await call('POST', `/api/v1/orgs/${org}/apis/A/versions`, { json: { name: '1.0' } })).body.space_id as string;
  };
  /** The dry run's answer, then the finished job, for the same package and options. */
  const planAndRun = async (space: string, pkg: Buffer, query: string): Promise<{ plan: J; job: J }> => {
    const dry = await call('POST', `/api/v1/spaces/${space}/imports?dry_run=true&${query}`, { body: multipart({ package: pkg }) });
    expect(dry.status, dry.text).toBe(200);
    const started = await call('POST', `/api/v1/spaces/${space}/imports?${query}`, { body: multipart({ package: pkg }) });
    expect(started.status, started.text).toBe(202);
    return { plan: dry.body, job: await waitJob(s.url, s.adminToken, started.body.job_id as string) };
  };
  const itemsOf = (report: unknown): Item[] => (report as { items: Item[] }).items;
  const actions = (report: unknown) => itemsOf(report).map((i) => [i.type, i.name, i.action]);

  beforeAll(async () => {
    s = await startTestApp({ ASSETPORT_JOB_MAX_ATTEMPTS: '1' }, { worker: true });
  });
  afterAll(() => s?.close());

  it('a new prefixed asset is create, naming where it came from, in the plan and in the job', async () => {
    const space = await newSpace('instance');
    await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'application', name: 'dev_billing', body: { v: 'old' } } });
    const pkg = await buildPackage('instance', [
      { type: 'application', name: 'orders' },
      { type: 'application', name: 'billing', body: { v: 'new' } },
      { type: 'datasource', name: 'db', refs: [{ type: 'application', name: 'orders' }] },
    ]);
    const { plan, job } = await planAndRun(space, pkg, 'prefix=dev_&policy=overwrite');
    expect(job.state, JSON.stringify(job.reasons)).toBe('SUCCEEDED');
    for (const report of [plan, job.result]) {
      const byName = Object.fromEntries(itemsOf(report).map((i) => [i.name, i]));
      expect(byName.dev_orders).toMatchObject({ action: 'create', renamed_from: 'orders', source_name: 'orders' });
      expect(byName.dev_billing).toMatchObject({ action: 'update', renamed_from: 'billing' });
      expect(byName.db).toMatchObject({ action: 'create', source_name: 'db' });
      expect(byName.db).not.toHaveProperty('renamed_from');
      expect((report as { summary: J }).summary).toEqual({ create: 2, update: 1, unchanged: 0, keep: 0, skip: 0, conflict: 0, disabled: 0 });
    }
  });

  it('the plan and the job use one action for each asset: skip, keep, update, create', async () => {
    const space = await newSpace('version');
    for (const n of ['s']) await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'Pipeline', name: n, body: { v: n } } });
    await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'Account', name: 'acct', body: { v: 'old' } } });
    await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'Policy', name: 'f', body: { v: 'old' } } });
    const pkg = await buildPackage('api_version', [
      { type: 'Pipeline', name: 's', body: { v: 'new' } },
      { type: 'Pipeline', name: 'new' },
      { type: 'Account', name: 'acct', body: { v: 'new' } },
      { type: 'Policy', name: 'f', body: { v: 'new' } },
    ]);
    const { plan, job } = await planAndRun(space, pkg, 'policy=Pipeline:skip-as-failed,Account:keep,Policy:overwrite');
    expect(job.state, JSON.stringify(job.reasons)).toBe('SUCCEEDED');
    expect(actions(job.result)).toEqual(actions(plan));
    const byName = Object.fromEntries(itemsOf(job.result).map((i) => [i.name, i]));
    expect(byName.s).toMatchObject({ action: 'skip', failed: { status_code: 409, reason: "Pipeline 's' already exists" } });
    expect(byName.new).toMatchObject({ action: 'create' });
    expect(byName.acct).toMatchObject({ action: 'keep' });
    expect(byName.f).toMatchObject({ action: 'update' });
    expect((job.result as { summary: J }).summary).toMatchObject({ skip: 1, create: 1, keep: 1, update: 1, conflict: 0 });
  });

  it('a conflict that blocks is conflict in the plan, in the refused job and in its reasons', async () => {
    const space = await newSpace('version');
    await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'Pipeline', name: 'p', body: { v: 'old' } } });
    const pkg = await buildPackage('api_version', [{ type: 'Pipeline', name: 'p', body: { v: 'new' } }, { type: 'Policy', name: 'q' }]);
    const { plan, job } = await planAndRun(space, pkg, 'policy=fail');
    expect(plan).toMatchObject({ ok: false, problems: [{ code: 'conflict', type: 'Pipeline', name: 'p' }] });
    expect(job.state).toBe('FAILED');
    expect(actions(job.result)).toEqual(actions(plan));
    expect(itemsOf(plan).find((i) => i.name === 'p')?.action).toBe('conflict');
    expect(job.reasons).toEqual([expect.objectContaining({ code: 'plan.conflict', resource_type: 'Pipeline', resource_name: 'p' })]);
  });

  it("a finished job's warning says what happened; the dry run says what would happen", async () => {
    const space = await newSpace('version');
    const pkg = await buildPackage('api_version', [{ type: 'Task', name: 'books', refs: [{ type: 'Pipeline', name: 'load' }] }]);
    const { plan, job } = await planAndRun(space, pkg, '');
    expect(job.state, JSON.stringify(job.reasons)).toBe('SUCCEEDED');
    const warning = { code: 'unresolved_reference', subject: { type: 'Task', name: 'books', source_id: expect.any(String) }, details: { ref: { type: 'Pipeline', name: 'load' } } };
    const done = { ...warning, message: "Task 'books' was imported disabled: no pipeline 'load' found in the package or the space." };
    expect((job.result as { warnings: J[] }).warnings).toEqual([done]);
    expect(itemsOf(job.result)[0]?.warnings).toEqual([done]);
    expect((plan as { warnings: J[] }).warnings).toEqual([{ ...warning, message: "Task 'books' would be imported disabled: no pipeline 'load' found in the package or the space." }]);
    // The job as its events stream shows it at the end: the same words.
    const events = await call('GET', `/api/v1/jobs/${job.id as string}/events`);
    expect(events.text).toContain("was imported disabled: no pipeline 'load' found");
  });
});
