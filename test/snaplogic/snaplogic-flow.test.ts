/**
 * The SnapLogic door as a SnapLogic user drives it, over HTTP against a started server with
 * Basic credentials: export version 1.0 of an API (a pipeline, a task, an account with a
 * password, a policy and a spec file), import it into another org (created unpublished),
 * again with skip, create_new and overwrite, with a file_account carrying a new password,
 * with a file_expr of two folders, and a package whose task's pipeline is left out.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { request, startTestApp, type TestApp } from '../helpers/app.js';
import { snapshot } from '../helpers/fixtures.js';
import { TASK_WITHOUT_PIPELINE_WARNING } from '../../src/core/import-warnings.js';
import { openArchive } from '../../src/package/archive-reader.js';
import { readPackage } from '../../src/package/package-reader.js';
import { form, zipOf } from '../helpers/snaplogic.js';

type J = Record<string, unknown>;
const ADMIN = { user: 'admin', password: 'admin-password-1' };
const PASSWORD = 's3cret-Pa55word';
const NEW_PASSWORD = 'n3w-Pl4in-Passw0rd';
const SPEC = 'Sample Book API-Test-1.0.0.json';

describe('the SnapLogic API-version door', () => {
  let s: TestApp;
  const logs: string[] = [];
  let dev: string;
  const sl = (method: string, path: string, o: { form?: FormData; json?: unknown; basic?: { user: string; password: string } | null } = {}) =>
    request<J>(s.url, method, path, { ...(o.basic === null ? {} : { basic: o.basic ?? ADMIN }), ...(o.form ? { body: o.form } : {}), ...(o.json !== undefined ? { json: o.json } : {}) });
  const native = (method: string, path: string, json?: unknown) => request<J>(s.url, method, path, { token: s.adminToken, ...(json !== undefined ? { json } : {}) });
  const exportZip = async (path: string): Promise<Buffer> => {
    const r = await fetch(`${s.url}${path}`, { headers: { authorization: `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}` } });
    expect(r.status, await r.clone().text()).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/zip');
    return Buffer.from(await r.arrayBuffer());
  };
  const versionId = async (org: string, v: string) => (await native('GET', `/api/v1/orgs/${org}/apis/books/versions/${v}`)).body.space_id as string;
  const map = (r: { body: J }) => r.body.response_map as { successful: J[]; failed: J[]; warnings: J[] };
  const importInto = (org: string, version: string, parts: Record<string, Buffer | string>, query = '') => sl('POST', `/api/1/rest/public/apim/import_version/${org}/apim/books/${version}${query}`, { form: form(parts) });
  let exported: Buffer;

  beforeAll(async () => {
    const sink = new Writable({ write: (c: Buffer, _e, done) => void (logs.push(c.toString()), done()) });
    s = await startTestApp({}, { worker: true, logger: pino({ level: 'trace' }, sink) });
    for (const org of ['dev', 'prod']) {
      await native('POST', '/api/v1/orgs', { name: org });
      await native('POST', `/api/v1/orgs/${org}/apis`, { name: 'books' });
    }
    dev = (await native('POST', '/api/v1/orgs/dev/apis/books/versions', { name: '1.0', published: true })).body.space_id as string;
    const add = async (a: J) => expect((await native('POST', `/api/v1/spaces/${dev}/assets`, a)).status).toBe(201);
    await add({ type: 'Account', name: 'db', body: { class_id: 'com.snaplogic.account.jdbc', property_map: { info: { label: { value: 'db' } }, settings: { username: { value: 'app' }, password: { value: PASSWORD } } } } });
    await add({ type: 'Pipeline', name: 'books_pipeline', body: { snap_map: { read: 'books' } }, refs: [{ type: 'Account', name: 'db' }] });
    await add({ type: 'Task', name: 'books', body: { schedule: 'hourly' }, refs: [{ type: 'Pipeline', name: 'books_pipeline' }] });
    await add({ type: 'Policy', name: 'rate_limit', body: { limit: 100 } });
    await add({ type: 'File', name: SPEC, content_base64: Buffer.from('{"openapi":"3.0.0"}').toString('base64') });
  });
  afterAll(() => s?.close());

  it('exports the version as a ZIP with its metadata and an accounts template holding ciphertext only', async () => {
    exported = await exportZip('/api/1/rest/public/apim/export_version/dev/apim/books/1.0');
    const reader = await openArchive({ buffer: exported });
    const index = await readPackage(reader);
    expect(index.manifest.kind).toBe('api_version');
    expect(index.manifest.source).toMatchObject({ org_name: 'dev', space_name: 'books/1.0' });
    expect(index.assets.map((a) => `${a.type}/${a.name}`).sort()).toEqual(['Account/db', `File/${SPEC}`, 'Pipeline/books_pipeline', 'Policy/rate_limit', 'Task/books']);
    const acc = index.accountsTemplate!.accounts[0]!;
    expect(acc).toMatchObject({ name: 'db', path: '/dev/apim/books/1.0/db', class_id: 'com.snaplogic.account.jdbc' });
    expect(acc.property_map).toMatchObject({ settings: { username: { value: 'app' }, password: { encrypted: true, key_id: s.keyring.currentKeyId } } });
    expect(exported.includes(PASSWORD)).toBe(false);
    await reader.close();
  });

  it('imports into another org: the version is created unpublished with everything', async () => {
    const r = await importInto('prod', '1.0', { file: exported });
    expect(r.status, r.text).toBe(200);
    expect(r.body.http_status_code).toBe(200);
    const m = map(r);
    expect(m.successful.map((x) => x.name).sort()).toEqual(['books', 'books_pipeline', 'db', 'rate_limit', SPEC].sort());
    for (const x of m.successful) expect(x.snode_id).toMatch(/^[0-9a-f]{24}$/);
    expect(m.failed).toEqual([]);
    expect(m.warnings).toEqual([]);
    expect((await native('GET', '/api/v1/orgs/prod/apis/books/versions/1.0')).body.published).toBe(false);
  });

  it('without duplicate_check, an existing version refuses the whole request with 409 and writes nothing', async () => {
    const before = await snapshot(s.url, s.adminToken, await versionId('prod', '1.0'));
    const r = await importInto('prod', '1.0', { file: exported });
    expect(r.status).toBe(409);
    expect(r.body).toEqual({ http_status_code: 409, response_map: { error_list: [{ message: expect.stringContaining("'books/1.0' already exists") }] } });
    expect(JSON.stringify(r.body)).toContain('duplicate_check');
    expect(await snapshot(s.url, s.adminToken, await versionId('prod', '1.0'))).toEqual(before);
  });

  it('skip: every existing asset is listed under failed with 409 and a reason', async () => {
    const r = await importInto('prod', '1.0', { file: exported }, '?duplicate_check=skip');
    expect(r.status, r.text).toBe(200);
    const m = map(r);
    expect(m.successful).toEqual([]);
    expect(m.failed).toHaveLength(5);
    for (const f of m.failed) expect(f).toEqual({ reason: expect.stringContaining('already exists'), snode_id: expect.stringMatching(/^[0-9a-f]{24}$/), name: expect.any(String), status_code: 409 });
  });

  it('create_new: imports into the smallest free numbered version', async () => {
    const r = await importInto('prod', '1.0', { file: exported }, '?duplicate_check=create_new');
    expect(r.status, r.text).toBe(200);
    expect(map(r).successful).toHaveLength(5);
    const v = await native('GET', '/api/v1/orgs/prod/apis/books/versions/1.01');
    expect(v.status).toBe(200);
    expect(Object.keys(await snapshot(s.url, s.adminToken, v.body.space_id as string))).toHaveLength(5);
  });

  it('overwrite with overwrite_types=Pipeline: the pipeline and the policy are replaced, the account is left as it is', async () => {
    const space = await versionId('prod', '1.0');
    const snap = await snapshot(s.url, s.adminToken, space);
    const ids = Object.fromEntries(((await native('GET', `/api/v1/spaces/${space}/assets`)).body.items as J[]).map((a) => [a.name, a.id]));
    const account = JSON.parse(JSON.stringify(snap['Account/db']!.body)) as { property_map: { settings: Record<string, J> } };
    account.property_map.settings.username = { value: 'local-user' };
    for (const [name, body] of [['books_pipeline', { snap_map: { read: 'local' } }], ['rate_limit', { limit: 1 }], ['db', account]] as const) {
      expect((await native('PUT', `/api/v1/spaces/${space}/assets/${ids[name] as string}`, { body })).status).toBe(200);
    }
    const r = await importInto('prod', '1.0', { file: exported }, '?duplicate_check=overwrite&overwrite_types=Pipeline');
    expect(r.status, r.text).toBe(200);
    expect(map(r).successful.map((x) => x.name).sort()).toEqual(['books_pipeline', 'rate_limit']);
    const after = await snapshot(s.url, s.adminToken, space);
    expect(after['Pipeline/books_pipeline']!.body).toEqual({ snap_map: { read: 'books' } });
    expect(after['Policy/rate_limit']!.body).toEqual({ limit: 100 });
    expect((after['Account/db']!.body as typeof account).property_map.settings.username).toEqual({ value: 'local-user' });
  });

  it('file_account: the listed account gets the new password, stored encrypted, masked on read, in no log', async () => {
    const reader = await openArchive({ buffer: exported });
    const template = (await readPackage(reader)).accountsTemplate!;
    await reader.close();
    const acc = JSON.parse(JSON.stringify(template.accounts[0])) as { property_map: { settings: Record<string, J> } };
    acc.property_map.settings.password = { value: NEW_PASSWORD };
    const r = await importInto('prod', '1.0', { file: exported, file_account: JSON.stringify({ accounts: [acc] }) }, '?duplicate_check=overwrite&overwrite_types=Pipeline');
    expect(r.status, r.text).toBe(200);
    expect(map(r).successful.map((x) => x.name)).toContain('db');
    const space = await versionId('prod', '1.0');
    const row = await s.t.database.db.selectFrom('assets').select(sql<string>`body::text`.as('text')).where('space_id', '=', space).where('name', '=', 'db').executeTakeFirstOrThrow();
    expect(row.text).not.toContain(NEW_PASSWORD);
    const stored = (JSON.parse(row.text) as { property_map: { settings: { password: { value: string } } } }).property_map.settings.password.value;
    expect(s.keyring.decrypt(stored)).toBe(NEW_PASSWORD);
    const shown = (await snapshot(s.url, s.adminToken, space))['Account/db']!.body as { property_map: { settings: { password: J } } };
    expect(shown.property_map.settings.password).toEqual({ value: '******', encrypted: true });
    const jobs = await s.t.database.db.selectFrom('jobs').select(sql<string>`params::text || coalesce(result::text, '') || reasons::text`.as('text')).execute();
    for (const j of jobs) expect(j.text).not.toContain(NEW_PASSWORD);
    expect(logs.join('')).not.toContain(NEW_PASSWORD);
    expect(logs.join('')).not.toContain(PASSWORD);
  });

  it('file_expr: folders flattened, same-named files overwritten, the first of a name wins and the one dropped is named', async () => {
    const exprs = await zipOf([
      ['team_a/lib.expr', "{ prefix: 'a' }"],
      ['team_b/lib.expr', "{ prefix: 'b' }"],
      ['team_b/util.expr', '{ x: 1 }'],
      ['notes.txt', 'not an expression'],
    ]);
    const r = await importInto('prod', '1.0', { file: exported, file_expr: exprs }, '?duplicate_check=overwrite');
    expect(r.status, r.text).toBe(200);
    const m = map(r);
    const expr = m.successful.filter((x) => String(x.name).endsWith('.expr'));
    expect(expr.map((x) => x.name).sort()).toEqual(['lib.expr', 'util.expr']);
    for (const x of expr) expect(x.snode_id).toMatch(/^[0-9a-f]{24}$/);
    expect(m.warnings.map((w) => w.message)).toEqual(expect.arrayContaining([expect.stringContaining('team_b/lib.expr'), expect.stringContaining('notes.txt')]));
    const snap = await snapshot(s.url, s.adminToken, await versionId('prod', '1.0'));
    expect(Buffer.from(snap['Expression/lib.expr']!.content as string, 'base64').toString()).toBe("{ prefix: 'a' }");
    // Again, with the other folder first: the same-named file in the target is overwritten.
    const again = await importInto('prod', '1.0', { file: exported, file_expr: await zipOf([['x/lib.expr', "{ prefix: 'new' }"]]) }, '?duplicate_check=skip');
    expect(again.status, again.text).toBe(200);
    expect(map(again).successful.map((x) => x.name)).toEqual(['lib.expr']);
    const snap2 = await snapshot(s.url, s.adminToken, await versionId('prod', '1.0'));
    expect(Buffer.from(snap2['Expression/lib.expr']!.content as string, 'base64').toString()).toBe("{ prefix: 'new' }");
  });

  it("a package whose task's pipeline is left out: the task is imported disabled, with SnapLogic's warning", async () => {
    const onlyTask = await exportZip('/api/1/rest/public/apim/export_version/dev/apim/books/1.0?asset_types=Job');
    const r = await importInto('prod', '2.0', { file: onlyTask });
    expect(r.status, r.text).toBe(200);
    const m = map(r);
    expect(m.successful).toEqual([{ snode_id: expect.stringMatching(/^[0-9a-f]{24}$/), name: 'books' }]);
    expect(m.warnings).toEqual([{ snode_id: m.successful[0]!.snode_id, name: 'books', message: TASK_WITHOUT_PIPELINE_WARNING }]);
    expect(TASK_WITHOUT_PIPELINE_WARNING).toBe('If this task gets imported, it will be disabled as there is no pipeline found.');
    expect((await snapshot(s.url, s.adminToken, await versionId('prod', '2.0')))['Task/books']!.status).toBe('disabled');
  });
});
