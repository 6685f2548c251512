/**
 * Names that read differently from what they are (bidirectional overrides, control
 * characters, line separators) are refused everywhere a name enters: the native API and
 * the assets inside an imported package. `shared` is refused in API names only.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, request, startTestApp, waitJob, type TestApp } from '../helpers/app.js';
import { ZipWriter } from '../../src/package/archive-writer.js';

type J = Record<string, unknown>;
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const RLO = '\u202e';

/** A package written by hand (the package writer refuses such names itself). */
async function handmadePackage(assets: Array<{ id: string; type: string; name: string; body: string }>): Promise<Buffer> {
  const manifest = {
    format: 'assetport-package',
    format_version: 1,
    kind: 'api_version',
    source: { org_id: 'a'.repeat(32), org_name: 'acme', space_id: 'b'.repeat(32), space_name: 'orders/1.0', kind: 'api_version' },
    exported_at: '2024-06-01T10:00:00Z',
    key_ids: [],
    assets: assets.map((a) => ({ id: a.id, type: a.type, name: a.name, path: `assets/${a.type}/${a.id}.json`, size: Buffer.byteLength(a.body), sha256: sha(a.body) })),
  };
  const chunks: Buffer[] = [];
  const w = new ZipWriter((c) => void chunks.push(Buffer.from(c)));
  await w.addBuffer('manifest.json', Buffer.from(JSON.stringify(manifest)));
  for (const a of assets) await w.addBuffer(`assets/${a.type}/${a.id}.json`, Buffer.from(a.body));
  await w.finish();
  return Buffer.concat(chunks);
}

describe('names', () => {
  let s: TestApp;
  const call = (m: string, p: string, json?: unknown) => request(s.url, m, p, { token: s.adminToken, ...(json !== undefined ? { json } : {}) });
  const refused = (r: { status: number; body: J; text: string }, why: string): void => {
    expect(r.status, r.text).toBe(400);
    expect(r.body.code).toBe('invalid_name');
    expect(r.body.detail).toContain(why);
  };

  beforeAll(async () => {
    s = await startTestApp({ ASSETPORT_JOB_MAX_ATTEMPTS: '1' }, { worker: true });
    expect((await call('POST', '/api/v1/orgs', { name: 'acme' })).status).toBe(201);
  });
  afterAll(() => s.close());

  it('"shared" is a valid project space and project name, never an API name', async () => {
    const p = await call('POST', '/api/v1/orgs/acme/projects', { project_space: 'shared', name: 'shared' });
    expect(p.status, p.text).toBe(201);
    expect((await call('POST', '/api/v1/orgs/acme/projects', { project_space: 'team shared', name: 'shared etl' })).status).toBe(201);
    refused(await call('POST', '/api/v1/orgs/acme/apis', { name: 'shared' }), 'must not contain "shared"');
  });

  it('every kind of name refuses bidirectional overrides, control characters and line separators, saying which', async () => {
    refused(await call('POST', '/api/v1/orgs', { name: `acme${RLO}2` }), 'must not contain a bidirectional override (U+202E)');
    refused(await call('POST', '/api/v1/orgs/acme/instances', { name: 'dev\u0085' }), 'must not contain a control character (U+0085)');
    refused(await call('POST', '/api/v1/orgs/acme/apis', { name: `Books${RLO}` }), 'must not contain a bidirectional override (U+202E)');
    expect((await call('POST', '/api/v1/orgs/acme/apis', { name: 'Books' })).status).toBe(201);
    refused(await call('POST', '/api/v1/orgs/acme/apis/Books/versions', { name: '1.0\u2066' }), 'must not contain a bidirectional isolate (U+2066)');
    refused(await call('POST', '/api/v1/orgs/acme/projects', { project_space: 'team\u2028', name: 'etl' }), 'must not contain a line or paragraph separator (U+2028)');
    refused(await call('POST', '/api/v1/orgs/acme/projects', { project_space: 'team', name: `etl${RLO}` }), 'must not contain a bidirectional override (U+202E)');
    refused(await call('POST', '/api/v1/users', { name: `mia${RLO}`, password: 'a-long-password-1' }), 'must not contain a bidirectional override (U+202E)');
    const v = await call('POST', '/api/v1/orgs/acme/apis/Books/versions', { name: '1.0' });
    refused(await call('POST', `/api/v1/spaces/${v.body.space_id as string}/assets`, { type: 'Pipeline', name: `invoice${RLO}fdp.exe`, body: {} }), 'must not contain a bidirectional override (U+202E)');
  });

  it('an imported package naming an asset with a bidirectional override is refused with a clear problem, and nothing is written', async () => {
    const v = await call('POST', '/api/v1/orgs/acme/apis/Books/versions', { name: '2.0' });
    const space = v.body.space_id as string;
    const pkg = await handmadePackage([
      { id: '1'.repeat(24), type: 'Pipeline', name: 'fine', body: '{}' },
      { id: '2'.repeat(24), type: 'Pipeline', name: `invoice${RLO}fdp.exe`, body: '{}' },
    ]);
    const dry = await request(s.url, 'POST', `/api/v1/spaces/${space}/imports?dry_run=true`, { token: s.adminToken, body: multipart({ package: pkg }) });
    expect(dry.text).toContain('must not contain a bidirectional override (U+202E)');
    expect(dry.text).toContain('package.invalid_name');
    const started = await request(s.url, 'POST', `/api/v1/spaces/${space}/imports`, { token: s.adminToken, body: multipart({ package: pkg }) });
    const text = started.status === 202 ? JSON.stringify(await waitJob(s.url, s.adminToken, started.body.job_id as string)) : started.text;
    expect(text).toContain('package.invalid_name');
    expect(text).toContain('must not contain a bidirectional override (U+202E)');
    expect((await call('GET', `/api/v1/spaces/${space}/assets`)).body.items).toEqual([]);
  });
});
