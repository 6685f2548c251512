/**
 * No client input makes the service answer 5xx, on any route: random methods, path
 * parameters (real ids and nonsense), query strings, credentials, content types (multipart
 * without or with a broken boundary, JSON that is not JSON, odd charsets), bodies (random
 * bytes, multipart with garbage), framing (a body shorter than its length, chunked) and
 * huge headers. Every error answer is the native problem+json body, and the service still
 * answers afterwards; nothing half-uploaded is left behind.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../helpers/packages.js';
import { request, startTestApp, waitJob, type TestApp } from '../helpers/app.js';
import { rawRequest, type RawAnswer } from '../helpers/raw-http.js';

/** The app's routes as `[methods, path]`, from its route tree. */
function routesOf(printed: string): Array<{ methods: string[]; path: string }> {
  const out: Array<{ methods: string[]; path: string }> = [];
  const stack: string[] = [];
  for (const line of printed.split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    out.push({ methods: m[3]!.split(', '), path: stack.join('') });
  }
  return out;
}

type Door = 'roma' | 'iam' | 'snaplogic' | 'native';

/** The error envelope of the front door a path belongs to: ROMA under /v2/, IAM under /v3/, SnapLogic under /api/1/ and /api/2/, problem+json elsewhere. */
const doorOf = (path: string): Door => (path.startsWith('/v2/') ? 'roma' : path.startsWith('/v3/') ? 'iam' : /^\/api\/[12]\//.test(path) ? 'snaplogic' : 'native');

function envelopeProblem(door: Door, status: number, body: Record<string, unknown>): string | undefined {
  if (door === 'snaplogic') return body.http_status_code === status && Array.isArray((body.response_map as { error_list?: unknown } | undefined)?.error_list) ? undefined : 'not a SnapLogic error body';
  if (door === 'roma') return typeof body.error_code === 'string' && /^ROMA\./.test(body.error_code) && typeof body.error_msg === 'string' && typeof body.request_id === 'string' ? undefined : 'not a ROMA error body';
  if (door === 'iam') return typeof (body.error as { code?: unknown } | undefined)?.code === 'number' ? undefined : 'not an IAM error body';
  return body.status === status && typeof body.code === 'string' && typeof body.detail === 'string' ? undefined : 'not a problem body';
}

/** What is wrong with an answer, if anything. */
function answerProblems(method: string, path: string, frame: string, r: RawAnswer): string | undefined {
  // No answer is acceptable only when the request was never complete.
  if (r.status === undefined) return frame === 'truncated' ? undefined : r.timedOut ? 'no answer in time' : 'closed without an answer';
  if (r.status >= 500) return 'a 5xx';
  if (r.status < 400) return undefined;
  const door = doorOf(path);
  // Errors the server answers before any route is matched (bad HTTP, huge headers) are problem+json everywhere.
  const json = r.headers['content-type']?.includes(door === 'native' ? 'application/problem+json' : 'json');
  if (!json && !r.headers['content-type']?.includes('application/problem+json')) return door === 'native' ? 'not problem+json' : 'not JSON';
  if (method === 'HEAD') return undefined;
  try {
    const body = JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
    if (r.headers['content-type']?.includes('application/problem+json')) return body.status === r.status && typeof body.code === 'string' ? undefined : 'not a problem body';
    return envelopeProblem(door, r.status, body);
  } catch {
    return 'a body that is not JSON';
  }
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'BREW'];
const BAD_IDS = ['x', '0', '%00', '%ZZ', '..%2F..%2Fetc', 'a'.repeat(2000), '%F0%9F%92%A9', 'Ω', '%ED%A0%80', "'%20OR%201=1", '00000000000000000000000000000000', 'ffffffffffffffffffffffff', '%2e%2e', '%20'];
const BOUNDARY = 'fuzzboundary';

describe('random client input', () => {
  let s: TestApp;
  let routes: Array<{ methods: string[]; path: string }>;
  const valid: Record<string, string[]> = {};
  let memberToken = '';
  let zip: Buffer;

  beforeAll(async () => {
    s = await startTestApp({ ASSETPORT_MAX_UPLOAD: '64KiB', ASSETPORT_MAX_JSON_BODY: '16KiB' }, { worker: true });
    routes = routesOf(s.app.printRoutes({ commonPrefix: false }));
    const call = (m: string, p: string, json?: unknown) => request(s.url, m, p, { token: s.adminToken, ...(json !== undefined ? { json } : {}) });
    const org = (await call('POST', '/api/v1/orgs', { name: 'acme' })).body;
    const inst = (await call('POST', '/api/v1/orgs/acme/instances', { name: 'dev' })).body;
    await call('POST', '/api/v1/orgs/acme/apis', { name: 'Books' });
    const ver = (await call('POST', '/api/v1/orgs/acme/apis/Books/versions', { name: '1.0' })).body;
    await call('POST', '/api/v1/orgs/acme/projects', { project_space: 'Team', name: 'etl' });
    const asset = (await call('POST', `/api/v1/spaces/${inst.space_id as string}/assets`, { type: 'application', name: 'orders' })).body;
    await call('POST', `/api/v1/spaces/${ver.space_id as string}/assets`, { type: 'File', name: 'a.csv', content_base64: 'YSxi' });
    const job = (await call('POST', `/api/v1/spaces/${inst.space_id as string}/exports`, {})).body.job_id as string;
    await waitJob(s.url, s.adminToken, job);
    await call('POST', '/api/v1/users', { name: 'mia', password: 'mia-password' });
    await call('POST', `/api/v1/spaces/${inst.space_id as string}/grants`, { user: 'mia', perms: 'R' });
    memberToken = (await request<{ token: string }>(s.url, 'POST', '/api/v1/tokens', { json: { user: 'mia', password: 'mia-password' } })).body.token;
    Object.assign(valid, {
      org: ['acme', org.id as string],
      name: ['dev'],
      api: ['Books'],
      version: ['1.0'],
      project_space: ['Team'],
      project: ['etl'],
      space: [inst.space_id as string, ver.space_id as string],
      asset: [asset.id as string],
      job: [job],
    });
    zip = await buildPackage('instance', [{ type: 'application', name: 'fuzzed' }]);
  });
  afterAll(() => s?.close());

  it('takes the whole route list from the app', () => {
    expect(routes.length).toBeGreaterThan(25);
    expect(routes.some((r) => r.path === '/api/v1/spaces/:space/imports')).toBe(true);
  });

  it("never answers 5xx, always answers errors in the front door's own envelope, and keeps answering", async () => {
    const param = (name: string) => fc.oneof(fc.constantFrom(...(valid[name] ?? ['x'])), fc.constantFrom(...BAD_IDS), fc.string({ maxLength: 40 }).map(encodeURIComponent));
    const path = fc.constantFrom(...routes).chain((r) => {
      const names = [...r.path.matchAll(/:([a-z_]+)/g)].map((m) => m[1]!);
      return fc.tuple(fc.constant(r), ...names.map(param)).map(([route, ...values]) => {
        let i = 0;
        return { route, path: route.path.replace(/:[a-z_]+/g, () => values[i++]!) };
      });
    });
    const query = fc.oneof(
      fc.constant(''),
      fc.constantFrom('?dry_run=true', '?dry_run=1&dry_run=0', '?limit=abc', '?limit=5', '?x=%ZZ', '?kind=project', '?interval_ms=50', '?policy=overwrite', '?org=%00', '?type=application&after=zz'),
      fc.string({ maxLength: 30 }).map((q) => `?${encodeURIComponent(q)}=${encodeURIComponent(q)}`),
    );
    const auth = fc.constantFrom<Array<[string, string]>>(
      [['authorization', `Bearer ${'ADMIN'}`]],
      [['authorization', `Bearer ${'MEMBER'}`]],
      [],
      [['authorization', 'Bearer nope']],
      [['authorization', 'Basic !!!']],
      [['authorization', `Basic ${Buffer.from('admin:wrong').toString('base64')}`]],
      [['authorization', 'Digest x']],
    );
    const multipartBody = (parts: Array<[string, Buffer, string?]>, boundary = BOUNDARY) =>
      Buffer.concat([
        ...parts.flatMap(([name, data, file]) => [
          Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"${file ? `; filename="${file}"` : ''}\r\ncontent-type: application/octet-stream\r\n\r\n`),
          data,
          Buffer.from('\r\n'),
        ]),
        Buffer.from(`--${boundary}--\r\n`),
      ]);
    const content = fc.oneof(
      fc.constant({ type: undefined as string | undefined, body: Buffer.alloc(0) }),
      fc.uint8Array({ maxLength: 256 }).map((b) => ({ type: 'multipart/form-data', body: Buffer.from(b) })),
      fc.constantFrom('multipart/form-data; boundary=', 'multipart/form-data; boundary="', 'multipart/form-data; boundary=a;boundary=b', 'multipart/form-data; charset=utf-8', 'multipart/mixed; boundary=x', 'multipart/form-data; boundary=' + 'b'.repeat(200)).map((type) => ({ type, body: multipartBody([['package', zip, 'p.zip']]) })),
      fc.uint8Array({ maxLength: 512 }).map((b) => ({ type: `multipart/form-data; boundary=${BOUNDARY}`, body: Buffer.from(b) })),
      fc
        .tuple(fc.constantFrom('package', 'options', 'accounts', 'expressions', 'other', ''), fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), fc.constant(zip), fc.constant(Buffer.from('{"policy":"overwrite"}')), fc.constant(Buffer.from('[1,2'))), fc.option(fc.constantFrom('p.zip', '', '../x', 'a"b')))
        .map(([name, data, file]) => ({ type: `multipart/form-data; boundary=${BOUNDARY}`, body: multipartBody([[name, data, file ?? undefined]]) })),
      fc.constant({ type: `multipart/form-data; boundary=${BOUNDARY}`, body: multipartBody([['package', zip, 'p.zip']]) }),
      fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/json; charset=nope', 'APPLICATION/JSON', 'application/problem+json', 'application/json;', 'text/json').chain((type) =>
        fc.oneof(
          fc.constantFrom('{', '{"name": }', 'null', '[]', '"x"', '1e999', '{"name":"ok-name"}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '{"name":"\\u0000"}', '{"name":"\\ud800"}', '{"asset_ids":["zz"]}', '{"type":"application","name":"n","body":{}}', '{"user":"admin","password":"x"}').map((b) => Buffer.from(b)),
          fc.json({ maxDepth: 3 }).map((b) => Buffer.from(b)),
          fc.uint8Array({ maxLength: 128 }).map((b) => Buffer.from(b)),
        ).map((body) => ({ type: type as string | undefined, body })),
      ),
      fc.tuple(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/zip', '*/*', ';;;', 'x/y; a=b=c', '\u00ff'), fc.uint8Array({ maxLength: 128 })).map(([type, b]) => ({ type: type as string | undefined, body: Buffer.from(b) })),
    );
    const framing = fc.constantFrom('exact', 'exact', 'exact', 'truncated', 'chunked', 'no-length');
    const extraHeaders = fc.constantFrom<Array<[string, string]>>([], [], [['x-big', 'v'.repeat(20_000)]], Array.from({ length: 120 }, (_, i) => [`x-h${i}`, 'v'] as [string, string]), [['content-length', 'abc']], [['transfer-encoding', 'gzip']], [['expect', '100-continue']], [['content-encoding', 'gzip']]);

    let calls = 0;
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), path, query, auth, content, framing, extraHeaders, async (method, p, q, a, c, frame, extra) => {
        calls++;
        const headers: Array<[string, string]> = a.map(([k, v]) => [k, v.replace('ADMIN', s.adminToken).replace('MEMBER', memberToken)]);
        if (c.type !== undefined) headers.push(['content-type', c.type]);
        let body: Buffer | undefined = c.body;
        let endAfterBody = false;
        if (frame === 'exact') headers.push(['content-length', String(c.body.length)]);
        else if (frame === 'truncated') {
          headers.push(['content-length', String(c.body.length + 100)]);
          endAfterBody = true;
        } else if (frame === 'chunked') {
          headers.push(['transfer-encoding', 'chunked']);
          body = Buffer.concat([c.body.length ? Buffer.from(`${c.body.length.toString(16)}\r\n`) : Buffer.alloc(0), c.body, c.body.length ? Buffer.from('\r\n') : Buffer.alloc(0), Buffer.from('0\r\n\r\n')]);
        } else body = undefined;
        headers.push(...extra);
        const r = await rawRequest(s.url, { method, path: `${p.path}${q}`, headers, body, endAfterBody, timeoutMs: 15_000 });
        const what = `${method} ${p.path.slice(0, 80)}${q.slice(0, 40)} [${c.type?.slice(0, 60) ?? '-'}; ${c.body.length} bytes; ${frame}; ${extra.length > 3 ? `${extra.length} headers` : extra.map((h) => h[0]).join(',')}] → ${r.status ?? 'no answer'} ${r.body.toString('utf8').slice(0, 200)}`;
        const problems = answerProblems(method, p.path, frame, r);
        if (problems) failures.push(`${problems}: ${what}`);
      }),
      // Bounded in count and in time (a busy machine gets fewer runs, never a failure); a fixed
      // seed keeps CI repeatable, FUZZ_SEED explores others.
      { numRuns: 300, interruptAfterTimeLimit: 60_000, seed: Number(process.env.FUZZ_SEED ?? 20261202) },
    );
    expect(failures.slice(0, 20)).toEqual([]);
    expect(calls).toBeGreaterThan(30);

    expect((await request(s.url, 'GET', '/healthz')).status).toBe(200);
    // Nothing half-uploaded stays: every blob left is a finished one a job holds.
    await new Promise((ok) => setTimeout(ok, 500));
    const orphans = await s.t.database.db
      .selectFrom('blobs')
      .select('id')
      .where((eb) => eb.or([eb('complete', '=', false), eb.not(eb.exists(eb.selectFrom('jobs').select('id').where((j) => j.or([j('jobs.input_blob_id', '=', eb.ref('blobs.id')), j('jobs.output_blob_id', '=', eb.ref('blobs.id'))]))))]))
      .execute();
    expect(orphans).toEqual([]);
  }, 180_000);
});
