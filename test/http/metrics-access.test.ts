/**
 * Who may read /metrics: open by default; with ASSETPORT_METRICS_TOKEN only with that bearer
 * token (401 problem+json otherwise, a wrong token included); with ASSETPORT_METRICS_LISTEN
 * not on the main listener at all (404) but on its own address, behind the token too.
 *
 * The PostgreSQL pass leaves this file out: who may read /metrics does not depend on the
 * database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/http/metrics.js';
import { startMetricsListener } from '../../src/http/metrics-access.js';
import { request, startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const TOKEN = 'metrics-token-0123456789';

describe('/metrics access', () => {
  let t: TestDatabase;
  let open: TestApp;
  let guarded: TestApp;
  let moved: TestApp;

  beforeAll(async () => {
    t = await createTestDatabase();
    open = await startTestApp({}, { database: t });
    guarded = await startTestApp({ ASSETPORT_METRICS_TOKEN: TOKEN }, { database: t });
    moved = await startTestApp({ ASSETPORT_METRICS_LISTEN: '127.0.0.1:0', ASSETPORT_METRICS_TOKEN: TOKEN }, { database: t });
  });
  afterAll(async () => {
    await Promise.all([open.close(), guarded.close(), moved.close()]);
    await t.drop();
  });

  it('is open when neither is set', async () => {
    const r = await request(open.url, 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.text).toContain('assetport_http_requests_total');
  });

  it('with a token: 401 without it or with another one, 200 with it', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` }];
    for (const headers of attempts) {
      const r = await request(guarded.url, 'GET', '/metrics', { headers });
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect((r.body as Record<string, unknown>).code).toBe('unauthenticated');
      expect(r.text).not.toContain(TOKEN);
    }
    // An admin's API token is not the metrics token.
    expect((await request(guarded.url, 'GET', '/metrics', { token: guarded.adminToken })).status).toBe(401);
    const r = await request(guarded.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(200);
    expect(r.text).toContain('assetport_http_requests_total');
  });

  it('with a listen address: gone from the main listener, served on its own, behind the token', async () => {
    expect((await request(moved.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    const metrics = new Metrics();
    metrics.jobsEnqueued.inc({ kind: 'import' });
    const own = await startMetricsListener(moved.config, metrics);
    try {
      expect((await request(own.url, 'GET', '/metrics')).status).toBe(401);
      const r = await request(own.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(r.status).toBe(200);
      expect(r.text).toContain('assetport_jobs_enqueued_total{kind="import"} 1');
      expect((await request(own.url, 'GET', '/api/v1/whoami')).status).toBe(404);
    } finally {
      await own.close();
    }
  });
});
