import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, multipart, request, startTestApp, waitJob, type TestApp } from '../helpers/app.js';
import { buildPackage } from '../helpers/packages.js';
import { snapshot } from '../helpers/fixtures.js';
import { KeyRing } from '../../src/secrets/key-ring.js';
import type { ImportStep } from '../../src/jobs/job-deps.js';
import { openArchive } from '../../src/package/archive-reader.js';
import { readPackage } from '../../src/package/package-reader.js';
import { sql } from 'kysely';

type J = Record<string, unknown>;
const accountBody = (pw: string) => ({ class_id: 'com.example.db', property_map: { info: { label: { value: 'db' } }, settings: { username: { value: 'app' }, password: { value: pw } } } });

describe('import rules', () => {
  let s: TestApp;
  let orgN = 0;
  const call = (m: string, p: string, o: Parameters<typeof request>[3] = {}) => request(s.url, m, p, { token: s.adminToken, ...o });
  const newSpace = async (kind: 'instance' | 'version' = 'version'): Promise<string> => {
    const org = `org${++orgN}`;
    await call('POST', '/api/v1/orgs', { json: { name: org } });
    if (kind === 'instance') return (await call('POST', `/api/v1/orgs/${org}/instances`, { json: { name: 'i' } })).body.space_id as string;
    await call('POST', `/api/v1/orgs/${org}/apis`, { json: { name: 'A' } });
    return (await call('POST', `/api/v1/orgs/${org}/apis/A/versions`, { json: { name: '1.0' } })).body.space_id as string;
  };
  const importInto = async (space: string, files: Record<string, Buffer>, json: J = {}, query = ''): Promise<J> => {
    const r = await call('POST', `/api/v1/spaces/${space}/imports${query}`, { body: multipart(files, json) });
    expect(r.status, r.text).toBe(202);
    return waitJob(s.url, s.adminToken, r.body.job_id as string);
  };
  const items = (job: J) => (job.result as { items: J[] }).items;

  beforeAll(async () => {
    s = await startTestApp({ ASSETPORT_JOB_MAX_ATTEMPTS: '1' }, { worker: true });
  });
  afterAll(() => s.close());

  it('policy fail: every conflict is reported at once and nothing is written', async () => {
    const space = await newSpace();
    await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'Pipeline', name: 'p1', body: { v: 'local' } } });
    await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'Pipeline', name: 'p2', body: { v: 'local' } } });
    const before = await snapshot(s.url, s.adminToken, space);
    const pkg = await buildPackage('api_version', [{ type: 'Pipeline', name: 'p1', body: { v: 'new' } }, { type: 'Pipeline', name: 'p2', body: { v: 'new' } }, { type: 'Pipeline', name: 'p3' }]);
    const job = await importInto(space, { package: pkg }, { options: { policy: { Pipeline: 'fail' } } });
    expect(job.state).toBe('FAILED');
    expect((job.reasons as J[]).map((r) => r.code)).toEqual(['plan.conflict', 'plan.conflict']);
    expect(await snapshot(s.url, s.adminToken, space)).toEqual(before);
  });

  it('policies keep, overwrite and skip-as-failed', async () => {
    const space = await newSpace();
    for (const n of ['k', 'o', 's']) await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'Pipeline', name: n, body: { v: 'local' } } });
    const pkg = await buildPackage('api_version', ['k', 'o', 's'].map((n) => ({ type: 'Pipeline' as const, name: n, body: { v: 'new' } })));
    const keep = await importInto(space, { package: pkg }, {}, '?policy=keep');
    expect(items(keep).map((i) => i.action)).toEqual(['keep', 'keep', 'keep']);
    const skip = await importInto(space, { package: pkg }, {}, '?policy=skip-as-failed');
    expect(items(skip).map((i) => i.action)).toEqual(['skip', 'skip', 'skip']);
    expect(items(skip).map((i) => i.failed)).toEqual(Array(3).fill({ status_code: 409, reason: expect.stringContaining('already exists') }));
    expect((skip.result as { summary: J }).summary).toMatchObject({ skip: 3, conflict: 0 });
    const ow = await importInto(space, { package: pkg }, {}, '?policy=Pipeline:overwrite');
    expect(items(ow).map((i) => i.action)).toEqual(['update', 'update', 'update']);
    const snap = await snapshot(s.url, s.adminToken, space);
    expect(snap['Pipeline/o']!.body).toEqual({ v: 'new' });
  });

  it('an unresolved reference imports the asset disabled, with a warning that says so', async () => {
    const space = await newSpace();
    const pkg = await buildPackage('api_version', [{ type: 'Task', name: 'books', refs: [{ type: 'Pipeline', name: 'missing' }] }]);
    const job = await importInto(space, { package: pkg });
    expect(job.state).toBe('SUCCEEDED');
    expect(items(job)[0]).toMatchObject({
      status: 'disabled',
      warnings: [
        {
          code: 'unresolved_reference',
          message: "Task 'books' was imported disabled: no pipeline 'missing' found in the package or the space.",
          subject: { type: 'Task', name: 'books' },
          details: { ref: { type: 'Pipeline', name: 'missing' } },
        },
      ],
    });
    expect((await snapshot(s.url, s.adminToken, space))['Task/books']!.status).toBe('disabled');
  });

  it('a prefix renames applications and tasks and rewrites references to them', async () => {
    const space = await newSpace('instance');
    const pkg = await buildPackage('instance', [
      { type: 'application', name: 'orders' },
      { type: 'datasource', name: 'db', refs: [{ type: 'application', name: 'orders' }] },
      { type: 'task', name: 'sync', refs: [{ type: 'datasource', name: 'db' }] },
    ]);
    const job = await importInto(space, { package: pkg }, { options: { prefix: 'dev_' } });
    expect(job.state, JSON.stringify(job.reasons)).toBe('SUCCEEDED');
    const snap = await snapshot(s.url, s.adminToken, space);
    expect(Object.keys(snap).sort()).toEqual(['application/dev_orders', 'datasource/db', 'task/dev_sync']);
    expect(snap['datasource/db']!.refs).toEqual([{ type: 'application', name: 'dev_orders' }]);
    expect(items(job).find((i) => i.name === 'dev_orders')).toMatchObject({ action: 'create', renamed_from: 'orders', source_name: 'orders' });
    expect(items(job).find((i) => i.name === 'db')).not.toHaveProperty('renamed_from');
  });

  it('a field marked encrypted is sealed on import whatever the type, and its key id is listed when exported', async () => {
    const space = await newSpace();
    const body = { snode_id: 'p1', property_map: { settings: { api_pin: { value: 'Pl41n-P1n-Value', encrypted: true }, mode: { value: 'fast' } } } };
    const job = await importInto(space, { package: await buildPackage('api_version', [{ type: 'Pipeline', name: 'pinned', body }]) });
    expect(job.state).toBe('SUCCEEDED');
    const stored = await s.t.database.db.selectFrom('assets').select(sql<string>`body::text`.as('text')).where('space_id', '=', space).executeTakeFirstOrThrow();
    expect(stored.text).not.toContain('Pl41n-P1n-Value');
    const pin = (JSON.parse(stored.text) as { property_map: { settings: { api_pin: { value: string } } } }).property_map.settings.api_pin.value;
    expect(s.keyring.decrypt(pin)).toBe('Pl41n-P1n-Value');

    const exp = await call('POST', `/api/v1/spaces/${space}/exports`, { json: {} });
    expect((await waitJob(s.url, s.adminToken, exp.body.job_id as string)).state).toBe('SUCCEEDED');
    const archive = await download(s.url, `/api/v1/jobs/${exp.body.job_id as string}/archive`, s.adminToken);
    const reader = await openArchive({ buffer: archive.bytes });
    const index = await readPackage(reader);
    expect(index.keyIds).toEqual([pin.split('$')[2]]);
    expect(archive.bytes.includes('Pl41n-P1n-Value')).toBe(false);
    await reader.close();
  });

  it('create_new imports into a new numbered version', async () => {
    const space = await newSpace();
    const pkg = await buildPackage('api_version', [{ type: 'Policy', name: 'p' }]);
    const job = await importInto(space, { package: pkg }, {}, '?create_new=true');
    expect(job.state).toBe('SUCCEEDED');
    const created = (job.result as { created_space: { name: string; space_id: string } }).created_space;
    expect(created.name).toBe('1.01');
    expect(Object.keys(await snapshot(s.url, s.adminToken, created.space_id))).toEqual(['Policy/p']);
    expect(await snapshot(s.url, s.adminToken, space)).toEqual({});
    const again = await importInto(space, { package: pkg }, {}, '?create_new=true');
    expect((again.result as { created_space: { name: string } }).created_space.name).toBe('1.02');
  });

  it('secrets across deployments: without the key the account comes in disabled and without them; overrides supply them', async () => {
    const other = KeyRing.fromMasterKeys([randomBytes(32)]);
    const foreign = { ...accountBody(other.encrypt('foreign-pw')) };
    (foreign.property_map.settings.password as J) = { value: other.encrypt('foreign-pw'), encrypted: true, key_id: other.currentKeyId };
    const accId = 'a'.repeat(24);
    const pkg = await buildPackage('api_version', [{ id: accId, type: 'Account', name: 'db', body: foreign }], { keyIds: [other.currentKeyId] });
    const space = await newSpace();
    const job = await importInto(space, { package: pkg });
    expect(job.state, JSON.stringify(job.reasons)).toBe('SUCCEEDED');
    expect(items(job)[0]).toMatchObject({
      status: 'disabled',
      warnings: [{ code: 'secret_unavailable', message: "Account 'db' was imported disabled: its secret field password can't be decrypted on this deployment and no account override supplies it.", details: { fields: ['password'] } }],
    });
    const row = await s.t.database.db.selectFrom('assets').select('body').where('space_id', '=', space).executeTakeFirstOrThrow();
    expect(JSON.stringify(row.body)).not.toContain('$ap1$');

    // The same package with file_account overrides: plain text in, encrypted under this deployment's key.
    const space2 = await newSpace();
    const accounts = { accounts: [{ snode_id: accId, name: 'db', path: '/x/db', class_id: 'com.example.db', property_map: { settings: { username: { value: 'app' }, password: { value: 'plain-override-pw' } } } }] };
    const job2 = await importInto(space2, { package: pkg }, { accounts });
    expect(job2.state, JSON.stringify(job2.reasons)).toBe('SUCCEEDED');
    expect(items(job2)[0]).toMatchObject({ status: 'enabled', warnings: [] });
    expect(JSON.stringify(job2)).not.toContain('plain-override-pw');
    const row2 = await s.t.database.db.selectFrom('assets').select('body').where('space_id', '=', space2).executeTakeFirstOrThrow();
    const pw = (row2.body as { property_map: { settings: { password: { value: string } } } }).property_map.settings.password.value;
    expect(s.keyring.decrypt(pw)).toBe('plain-override-pw');
    const jobRow = await s.t.database.db.selectFrom('jobs').select('params').where('id', '=', job2.id as string).executeTakeFirstOrThrow();
    expect(JSON.stringify(jobRow.params)).not.toContain('plain-override-pw');

    // An override that matches no account is an error, never ignored.
    const job3 = await importInto(await newSpace(), { package: pkg }, { accounts: { accounts: [{ ...accounts.accounts[0]!, snode_id: 'b'.repeat(24) }] } });
    expect(job3.state).toBe('FAILED');
    expect((job3.reasons as J[]).map((r) => r.code)).toContain('plan.override_unmatched');
  });

  it('a ciphertext that does not decrypt here, under a key this deployment holds, is a secret it cannot read', async () => {
    const kid = s.keyring.currentKeyId;
    const good = Buffer.from(s.keyring.encrypt('real-pw').split('$')[3] as string, 'base64url');
    good[14] = (good[14] as number) ^ 1; // the tag
    const broken = {
      malformed: { value: '$ap1$ffffffffffffffff$AAAA', encrypted: true, key_id: kid },
      short: { value: `$ap1$${kid}$AAAA`, encrypted: true, key_id: kid },
      altered: { value: `$ap1$${kid}$${good.toString('base64url')}`, encrypted: true, key_id: kid },
    };
    const body = { class_id: 'com.example.db', property_map: { settings: { username: { value: 'app' }, password: { value: s.keyring.encrypt('kept-pw'), encrypted: true, key_id: kid }, ...broken } } };
    const pkg = await buildPackage('api_version', [{ type: 'Account', name: 'db', body }], { keyIds: [kid] });
    const space = await newSpace();
    const dry = await call('POST', `/api/v1/spaces/${space}/imports?dry_run=true`, { body: multipart({ package: pkg }) });
    expect(dry.status, dry.text).toBe(200);
    expect((dry.body.items as J[])[0]).toMatchObject({ status: 'disabled', warnings: [{ code: 'secret_unavailable', details: { fields: ['malformed', 'short', 'altered'] } }] });
    const job = await importInto(space, { package: pkg });
    expect(job.state, JSON.stringify(job.reasons)).toBe('SUCCEEDED');
    expect(items(job)[0]).toMatchObject({ status: 'disabled', warnings: [{ code: 'secret_unavailable', details: { fields: ['malformed', 'short', 'altered'] } }] });
    const row = await s.t.database.db.selectFrom('assets').select(['body', 'status']).where('space_id', '=', space).executeTakeFirstOrThrow();
    expect(row.status).toBe('disabled');
    const stored = (row.body as { property_map: { settings: Record<string, { value: unknown }> } }).property_map.settings;
    for (const f of Object.keys(broken)) expect(stored[f], f).toEqual({ value: null, encrypted: true });
    expect(s.keyring.decrypt(stored.password!.value as string)).toBe('kept-pw');
    const text = JSON.stringify(row.body);
    for (const f of Object.values(broken)) expect(text).not.toContain(f.value.slice(22));
  });

  it('the expressions ZIP is flattened, the first of a name wins, and a warning names the one dropped', async () => {
    const space = await newSpace();
    const pkg = await buildPackage('api_version', [{ type: 'Pipeline', name: 'p' }]);
    const { ZipWriter } = await import('../../src/package/archive-writer.js');
    const parts: Buffer[] = [];
    const zw = new ZipWriter((c: Buffer) => void parts.push(Buffer.from(c)));
    await zw.addBuffer('a/lib.expr', Buffer.from('first'));
    await zw.addBuffer('b/lib.expr', Buffer.from('second'));
    await zw.addBuffer('other.expr', Buffer.from('other'));
    await zw.finish();
    const job = await importInto(space, { package: pkg, expressions: Buffer.concat(parts) });
    expect(job.state, JSON.stringify(job.reasons)).toBe('SUCCEEDED');
    const snap = await snapshot(s.url, s.adminToken, space);
    expect(Buffer.from(snap['Expression/lib.expr']!.content as string, 'base64').toString()).toBe('first');
    expect(snap['Expression/other.expr']).toBeDefined();
    expect(((job.result as { warnings: J[] }).warnings).find((w) => w.code === 'expression_duplicate')).toEqual({
      code: 'expression_duplicate',
      message: '"b/lib.expr" was not imported: "a/lib.expr" has the same file name and comes first in the expressions ZIP.',
      subject: { file: 'b/lib.expr' },
      details: { first: 'a/lib.expr' },
    });
  });

  it('imports files larger than the in-memory threshold byte for byte, and exports them back', async () => {
    const space = await newSpace();
    const big = randomBytes(9 * 1024 * 1024 + 17); // past the in-memory read threshold and several export slices
    const pkg = await buildPackage('api_version', [{ type: 'File', name: 'big.bin', content: big }, { type: 'File', name: 'empty.bin', content: Buffer.alloc(0) }]);
    const job = await importInto(space, { package: pkg });
    expect(job.state, JSON.stringify(job.reasons)).toBe('SUCCEEDED');
    const snap = await snapshot(s.url, s.adminToken, space);
    expect(Buffer.from(snap['File/big.bin']!.content as string, 'base64').equals(big)).toBe(true);
    expect(snap['File/empty.bin']!.content).toBe('');
    const exp = await call('POST', `/api/v1/spaces/${space}/exports`, { json: {} });
    expect((await waitJob(s.url, s.adminToken, exp.body.job_id as string)).state).toBe('SUCCEEDED');
    const archive = await download(s.url, `/api/v1/jobs/${exp.body.job_id as string}/archive`, s.adminToken);
    const target = await newSpace();
    const again = await importInto(target, { package: archive.bytes });
    expect(again.state).toBe('SUCCEEDED');
    const back = await snapshot(s.url, s.adminToken, target);
    expect(Buffer.from(back['File/big.bin']!.content as string, 'base64').equals(big)).toBe(true);
    expect(back['File/big.bin']!.sha256).toBe(snap['File/big.bin']!.sha256);
  });

  it('a dry run of a package too large to hold in memory reads it from a temporary file, and leaves nothing behind', async () => {
    const space = await newSpace();
    const { mkdtempSync, readdirSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    // A temporary directory of this test's own, so other processes' uploads don't count.
    const saved = process.env.TMPDIR;
    const mine = mkdtempSync(join(tmpdir(), 'assetport-test-tmp-'));
    process.env.TMPDIR = mine;
    try {
      const pkg = await buildPackage('api_version', [{ type: 'File', name: 'big.bin', content: randomBytes(33 * 1024 * 1024) }, { type: 'Pipeline', name: 'p' }]);
      const r = await call('POST', `/api/v1/spaces/${space}/imports?dry_run=true`, { body: multipart({ package: pkg }) });
      expect(r.status, r.text.slice(0, 300)).toBe(200);
      expect(r.body.summary).toMatchObject({ create: 2 });
      expect(readdirSync(mine)).toEqual([]);
      expect(await snapshot(s.url, s.adminToken, space)).toEqual({});
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      rmSync(mine, { recursive: true, force: true });
    }
  });

  it('refuses hostile or broken packages with a stable code, writing nothing', async () => {
    const space = await newSpace();
    const { zipOf } = await import('../helpers/raw-zip.js');
    const traversal = zipOf([{ name: '../evil.json', data: Buffer.from('{}') }]);
    const job = await importInto(space, { package: traversal });
    expect(job.state).toBe('FAILED');
    expect((job.reasons as J[])[0]!.code).toBe('archive.unsafe_name');
    const noManifest = zipOf([{ name: 'readme.txt', data: Buffer.from('hi') }]);
    const job2 = await importInto(space, { package: noManifest });
    expect((job2.reasons as J[])[0]!.code).toBe('package.manifest_missing');
    expect(await snapshot(s.url, s.adminToken, space)).toEqual({});
  });

  it('streams progress and state as Server-Sent Events', async () => {
    const space = await newSpace();
    const pkg = await buildPackage('api_version', Array.from({ length: 50 }, (_, i) => ({ type: 'Pipeline' as const, name: `p${i}` })));
    const r = await call('POST', `/api/v1/spaces/${space}/imports`, { body: multipart({ package: pkg }) });
    const ev = await fetch(`${s.url}/api/v1/jobs/${r.body.job_id as string}/events?interval_ms=50`, { headers: { authorization: `Bearer ${s.adminToken}` } });
    expect(ev.headers.get('content-type')).toBe('text/event-stream');
    const text = await ev.text();
    const events = [...text.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map((m) => ({ event: m[1], data: JSON.parse(m[2]!) as J }));
    expect(events[0]!.event).toBe('state');
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { state: 'SUCCEEDED', progress: 1 } });
  });
});

