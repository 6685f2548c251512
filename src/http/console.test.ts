/** The console's static files: cache headers, the single-page fallback, what is not there. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerConsole } from './console.js';
import { renderNativeError } from './native/errors.js';
import { RouteIndex } from './route-index.js';

const dir = mkdtempSync(join(tmpdir(), 'assetport-console-static-'));
const INDEX = '<!doctype html><title>console</title><script type="module" src="/console/assets/index-AbCd1234.js"></script>';

async function appOver(root: string): Promise<FastifyInstance> {
  const app = Fastify();
  const routes = new RouteIndex();
  routes.watch(app);
  app.setErrorHandler((err, request, reply) => renderNativeError(err, request, reply));
  await registerConsole(app, routes, root);
  return app;
}

let app: FastifyInstance;
beforeAll(async () => {
  mkdirSync(join(dir, 'built/assets'), { recursive: true });
  writeFileSync(join(dir, 'built/index.html'), INDEX);
  writeFileSync(join(dir, 'built/assets/index-AbCd1234.js'), 'console.log(1)');
  app = await appOver(join(dir, 'built'));
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the console at /console', () => {
  it('redirects /console to /console/ and answers index.html, revalidated on every load, under a strict CSP', async () => {
    const r = await app.inject('/console?x=1');
    expect([r.statusCode, r.headers.location]).toEqual([301, '/console/?x=1']);
    const page = await app.inject('/console/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toBe(INDEX);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });

  it('caches hashed assets for a year', async () => {
    const r = await app.inject('/console/assets/index-AbCd1234.js');
    expect(r.statusCode).toBe(200);
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it("answers index.html for the console's own pages, so they can be reloaded and linked to", async () => {
    for (const path of ['/console/jobs', '/console/jobs/0123abcd', '/console/spaces/x/import?y=1']) {
      const r = await app.inject(path);
      expect([path, r.statusCode, r.body, r.headers['cache-control']]).toEqual([path, 200, INDEX, 'no-cache']);
    }
  });

  it('answers a missing file with a 404 problem, and another method with a 405', async () => {
    const missing = await app.inject('/console/assets/nope-12345678.js');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    expect(missing.json()).toMatchObject({ code: 'not_found' });
    expect((await app.inject('/console/favicon.ico')).statusCode).toBe(404);
    const post = await app.inject({ method: 'POST', url: '/console/jobs' });
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toContain('GET');
  });

  it('says so when the installation was built without the console', async () => {
    const bare = await appOver(join(dir, 'absent'));
    try {
      for (const path of ['/console', '/console/', '/console/jobs']) {
        const r = await bare.inject(path);
        expect(r.statusCode).toBe(404);
        expect(r.json()).toMatchObject({ code: 'not_found', detail: expect.stringContaining('npm run build') });
      }
    } finally {
      await bare.close();
    }
  });
});
