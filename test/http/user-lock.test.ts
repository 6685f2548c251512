/**
 * Locking a user, over HTTP against a started server: a locked user is refused on every
 * door (native Basic and Bearer, ROMA X-Auth-Token and AK/SK, and token issuing), each in
 * its own envelope, even right after a Basic call that the server remembers; unlocking lets
 * the password and access keys in again. A lock written by another process, and a password
 * reset, refuse the old password on the next call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetPassword } from '../../src/service/users.js';
import { openDatabase } from '../../src/store/database.js';
import { setUserLocked } from '../../src/store/users.js';
import { TEST_DB_KIND } from '../helpers/db.js';
import { request, startTestApp, type Res, type TestApp } from '../helpers/app.js';
import { sdkSign } from '../helpers/sdk-sign.js';

const CAROL = { user: 'carol', password: 'carol-password-1' };
const ZERO_JOB = '0'.repeat(32);

const problem = (r: Res, status: number, code: string) => {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status, code });
};
const romaError = (r: Res, status: number, code: string) => {
  expect(r.status, r.text).toBe(status);
  expect(r.body).toMatchObject({ error_code: code, error_msg: expect.any(String) });
};

describe('locking users', () => {
  let s: TestApp;
  let org: string;
  let inst: string;
  let keys: { access: string; secret: string };
  const admin = (method: string, path: string, json?: unknown) => request(s.url, method, path, { token: s.adminToken, ...(json !== undefined ? { json } : {}) });
  const basic = (who = CAROL) => request(s.url, 'GET', '/api/v1/whoami', { basic: who });
  const bearer = (token: string) => request(s.url, 'GET', '/api/v1/whoami', { token });
  const romaJob = (headers: Record<string, string>) => request(s.url, 'GET', `/v2/${org}/instances/${inst}/assets/jobs/${ZERO_JOB}`, { headers });
  const signed = () => {
    const url = new URL(`${s.url}/v2/${org}/instances/${inst}/assets/jobs/${ZERO_JOB}`);
    return romaJob(sdkSign(keys.access, keys.secret, 'GET', url, Buffer.alloc(0)));
  };
  const nativeToken = async () => (await request<{ token: string }>(s.url, 'POST', '/api/v1/tokens', { json: CAROL })).body.token;
  const iamToken = (password = CAROL.password) =>
    request(s.url, 'POST', '/v3/auth/tokens', { json: { auth: { identity: { methods: ['password'], password: { user: { name: CAROL.user, password } } }, scope: { project: { id: org } } } } });

  beforeAll(async () => {
    s = await startTestApp();
    org = (await admin('POST', '/api/v1/orgs', { name: 'acme' })).body.id as string;
    inst = (await admin('POST', '/api/v1/orgs/acme/instances', { name: 'dev' })).body.space_id as string;
    expect((await admin('POST', '/api/v1/users', { name: CAROL.user, password: CAROL.password, org_roles: [{ org: 'acme', role: 'member' }] })).status).toBe(201);
    expect((await admin('POST', `/api/v1/spaces/${inst}/grants`, { user: CAROL.user, perms: 'R' })).status).toBe(201);
    keys = (await admin('POST', `/api/v1/users/${CAROL.user}/access-keys`, {})).body as typeof keys;
  });
  afterAll(() => s.close());

  it('refuses a locked user on every door, then lets the unlocked user in again', async () => {
    // Every way in works, and the Basic password is now remembered.
    expect((await basic()).status).toBe(200);
    expect((await basic()).body).toMatchObject({ user: 'carol', admin: false });
    const token = await nativeToken();
    expect((await bearer(token)).status).toBe(200);
    const iam = (await iamToken()).headers.get('x-subject-token')!;
    romaError(await romaJob({ 'x-auth-token': iam }), 404, 'ROMA.00000404');
    romaError(await signed(), 404, 'ROMA.00000404');

    const locked = await admin('POST', '/api/v1/users/carol/lock');
    expect(locked.status, locked.text).toBe(200);
    expect(locked.body).toEqual({ user: 'carol', locked: true, revoked_tokens: 2 });

    problem(await basic(), 401, 'invalid_credentials');
    problem(await bearer(token), 401, 'invalid_credentials');
    romaError(await romaJob({ 'x-auth-token': iam }), 401, 'ROMA.1002');
    romaError(await signed(), 401, 'ROMA.1002');
    problem(await request(s.url, 'POST', '/api/v1/tokens', { json: CAROL }), 401, 'invalid_credentials');
    expect((await iamToken()).status).toBe(401);
    // Locking again changes nothing.
    expect((await admin('POST', '/api/v1/users/carol/lock')).body).toEqual({ user: 'carol', locked: true, revoked_tokens: 0 });

    const unlocked = await admin('POST', '/api/v1/users/carol/unlock', {});
    expect(unlocked.status, unlocked.text).toBe(200);
    expect(unlocked.body).toEqual({ user: 'carol', locked: false, revoked_tokens: 0 });
    expect((await basic()).status).toBe(200);
    romaError(await signed(), 404, 'ROMA.00000404');
    // Tokens revoked by the lock stay revoked; new ones work.
    problem(await bearer(token), 401, 'invalid_credentials');
    romaError(await romaJob({ 'x-auth-token': iam }), 401, 'ROMA.1002');
    expect((await bearer(await nativeToken())).status).toBe(200);
    const iam2 = (await iamToken()).headers.get('x-subject-token')!;
    romaError(await romaJob({ 'x-auth-token': iam2 }), 404, 'ROMA.00000404');
  });

  it('lets only a deployment admin lock or unlock, never themself, and names no unknown user', async () => {
    problem(await request(s.url, 'POST', '/api/v1/users/admin/lock', { basic: CAROL }), 403, 'forbidden');
    problem(await request(s.url, 'POST', '/api/v1/users/carol/unlock', { basic: CAROL }), 403, 'forbidden');
    problem(await admin('POST', '/api/v1/users/nobody/lock'), 404, 'not_found');
    problem(await admin('POST', '/api/v1/users/nobody/unlock'), 404, 'not_found');
    problem(await admin('POST', '/api/v1/users/admin/lock'), 409, 'conflict');
    problem(await admin('POST', '/api/v1/users/carol/lock', { force: true }), 400, 'invalid_request');
    problem(await admin('GET', '/api/v1/users/carol/lock'), 405, 'method_not_allowed');
    problem(await request(s.url, 'POST', '/api/v1/users/carol/lock'), 401, 'unauthenticated');
    expect((await basic()).status).toBe(200);
  });

  it('refuses a remembered Basic password once another process locks the user', async () => {
    expect((await basic()).status).toBe(200);
    // Written straight to the database, as another server process sharing it would: this one forgets nothing.
    const carolId = (await request(s.url, 'GET', '/api/v1/whoami', { basic: CAROL })).body.id as string;
    await setUserLocked(s.t.database.db, carolId, true);
    problem(await basic(), 401, 'invalid_credentials');
    await setUserLocked(s.t.database.db, carolId, false);
    expect((await basic()).status).toBe(200);
  });

  it.skipIf(TEST_DB_KIND !== 'postgres')('takes a lock made through another server on the same database on the next call', async () => {
    const database = await openDatabase({ databaseUrl: s.t.url!, poolSize: 2 });
    const other = await startTestApp({}, { database: { database, drop: () => database.close() } });
    try {
      expect((await basic()).status).toBe(200);
      expect((await request(other.url, 'POST', '/api/v1/users/carol/lock', { token: other.adminToken })).status).toBe(200);
      problem(await basic(), 401, 'invalid_credentials');
      expect((await request(other.url, 'POST', '/api/v1/users/carol/unlock', { token: other.adminToken })).status).toBe(200);
      expect((await basic()).status).toBe(200);
    } finally {
      await other.close();
      await database.close();
    }
  });

  it('refuses the old Basic password as soon as the password is reset', async () => {
    expect((await basic()).status).toBe(200);
    const r = await resetPassword(s.t.database.db, CAROL.user, 'carol-password-2', 'test');
    expect(r).toMatchObject({ admin: false });
    problem(await basic(), 401, 'invalid_credentials');
    expect((await iamToken()).status).toBe(401);
    expect((await basic({ user: CAROL.user, password: 'carol-password-2' })).status).toBe(200);
    expect((await iamToken('carol-password-2')).status).toBe(201);
  });
});
