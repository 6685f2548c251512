/**
 * An import's progress moves in small steps and never back: every value the job reports
 * (recorded before throttling, so the observation does not depend on timing) climbs
 * monotonically in steps of at most 5 % from start to end, with many steps while the
 * package is read and while the assets are written; the event stream shows it rising.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, request, startTestApp, type TestApp } from '../helpers/app.js';
import { buildPackage } from '../helpers/packages.js';

const ASSETS = 3000;

describe('the progress of a large import', () => {
  let s: TestApp;
  const reported = new Map<string, number[]>();
  beforeAll(async () => {
    s = await startTestApp({}, { worker: true, hooks: { onProgress: (job, p) => void (reported.get(job.id) ?? reported.set(job.id, []).get(job.id)!).push(p) } });
  });
  afterAll(() => s?.close());

  it('moves at least every 5 %, monotonically, and the event stream shows it', async () => {
    await request(s.url, 'POST', '/api/v1/orgs', { token: s.adminToken, json: { name: 'acme' } });
    const space = (await request(s.url, 'POST', '/api/v1/orgs/acme/instances', { token: s.adminToken, json: { name: 'dev' } })).body.space_id as string;
    const zip = await buildPackage('instance', Array.from({ length: ASSETS }, (_, i) => ({ type: 'function' as const, name: `f${i}`, body: { i } })));
    const started = await request(s.url, 'POST', `/api/v1/spaces/${space}/imports`, { token: s.adminToken, body: multipart({ package: zip }) });
    expect(started.status).toBe(202);
    const id = started.body.job_id as string;

    // The event stream, read to its end.
    const res = await fetch(`${s.url}/api/v1/jobs/${id}/events?interval_ms=50`, { headers: { authorization: `Bearer ${s.adminToken}` } });
    const text = await res.text();
    const events = [...text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => ({ event: m[1]!, data: JSON.parse(m[2]!) as { state: string; progress: number } }));
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data.state).toBe('SUCCEEDED');
    const seen = events.map((e) => e.data.progress);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!, `event ${i}`).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen.at(-1)).toBe(1);

    // Every value the job reported.
    const values = [0, ...reported.get(id)!, 1];
    for (let i = 1; i < values.length; i++) {
      expect(values[i]!, `step ${i}`).toBeGreaterThanOrEqual(values[i - 1]!);
      expect(values[i]! - values[i - 1]!, `step ${i}: ${values[i - 1]} → ${values[i]}`).toBeLessThanOrEqual(0.05 + 1e-9);
    }
    // Many steps while reading and while writing.
    expect(values.filter((p) => p > 0.05 && p < 0.3).length).toBeGreaterThanOrEqual(10);
    expect(values.filter((p) => p > 0.4 && p < 1).length).toBeGreaterThanOrEqual(10);
  }, 180_000);
});
