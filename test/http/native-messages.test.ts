/**
 * What people read in the native API's errors: a __proto__ key named as such, the types a
 * call takes in a 415, the limit in a 413, the running job in a job_running refusal, and
 * "an application" / "an Account" where a type name follows an article.
 *
 * The PostgreSQL pass leaves this file out: the wording does not depend on the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, request, startTestApp, type TestApp } from '../helpers/app.js';
import { buildPackage } from '../helpers/packages.js';

describe('native error messages', () => {
  let s: TestApp;
  let space = '';
  const call = (method: string, path: string, opts: Parameters<typeof request>[3] = {}) => request(s.url, method, path, { token: s.adminToken, ...opts });
  beforeAll(async () => {
    s = await startTestApp({ ASSETPORT_MAX_UPLOAD: '1MiB', ASSETPORT_MAX_JSON_BODY: '64KiB' });
    await call('POST', '/api/v1/orgs', { json: { name: 'acme' } });
    space = (await call('POST', '/api/v1/orgs/acme/instances', { json: { name: 'dev' } })).body.space_id as string;
  });
  afterAll(() => s?.close());

  it('a JSON body with a __proto__ key is a 400 saying so, not "not valid JSON"', async () => {
    for (const [text, key] of [['{"name":"x","__proto__":{"admin":true}}', '__proto__'], ['{"name":{"constructor":{"prototype":{"a":1}}}}', 'constructor']] as const) {
      const r = await call('POST', '/api/v1/orgs', { body: text, headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: 'invalid_request' });
      expect(r.body.detail).toContain(key);
      expect(r.body.detail).toContain('not allowed');
    }
    // Plain bad JSON stays malformed_json.
    expect((await call('POST', '/api/v1/orgs', { body: '{"name":', headers: { 'content-type': 'application/json' } })).body.code).toBe('malformed_json');
  });

  it('a 415 names what the call takes', async () => {
    const imp = await call('POST', `/api/v1/spaces/${space}/imports`, { json: { package: 'x' } });
    expect(imp.status).toBe(415);
    expect(imp.body.detail).toContain('multipart/form-data');
    expect(imp.body.detail).toContain('package, accounts, expressions, options');
    const imp2 = await call('POST', `/api/v1/spaces/${space}/imports`, { body: '<x/>', headers: { 'content-type': 'application/xml' } });
    expect(imp2.status).toBe(415);
    expect(imp2.body.detail).toContain('package, accounts, expressions, options');
    const org = await call('POST', '/api/v1/orgs', { body: '<x/>', headers: { 'content-type': 'application/xml' } });
    expect(org.status).toBe(415);
    expect(org.body.detail).toContain('application/json');
    const latin = await call('POST', '/api/v1/orgs', { body: '{"name":"x"}', headers: { 'content-type': 'application/json; charset=iso-8859-1' } });
    expect(latin.status).toBe(415);
    expect(latin.body.detail).toContain('UTF-8');
  });

  it('a 413 gives the limit in bytes and MiB', async () => {
    const json = await call('POST', '/api/v1/orgs', { json: { name: 'x'.repeat(70 * 1024) } });
    expect(json.status).toBe(413);
    expect(json.body.detail).toContain('65536 bytes');
    expect(json.body).toMatchObject({ limit: 65536 });
    const big = Buffer.concat([await buildPackage('instance', [{ type: 'application', name: 'a' }]), Buffer.alloc(1024 * 1024 + 10)]);
    const up = await call('POST', `/api/v1/spaces/${space}/imports`, { body: multipart({ package: big }) });
    expect(up.status).toBe(413);
    expect(up.body.detail).toContain('1048576 bytes (1 MiB)');
    expect(up.body).toMatchObject({ limit: 1048576 });
  });

  it('job_running names the job that runs, by id and kind', async () => {
    // No worker here: the first export stays queued.
    const first = await call('POST', `/api/v1/spaces/${space}/exports`, { json: {} });
    expect(first.status).toBe(202);
    const id = first.body.job_id as string;
    const second = await call('POST', `/api/v1/spaces/${space}/exports`, { json: {} });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'job_running', job_id: id, job_kind: 'export', job_state: 'QUEUED' });
    expect(second.body.detail).toContain(id);
    expect(second.body.detail).toContain('export');
    await call('POST', `/api/v1/jobs/${id}/cancel`);
  });

  it('says "an application" and "an Account", not "a application"', async () => {
    const ref = await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'task', name: 't', refs: [{ type: 'application', name: 'x' }] } });
    expect(ref.status).toBe(400);
    expect(ref.body.detail).toContain("a task may not refer to an 'application'");
    const content = await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'application', name: 'a', content_base64: 'YQ==' } });
    expect(content.status).toBe(400);
    expect(content.body.detail).toContain('an application has a JSON body');
    await call('POST', '/api/v1/orgs/acme/apis', { json: { name: 'Books' } });
    const version = (await call('POST', '/api/v1/orgs/acme/apis/Books/versions', { json: { name: '1.0' } })).body.space_id as string;
    const acc = await call('POST', `/api/v1/spaces/${version}/assets`, { json: { type: 'Account', name: 'db', content_base64: 'YQ==' } });
    expect(acc.body.detail).toContain('an Account has a JSON body');
  });
});
