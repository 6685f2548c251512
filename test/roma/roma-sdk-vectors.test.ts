/**
 * The official SDKs' requests, as recorded byte for byte (test/helpers/sdk-requests.ts
 * says from which SDK versions and how): the server's verifier accepts each as recorded
 * (at its own date, with the recording's key), this test's signer reproduces each SDK
 * signature exactly, and the whole ROMA flow — export, job, archive, import with the SDK's
 * own multipart layout, delete — sent again in the SDKs' exact shape (same headers, order,
 * case and body layout; the test's ids, date and key) is answered as the SDKs expect.
 *
 * The PostgreSQL pass leaves this file out: signatures and the SDKs' request shapes do not
 * depend on the database (the ROMA flow on PostgreSQL is test/roma/roma-flow.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySdkSignature } from '../../src/auth/aksk-signature.js';
import { request, startTestApp, type TestApp } from '../helpers/app.js';
import { headerOf, readRecorded, RECORDED, replayed, sendVerbatim, signAsSdk, withFileContent, withSignedHeader, type HttpMessage, type RecordedName, type Replay, type Sdk } from '../helpers/sdk-requests.js';

type J = Record<string, unknown>;
const SDKS: Sdk[] = ['python', 'go'];
const NAMES: RecordedName[] = ['export', 'job', 'archive', 'import', 'delete'];

const fromSdkDate = (d: string): Date => new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`);

const verify = (m: HttpMessage, now: Date) =>
  verifySdkSignature({
    method: m.method,
    url: m.target,
    headers: Object.fromEntries(m.headers.map(([k, v]) => [k.toLowerCase(), v])),
    body: headerOf(m, 'content-type')!.startsWith('multipart/') ? 'UNSIGNED-PAYLOAD' : m.body,
    now,
    lookupSecret: async (ak) => (ak === RECORDED.accessKey ? RECORDED.secretKey : null),
  });

describe.each(SDKS)('the %s SDK, as recorded', (sdk) => {
  it.each(NAMES)('%s: verified as recorded; the test signer gives the same signature', async (name) => {
    const m = readRecorded(sdk, name);
    const date = fromSdkDate(headerOf(m, 'x-sdk-date')!);
    expect(await verify(m, date)).toEqual({ ok: true, accessKey: RECORDED.accessKey });
    expect(signAsSdk(m, RECORDED.accessKey, RECORDED.secretKey)).toEqual(m);
    // Not vacuous: a changed project or body is refused.
    const other = { ...m, headers: m.headers.map(([k, v]): [string, string] => [k, k === 'X-Project-Id' ? RECORDED.sourceInstance : v]) };
    expect(await verify(other, date)).toEqual({ ok: false, reason: 'bad_signature' });
    if (name === 'export') expect(await verify({ ...m, body: Buffer.from(m.body.toString().replace('"tasks"', '"tasks" ')) }, date)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('the multipart layout the SDK produces', () => {
    const m = readRecorded(sdk, 'import');
    const boundary = /^multipart\/form-data; boundary=([0-9a-f]+)$/.exec(headerOf(m, 'content-type')!)![1]!;
    expect(boundary).toHaveLength(sdk === 'python' ? 32 : 60);
    const partHeaders = m.body.subarray(0, m.body.indexOf('\r\n\r\n')).toString('latin1');
    expect(partHeaders).toBe(
      [`--${boundary}`, 'Content-Disposition: form-data; name="ImportAssetRequestBody"; filename="dev_assets.zip"', ...(sdk === 'go' ? ['Content-Type: application/octet-stream'] : [])].join('\r\n'),
    );
    expect(m.body.subarray(-(boundary.length + 8)).toString('latin1')).toBe(`\r\n--${boundary}--\r\n`);
    expect(headerOf(m, 'x-sdk-content-sha256')).toBe('UNSIGNED-PAYLOAD');
    expect(m.target).not.toContain('?');
  });
});

describe('the SDKs\' requests sent again to the ROMA door', () => {
  let s: TestApp;
  let org: string;
  let key: { access: string; secret: string };
  const admin = (method: string, path: string, json?: unknown) => request(s.url, method, path, { token: s.adminToken, ...(json !== undefined ? { json } : {}) });
  const names = async (space: string) => ((await admin('GET', `/api/v1/spaces/${space}/assets?limit=100`)).body.items as J[]).map((a) => a.name as string).sort();

  beforeAll(async () => {
    s = await startTestApp({}, { worker: true });
    org = (await admin('POST', '/api/v1/orgs', { name: 'acme' })).body.id as string;
    key = (await admin('POST', '/api/v1/users/admin/access-keys', {})).body as { access: string; secret: string };
  });
  afterAll(() => s.close());

  it.each(SDKS)('%s: export, job, archive, import, delete', async (sdk) => {
    const dev = (await admin('POST', '/api/v1/orgs/acme/instances', { name: `${sdk}-dev` })).body.space_id as string;
    const prod = (await admin('POST', '/api/v1/orgs/acme/instances', { name: `${sdk}-prod` })).body.space_id as string;
    const add = async (type: string, name: string, refs: J[] = []) => (await admin('POST', `/api/v1/spaces/${dev}/assets`, { type, name, refs, body: { about: name } })).body.id as string;
    const app = await add('application', 'app1');
    await add('datasource', 'ds1', [{ type: 'application', name: 'app1' }]);
    await add('datasource', 'ds2');
    const task = await add('task', 'task1', [{ type: 'datasource', name: 'ds2' }]);

    const ids: Record<string, string> = { [RECORDED.projectId]: org, [RECORDED.sourceInstance]: dev, [RECORDED.targetInstance]: prod, [RECORDED.appId]: app, [RECORDED.taskId]: task };
    const replay = (): Replay => ({ ids, host: new URL(s.url).host, accessKey: key.access, secretKey: key.secret, date: new Date() });
    const send = async (name: RecordedName, more: Record<string, string> = {}, file?: Buffer) => {
      const m = readRecorded(sdk, name);
      const r = replay();
      return sendVerbatim(s.url, replayed(file ? withFileContent(m, file) : m, { ...r, ids: { ...r.ids, ...more } }));
    };
    const json = (a: { body: Buffer }) => JSON.parse(a.body.toString('utf8')) as J;
    const wait = async (jobId: string, instance: string): Promise<J> => {
      for (;;) {
        // The recorded job request asks the source instance; the import's job is in the target.
        const a = await send('job', { [RECORDED.jobId]: jobId, [RECORDED.sourceInstance]: instance });
        expect(a.status, a.body.toString()).toBe(200);
        if (json(a).status !== 'RUNNING') return json(a);
        await new Promise((ok) => setTimeout(ok, 50));
      }
    };

    const exp = await send('export');
    expect(exp.status, exp.body.toString()).toBe(200);
    const exportJob = await wait(json(exp).job_id as string, dev);
    expect(exportJob).toMatchObject({ type: 'exportAsset', status: 'SUCCEEDED', progress_percent: 1, reasons: [] });

    const zip = await send('archive', { [RECORDED.archiveId]: exportJob.archive_id as string });
    expect(zip.status, zip.body.toString()).toBe(200);
    expect(zip.headers['content-type']).toBe('application/zip');

    const imp = await send('import', {}, zip.body);
    expect(imp.status, imp.body.toString()).toBe(200);
    expect(await wait(json(imp).job_id as string, prod)).toMatchObject({ type: 'importAsset', status: 'SUCCEEDED', progress_percent: 1, reasons: [] });
    expect(await names(prod)).toEqual(['app1', 'ds1', 'ds2', 'task1']);

    const del = await send('delete');
    expect(del.status, del.body.toString()).toBe(200);
    expect(await wait(json(del).job_id as string, dev)).toMatchObject({ type: 'deleteAsset', status: 'SUCCEEDED' });
    expect(await names(dev)).toEqual(['ds2', 'task1']);

    // A header the SDK sends UTF-8 encoded and signs as text (e.g. a user agent naming the app).
    const utf8 = await sendVerbatim(s.url, replayed(withSignedHeader(readRecorded(sdk, 'job'), 'X-App-Name', 'Zürich 東京'), { ...replay(), ids: { ...ids, [RECORDED.jobId]: json(del).job_id as string } }));
    expect(utf8.status, utf8.body.toString()).toBe(200);

    // The recorded request itself: a key unknown here (and a date long past).
    const recorded = await sendVerbatim(s.url, readRecorded(sdk, 'export'));
    expect(recorded.status).toBe(401);
    expect(json(recorded)).toMatchObject({ error_code: 'ROMA.1002' });
  });
});
