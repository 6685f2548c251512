/**
 * The native API's reference: /openapi.json is a valid OpenAPI 3.1 document that names
 * every native route with its method and parameters (and nothing of the other doors), and
 * /docs is an HTML page that, with everything it loads, refers to no other host. Neither
 * needs credentials.
 *
 * The PostgreSQL pass leaves this file out: the reference does not depend on the database.
 */
import Fastify, { type FastifySchema } from 'fastify';
import { pino } from 'pino';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeDoor } from '../../src/http/native/routes.js';
import { Metrics } from '../../src/http/metrics.js';
import { RouteIndex } from '../../src/http/route-index.js';
import { request, startTestApp, type TestApp } from '../helpers/app.js';

interface Parameter { in: string; name: string; required?: boolean }
interface Operation { summary?: string; tags?: string[]; parameters?: Parameter[]; requestBody?: unknown; responses?: Record<string, unknown>; security?: unknown[] }
interface OpenApi { openapi: string; paths: Record<string, Record<string, Operation>> }

const openApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const propertiesOf = (schema: unknown): string[] => Object.keys((schema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});

describe('API reference', () => {
  let s: TestApp;
  let doc: OpenApi;
  /** Every route the native door registers, with its schema, as Fastify sees it. */
  const nativeRoutes: Array<{ method: string; url: string; schema: FastifySchema | undefined }> = [];

  beforeAll(async () => {
    s = await startTestApp();
    const probe = Fastify();
    probe.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) if (m !== 'HEAD') nativeRoutes.push({ method: m, url: r.url, schema: r.schema });
    });
    await probe.register(async (door) => nativeDoor(door, { config: s.config, database: s.t.database, keyring: s.keyring, logger: pino({ level: 'silent' }), metrics: new Metrics(), routes: new RouteIndex() }), { prefix: '/api/v1' });
    await probe.ready();
    await probe.close();
    const r = await request<OpenApi>(s.url, 'GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    doc = r.body;
  });
  afterAll(() => s.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const v = await new Validator().validate(structuredClone(doc) as never);
    expect(v.errors ?? []).toEqual([]);
    expect(v.valid).toBe(true);
  });

  it('names every native route with its method, summary, parameters and body', () => {
    expect(nativeRoutes.length).toBeGreaterThan(35);
    for (const route of nativeRoutes) {
      const where = `${route.method} ${route.url}`;
      expect(route.schema, `${where} has a schema`).toBeDefined();
      const op = doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
      expect(op, `${where} is in the document`).toBeDefined();
      expect(op!.summary, `${where} has a summary`).toMatch(/\w/);
      expect(op!.tags?.length, `${where} has a group`).toBe(1);
      expect(Object.keys(op!.responses ?? {}).some((k) => /^[23]\d\d$/.test(k)), `${where} says what it answers`).toBe(true);
      const params = op!.parameters ?? [];
      for (const name of [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!)) {
        expect(params.find((p) => p.in === 'path' && p.name === name)?.required, `${where}: path parameter ${name}`).toBe(true);
      }
      for (const name of propertiesOf(route.schema?.querystring)) {
        expect(params.some((p) => p.in === 'query' && p.name === name), `${where}: query parameter ${name}`).toBe(true);
      }
      if (route.schema?.body !== undefined || route.url.endsWith('/imports')) expect(op!.requestBody, `${where}: its body`).toBeDefined();
    }
  });

  it('has the new job, revision and space routes, and nothing but the native API', () => {
    const ops = Object.entries(doc.paths).flatMap(([p, m]) => Object.keys(m).map((k) => `${k.toUpperCase()} ${p}`));
    expect(ops).toEqual(expect.arrayContaining(['GET /api/v1/jobs', 'DELETE /api/v1/jobs/{job}', 'GET /api/v1/spaces/{space}/assets/{asset}/revisions', 'DELETE /api/v1/spaces/{space}']));
    expect(ops.length).toBe(nativeRoutes.length);
    expect(Object.keys(doc.paths).every((p) => p.startsWith('/api/v1/'))).toBe(true);
    const jobs = doc.paths['/api/v1/jobs']!.get!;
    expect(jobs.parameters!.map((p) => p.name).sort()).toEqual(['author', 'cursor', 'kind', 'limit', 'space', 'state']);
    // Only the token call goes without credentials.
    expect(doc.paths['/api/v1/tokens']!.post!.security).toEqual([]);
    expect(jobs.security).toBeUndefined();
  });

  it('serves /docs as HTML that loads nothing from another host', async () => {
    const page = await request(s.url, 'GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(page.headers.get('content-security-policy')).not.toMatch(/https?:|\*/);
    expect(page.text).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    const assets = [...page.text.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(3);
    for (const a of assets) {
      expect(a.startsWith('/docs/'), a).toBe(true);
      const r = await fetch(`${s.url}${a}`);
      expect(r.status, a).toBe(200);
      if (a.endsWith('swagger-initializer.js')) {
        const js = await r.text();
        // Nothing but a comment names another host.
        expect(js.replace(/^\s*\/\/.*$/gm, '')).not.toMatch(/https?:\/\//);
        expect(js).toMatch(/validatorUrl: null/);
      } else await r.arrayBuffer();
    }
    // The page reads the same document.
    const json = await request(s.url, 'GET', '/docs/json');
    expect(json.body).toEqual(doc);
  });

  it('answers 404 for a file the page does not have, and serves nothing outside its own files', async () => {
    for (const p of ['/docs/static/nothing.js', '/docs/nothing.js']) {
      const r = await request(s.url, 'GET', p);
      expect(r.status, p).toBe(404);
      expect(r.headers.get('allow'), p).toBeNull();
    }
    for (const p of ['/docs/static/%2e%2e/%2e%2e/package.json', '/docs/%2e%2e/%2e%2e/%2e%2e/package.json', '/docs/..%2f..%2fpackage.json']) {
      const r = await request(s.url, 'GET', p);
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.text, p).not.toContain('"dependencies"');
    }
  });

  it('needs no credentials, and leaves the API itself as guarded as before', async () => {
    expect((await request(s.url, 'GET', '/openapi.json')).status).toBe(200);
    expect((await request(s.url, 'GET', '/docs/')).status).toBe(200);
    expect((await request(s.url, 'GET', '/api/v1/jobs')).status).toBe(401);
    expect((await request(s.url, 'POST', '/openapi.json')).status).toBe(405);
  });
});
