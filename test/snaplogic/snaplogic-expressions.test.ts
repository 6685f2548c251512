/**
 * Expression (`.expr`) files through the SnapLogic door: those a version's export carries are
 * files of the package and follow `duplicate_check` like every asset (skip lists them under
 * `failed` with 409; overwrite replaces them only when `overwrite_types` lists File), while
 * those of a `file_expr` ZIP always overwrite their namesakes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestApp, type TestApp } from '../helpers/app.js';
import { snapshot } from '../helpers/fixtures.js';
import { form, zipOf } from '../helpers/snaplogic.js';

type J = Record<string, unknown>;
const ADMIN = { user: 'admin', password: 'admin-password-1' };
const IMPORT = '/api/1/rest/public/apim/import_version/prod/apim/books/1.0';
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('expression files and duplicate_check', () => {
  let s: TestApp;
  let exported: Buffer;
  let prod: string;
  const native = (method: string, path: string, json?: unknown) => request<J>(s.url, method, path, { token: s.adminToken, ...(json !== undefined ? { json } : {}) });
  const importWith = async (query: string, parts: Record<string, Buffer> = {}) => {
    const r = await request<J>(s.url, 'POST', `${IMPORT}${query}`, { basic: ADMIN, body: form({ file: exported, ...parts }) });
    expect(r.status, r.text).toBe(200);
    return r.body.response_map as { successful: J[]; failed: J[]; warnings: J[] };
  };
  const exprText = async (name: string) => Buffer.from((await snapshot(s.url, s.adminToken, prod))[`Expression/${name}`]!.content as string, 'base64').toString();
  /** The target's lib.expr made different from the package's. */
  const changeTarget = async () => {
    const items = (await native('GET', `/api/v1/spaces/${prod}/assets?type=Expression`)).body.items as J[];
    const lib = items.find((a) => a.name === 'lib.expr')!;
    expect((await native('PUT', `/api/v1/spaces/${prod}/assets/${lib.id as string}`, { content_base64: b64('{ local: 1 }') })).status).toBe(200);
  };

  beforeAll(async () => {
    s = await startTestApp({}, { worker: true });
    for (const org of ['dev', 'prod']) {
      await native('POST', '/api/v1/orgs', { name: org });
      await native('POST', `/api/v1/orgs/${org}/apis`, { name: 'books' });
    }
    const dev = (await native('POST', '/api/v1/orgs/dev/apis/books/versions', { name: '1.0' })).body.space_id as string;
    expect((await native('POST', `/api/v1/spaces/${dev}/assets`, { type: 'Pipeline', name: 'p', body: {} })).status).toBe(201);
    expect((await native('POST', `/api/v1/spaces/${dev}/assets`, { type: 'Expression', name: 'lib.expr', content_base64: b64('{ package: 1 }') })).status).toBe(201);
    const r = await fetch(`${s.url}/api/1/rest/public/apim/export_version/dev/apim/books/1.0`, { headers: { authorization: `Basic ${b64(`${ADMIN.user}:${ADMIN.password}`)}` } });
    expect(r.status).toBe(200);
    exported = Buffer.from(await r.arrayBuffer());
    const first = await request<J>(s.url, 'POST', IMPORT, { basic: ADMIN, body: form({ file: exported }) });
    expect(first.status, first.text).toBe(200);
    prod = (await native('GET', '/api/v1/orgs/prod/apis/books/versions/1.0')).body.space_id as string;
  });
  afterAll(() => s?.close());

  it("skip: the package's expression file, like every existing asset, is left as it is and listed under failed", async () => {
    await changeTarget();
    const m = await importWith('?duplicate_check=skip');
    expect(m.successful).toEqual([]);
    expect(m.failed.map((f) => [f.name, f.status_code])).toEqual([['lib.expr', 409], ['p', 409]]);
    expect(await exprText('lib.expr')).toBe('{ local: 1 }');
  });

  it('overwrite: replaced only when overwrite_types lists File', async () => {
    const kept = await importWith('?duplicate_check=overwrite&overwrite_types=Pipeline');
    expect(kept.successful.map((x) => x.name)).toEqual(['p']);
    expect(await exprText('lib.expr')).toBe('{ local: 1 }');
    const replaced = await importWith('?duplicate_check=overwrite&overwrite_types=File');
    expect(replaced.successful.map((x) => x.name)).toEqual(['lib.expr']);
    expect(await exprText('lib.expr')).toBe('{ package: 1 }');
  });

  it('a file_expr file overwrites its namesake under skip, and is listed even when identical', async () => {
    await changeTarget();
    const exprs = await zipOf([['x/lib.expr', '{ from_zip: 1 }']]);
    const m = await importWith('?duplicate_check=skip', { file_expr: exprs });
    expect(m.successful.map((x) => x.name)).toEqual(['lib.expr']);
    expect(m.failed.map((f) => f.name)).toEqual(['p']);
    expect(await exprText('lib.expr')).toBe('{ from_zip: 1 }');
    const again = await importWith('?duplicate_check=overwrite&overwrite_types=Pipeline', { file_expr: exprs });
    expect(again.successful.map((x) => x.name).sort()).toEqual(['lib.expr', 'p']);
  });
});
