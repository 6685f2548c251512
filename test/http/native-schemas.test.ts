/**
 * Every native route has a schema, and requests that break it are refused with the
 * native error body: a query value given twice, an unknown query option or body field.
 *
 * The PostgreSQL pass leaves this file out: requests that break a schema are refused before
 * any database is read.
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type RouteOptions } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { Metrics } from '../../src/http/metrics.js';
import { nativeDoor } from '../../src/http/native/routes.js';
import { RouteIndex } from '../../src/http/route-index.js';
import { KeyRing } from '../../src/secrets/key-ring.js';
import { request, startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/db.js';

describe('native route schemas', () => {
  it('every route of the native door declares a schema, with its path parameters', async () => {
    // A database only for the door's dependencies: nothing is asked of it.
    const t = await createTestDatabase();
    try {
      const seen: RouteOptions[] = [];
      const f = Fastify();
      f.addHook('onRoute', (r) => void seen.push(r));
      const deps = { config: loadConfig({ ASSETPORT_DATA_DIR: '/nonexistent-test-dir' }), database: t.database, keyring: KeyRing.fromMasterKeys([randomBytes(32)]), logger: pino({ level: 'silent' }), metrics: new Metrics(), routes: new RouteIndex() };
      await f.register(async (door) => nativeDoor(door, deps), { prefix: '/api/v1' });
      await f.ready();
      const routes = seen.filter((r) => r.method !== 'HEAD');
      expect(routes.length).toBeGreaterThan(25);
      for (const r of routes) {
        const where = `${String(r.method)} ${r.url}`;
        expect(r.schema, where).toBeDefined();
        const names = [...r.url.matchAll(/:([a-z_]+)/g)].map((m) => m[1]);
        if (names.length) expect(Object.keys((r.schema!.params as { properties: object }).properties).sort(), where).toEqual([...names].sort());
        if (r.method === 'GET' || r.method === 'DELETE') expect(r.schema!.querystring ?? r.schema!.params, where).toBeDefined();
      }
      await f.close();
    } finally {
      await t.drop();
    }
  });
});

describe('requests that break a schema', () => {
  let s: TestApp;
  beforeAll(async () => {
    s = await startTestApp();
  });
  afterAll(() => s.close());
  const call = (method: string, path: string, json?: unknown) => request(s.url, method, path, { token: s.adminToken, ...(json !== undefined ? { json } : {}) });

  it('a query value given twice where one is expected is a 400, on every route that takes it', async () => {
    await call('POST', '/api/v1/orgs', { name: 'acme' });
    const space = (await call('POST', '/api/v1/orgs/acme/instances', { name: 'dev' })).body.space_id as string;
    for (const path of ['/api/v1/spaces?org=a&org=b', '/api/v1/spaces?kind=instance&kind=project', `/api/v1/spaces/${space}/assets?limit=1&limit=2`, `/api/v1/spaces/${space}/assets?type=a&type=b`]) {
      const r = await call('GET', path);
      expect(r.status, path).toBe(400);
      expect(r.body, path).toMatchObject({ code: 'invalid_request' });
      expect(r.headers.get('content-type'), path).toContain('application/problem+json');
    }
    const imp = await request(s.url, 'POST', `/api/v1/spaces/${space}/imports?dry_run=true&dry_run=false`, { token: s.adminToken, body: new FormData() });
    expect(imp.status).toBe(400);
  });

  it('an unknown query option or body field is named in the 400', async () => {
    const r = await call('GET', '/api/v1/spaces?colour=red');
    expect(r.status).toBe(400);
    expect(r.body.detail).toContain('colour');
    const b = await call('POST', '/api/v1/orgs', { name: 'x1', colour: 'red' });
    expect(b.status).toBe(400);
    expect(b.body.detail).toContain('colour');
  });
});