describe('import uploads', () => {
  let s: TestApp;
  let space: string;
  const call = (m: string, p: string, o: Parameters<typeof request>[3] = {}) => request(s.url, m, p, { token: s.adminToken, ...o });
  const blobCount = async () => (await s.t.database.db.selectFrom('blobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
  const jobCount = async () => (await s.t.database.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

  beforeAll(async () => {
    s = await startTestApp({ ASSETPORT_MAX_UPLOAD: '64KiB' });
    await call('POST', '/api/v1/orgs', { json: { name: 'up' } });
    space = (await call('POST', '/api/v1/orgs/up/instances', { json: { name: 'i' } })).body.space_id as string;
  });
  afterAll(() => s.close());

  it('refuses what is not a ZIP, an upload over the limit, extra or missing parts, and a JSON body: no blob, no job', async () => {
    const pkg = await buildPackage('instance', [{ type: 'application', name: 'a' }]);
    const notZip = await call('POST', `/api/v1/spaces/${space}/imports`, { body: multipart({ package: Buffer.from('this is not a zip at all') }) });
    expect(notZip.status).toBe(422);
    expect(notZip.body).toMatchObject({ code: 'invalid_package', problem_code: 'archive.not_zip' });
    const big = await call('POST', `/api/v1/spaces/${space}/imports`, { body: multipart({ package: Buffer.concat([pkg, randomBytes(70 * 1024)]) }) });
    expect(big.status).toBe(413);
    const extra = await call('POST', `/api/v1/spaces/${space}/imports`, { body: multipart({ package: pkg, surprise: pkg }) });
    expect(extra.status).toBe(400);
    const missing = await call('POST', `/api/v1/spaces/${space}/imports`, { body: multipart({}, { options: {} }) });
    expect(missing.status).toBe(400);
    const json = await call('POST', `/api/v1/spaces/${space}/imports`, { json: { package: 'x' } });
    expect(json.status).toBe(415);
    const badOpt = await call('POST', `/api/v1/spaces/${space}/imports?policy=destroy`, { body: multipart({ package: pkg }) });
    expect(badOpt.status).toBe(400);
    const badType = await call('POST', `/api/v1/spaces/${space}/imports?policy=Pipeline:keep`, { body: multipart({ package: pkg }) });
    expect(badType.status).toBe(400);
    const hugeField = await call('POST', `/api/v1/spaces/${space}/imports`, { body: multipart({ package: pkg }, { accounts: { accounts: [], pad: 'x'.repeat(1100 * 1024) } }) });
    expect(hugeField.status).toBe(413);
    const form = multipart({ package: pkg });
    for (let i = 0; i < 12; i++) form.append(`f${i}`, 'x');
    const tooManyParts = await call('POST', `/api/v1/spaces/${space}/imports`, { body: form });
    expect([400, 413]).toContain(tooManyParts.status);
    expect(await blobCount()).toBe(0);
    expect(await jobCount()).toBe(0);
  });

  it('a client that disconnects mid-upload leaves no blob and no job', async () => {
    const net = await import('node:net');
    const u = new URL(s.url);
    const boundary = 'xxBOUNDARYxx';
    await new Promise<void>((resolve) => {
      const sock = net.connect(Number(u.port), u.hostname, () => {
        sock.write(`POST /api/v1/spaces/${space}/imports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.adminToken}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 100000\r\n\r\n`);
        sock.write(`--${boundary}\r\nContent-Disposition: form-data; name="package"; filename="p.zip"\r\nContent-Type: application/zip\r\n\r\nPK\u0003\u0004${'x'.repeat(20000)}`);
        setTimeout(() => {
          sock.destroy();
          resolve();
        }, 300);
      });
    });
    await new Promise((r) => setTimeout(r, 500));
    // The server may still be cleaning up on a busy machine: wait (generously) until it is done.
    const end = Date.now() + 60_000;
    while (Date.now() < end && ((await blobCount()) > 0 || (await jobCount()) > 0)) await new Promise((r) => setTimeout(r, 50));
    expect(await blobCount()).toBe(0);
    expect(await jobCount()).toBe(0);
  });

  it('one asset job per user: a second import while one is queued is 409, and read-only users are refused', async () => {
    const pkg = await buildPackage('instance', [{ type: 'application', name: 'a' }]);
    const first = await call('POST', `/api/v1/spaces/${space}/imports`, { body: multipart({ package: pkg }) });
    expect(first.status).toBe(202);
    const second = await call('POST', `/api/v1/spaces/${space}/imports`, { body: multipart({ package: pkg }) });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('job_running');
    expect(await blobCount()).toBe(1);
    await call('POST', '/api/v1/users', { json: { name: 'reader', password: 'reader-pass' } });
    await call('POST', `/api/v1/spaces/${space}/grants`, { json: { user: 'reader', perms: 'R' } });
    const tok = (await request(s.url, 'POST', '/api/v1/tokens', { json: { user: 'reader', password: 'reader-pass' } })).body.token as string;
    const ro = await request(s.url, 'POST', `/api/v1/spaces/${space}/imports`, { token: tok, body: multipart({ package: pkg }) });
    expect(ro.status).toBe(403);
    expect(await blobCount()).toBe(1);
    const job = await request(s.url, 'GET', `/api/v1/jobs/${first.body.job_id as string}`, { token: tok });
    expect(job.body).toMatchObject({ state: 'QUEUED', kind: 'import' });
    const nope = await download(s.url, `/api/v1/jobs/${first.body.job_id as string}/archive`, s.adminToken);
    expect(nope.status).toBe(404);
    // The reader can see the job but not cancel it; its owner can, which frees the slot.
    expect((await request(s.url, 'POST', `/api/v1/jobs/${first.body.job_id as string}/cancel`, { token: tok })).status).toBe(403);
    const cancelled = await call('POST', `/api/v1/jobs/${first.body.job_id as string}/cancel`);
    expect(cancelled.body).toMatchObject({ state: 'CANCELLED' });
    expect(await blobCount()).toBe(0);
    expect((await call('POST', `/api/v1/jobs/${first.body.job_id as string}/cancel`)).status).toBe(409);
    const third = await call('POST', `/api/v1/spaces/${space}/imports`, { body: multipart({ package: pkg }) });
    expect(third.status).toBe(202);
  });
});

describe('fault injection: an error at any step of an import leaves the target exactly as before', () => {
  const steps: ImportStep[] = ['target', 'plan', 'insert', 'update', 'accounts', 'audit', 'complete'];
  let s: TestApp;
  let failAt: ImportStep | undefined;
  beforeAll(async () => {
    s = await startTestApp({ ASSETPORT_JOB_MAX_ATTEMPTS: '1' }, { worker: true, faults: (step) => { if (step === failAt) throw new Error(`injected fault at ${step}`); } });
  });
  afterAll(() => s.close());

  it.each(steps)('fails at %s', async (step) => {
    const call = (m: string, p: string, o: Parameters<typeof request>[3] = {}) => request(s.url, m, p, { token: s.adminToken, ...o });
    const org = `fault-${step}`;
    await call('POST', '/api/v1/orgs', { json: { name: org } });
    await call('POST', `/api/v1/orgs/${org}/apis`, { json: { name: 'A' } });
    const space = (await call('POST', `/api/v1/orgs/${org}/apis/A/versions`, { json: { name: '1' } })).body.space_id as string;
    await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'Pipeline', name: 'existing', body: { v: 1 } } });
    const acc = await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'Account', name: 'acc', body: accountBody('old-pw') } });
    const dump = async () => {
      const db = s.t.database.db;
      return {
        assets: await db.selectFrom('assets').selectAll().where('space_id', '=', space).orderBy('id').execute(),
        revisions: await db.selectFrom('asset_revisions').selectAll().where('space_id', '=', space).orderBy('id').execute(),
        spaces: await db.selectFrom('spaces').selectAll().orderBy('id').execute(),
        audit: await db.selectFrom('audit_events').select(['action', 'space_id']).where('action', 'like', 'import%').execute(),
      };
    };
    const before = await dump();
    const pkg = await buildPackage('api_version', [{ type: 'Pipeline', name: 'existing', body: { v: 2 } }, { type: 'Pipeline', name: 'new', body: {} }]);
    const accounts = { accounts: [{ snode_id: acc.body.id, name: 'acc', path: '/x', class_id: 'com.example.db', property_map: { settings: { username: { value: 'app' }, password: { value: 'new-pw' } } } }] };
    failAt = step;
    const r = await call('POST', `/api/v1/spaces/${space}/imports?policy=overwrite`, { body: multipart({ package: pkg }, { accounts }) });
    const job = await waitJob(s.url, s.adminToken, r.body.job_id as string);
    failAt = undefined;
    expect(job.state).toBe('FAILED');
    expect(await dump()).toEqual(before);
  });
});
