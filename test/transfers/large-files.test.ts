import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, multipart, request, startTestApp, waitJob, type TestApp } from '../helpers/app.js';
import { buildPackage } from '../helpers/packages.js';
import { snapshot } from '../helpers/fixtures.js';
import type { ImportStep } from '../../src/jobs/job-deps.js';
import { ContentMismatchError, releaseStagedContents, stageContent, sweepContents } from '../../src/store/content-blobs.js';
import { newId32 } from '../../src/core/ids.js';

type J = Record<string, unknown>;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;

describe('large files are staged as content blobs before the import transaction', () => {
  let s: TestApp;
  let failAt: ImportStep | undefined;
  let orgN = 0;
  const call = (m: string, p: string, o: Parameters<typeof request>[3] = {}) => request(s.url, m, p, { token: s.adminToken, ...o });
  const newSpace = async (): Promise<string> => {
    const org = `big${++orgN}`;
    await call('POST', '/api/v1/orgs', { json: { name: org } });
    await call('POST', `/api/v1/orgs/${org}/apis`, { json: { name: 'A' } });
    return (await call('POST', `/api/v1/orgs/${org}/apis/A/versions`, { json: { name: '1.0' } })).body.space_id as string;
  };
  const importInto = async (space: string, pkg: Buffer, query = ''): Promise<J> => {
    const r = await call('POST', `/api/v1/spaces/${space}/imports${query}`, { body: multipart({ package: pkg }) });
    expect(r.status, r.text).toBe(202);
    return waitJob(s.url, s.adminToken, r.body.job_id as string);
  };
  const stored = async (hash: string) => {
    const db = s.t.database.db;
    const blobs = await db.selectFrom('content_blobs').select(['size', 'complete']).where('sha256', '=', hash).execute();
    const chunks = await db.selectFrom('content_blob_chunks').select('seq').where('sha256', '=', hash).execute();
    const stages = await db.selectFrom('content_blob_stages').select('job_id').where('sha256', '=', hash).execute();
    return { blobs: blobs.map((b) => ({ size: Number(b.size), complete: b.complete })), chunks: chunks.length, stages: stages.length };
  };
  const bytesOf = (snap: Record<string, J>, key: string) => Buffer.from(snap[key]!.content as string, 'base64');

  beforeAll(async () => {
    s = await startTestApp({ ASSETPORT_JOB_MAX_ATTEMPTS: '1' }, { worker: true, faults: (step) => { if (step === failAt) throw new Error(`injected fault at ${step}`); } });
  });
  afterAll(() => s.close());

  it('round trip byte for byte; the same bytes are stored once, as chunks, and assets refer to them', async () => {
    const space = await newSpace();
    const big = randomBytes(3 * MiB + 17);
    const small = randomBytes(1000);
    const pkg = await buildPackage('api_version', [
      { type: 'File', name: 'a.bin', content: big },
      { type: 'File', name: 'b.bin', content: big },
      { type: 'File', name: 'small.bin', content: small },
    ]);
    const job = await importInto(space, pkg);
    expect(job.state, JSON.stringify(job.reasons)).toBe('SUCCEEDED');
    // The job's stages go once it has ended (just after it is marked SUCCEEDED).
    await expect.poll(async () => (await stored(sha(big))).stages, { timeout: 20_000 }).toBe(0);
    expect(await stored(sha(big))).toEqual({ blobs: [{ size: big.length, complete: true }], chunks: 4, stages: 0 });
    const rows = await s.t.database.db.selectFrom('assets').select(['name', 'content_blob']).select((eb) => eb.fn<number | null>('octet_length', ['content']).as('inline')).where('space_id', '=', space).orderBy('name').execute();
    expect(rows.map((r) => [r.name, r.content_blob, r.inline === null ? null : Number(r.inline)])).toEqual([
      ['a.bin', sha(big), null],
      ['b.bin', sha(big), null],
      ['small.bin', null, small.length],
    ]);
    const snap = await snapshot(s.url, s.adminToken, space);
    expect(bytesOf(snap, 'File/a.bin').equals(big)).toBe(true);
    expect(bytesOf(snap, 'File/small.bin').equals(small)).toBe(true);
    const listed = (await call('GET', `/api/v1/spaces/${space}/assets?type=File`)).body.items as J[];
    expect(listed.find((a) => a.name === 'a.bin')!.size).toBe(big.length);

    const exp = await call('POST', `/api/v1/spaces/${space}/exports`, { json: {} });
    expect((await waitJob(s.url, s.adminToken, exp.body.job_id as string)).state).toBe('SUCCEEDED');
    const archive = await download(s.url, `/api/v1/jobs/${exp.body.job_id as string}/archive`, s.adminToken);
    const target = await newSpace();
    expect((await importInto(target, archive.bytes)).state).toBe('SUCCEEDED');
    const back = await snapshot(s.url, s.adminToken, target);
    expect(bytesOf(back, 'File/a.bin').equals(big)).toBe(true);
    expect(bytesOf(back, 'File/b.bin').equals(big)).toBe(true);
    // Still one stored copy for four assets.
    expect((await stored(sha(big))).blobs).toHaveLength(1);
  });

  it('an update keeps the older content for its revision; undo brings it back', async () => {
    const space = await newSpace();
    const v1 = randomBytes(2 * MiB + 5);
    const v2 = randomBytes(2 * MiB + 9);
    expect((await importInto(space, await buildPackage('api_version', [{ type: 'File', name: 'f.bin', content: v1 }]))).state).toBe('SUCCEEDED');
    const imp = await importInto(space, await buildPackage('api_version', [{ type: 'File', name: 'f.bin', content: v2 }]), '?policy=overwrite');
    expect(imp.state, JSON.stringify(imp.reasons)).toBe('SUCCEEDED');
    expect(bytesOf(await snapshot(s.url, s.adminToken, space), 'File/f.bin').equals(v2)).toBe(true);
    await sweepContents(s.t.database.db);
    expect((await stored(sha(v1))).blobs).toEqual([{ size: v1.length, complete: true }]);
    const asset = ((await call('GET', `/api/v1/spaces/${space}/assets?type=File`)).body.items as J[])[0]!;
    const revs = await call('GET', `/api/v1/spaces/${space}/assets/${asset.id as string}/revisions`);
    expect(revs.status, revs.text).toBe(200);
    expect(JSON.stringify(revs.body)).toContain(`"size":${v1.length}`);
    const u = await call('POST', `/api/v1/jobs/${imp.id as string}/undo`);
    const undo = await waitJob(s.url, s.adminToken, u.body.job_id as string);
    expect(undo.state, JSON.stringify(undo.reasons)).toBe('SUCCEEDED');
    expect(bytesOf(await snapshot(s.url, s.adminToken, space), 'File/f.bin').equals(v1)).toBe(true);
  });

  it.each(['insert', 'complete'] as const)('an import failing at %s leaves no staged content behind', async (step) => {
    const space = await newSpace();
    const big = randomBytes(2 * MiB + 3);
    failAt = step;
    try {
      const job = await importInto(space, await buildPackage('api_version', [{ type: 'File', name: 'f.bin', content: big }]));
      expect(job.state).toBe('FAILED');
    } finally {
      failAt = undefined;
    }
    expect(await stored(sha(big))).toEqual({ blobs: [], chunks: 0, stages: 0 });
    expect(await snapshot(s.url, s.adminToken, space)).toEqual({});
  });

  it('contents nothing refers to any more go when their space is deleted, and on a sweep', async () => {
    const space = await newSpace();
    const big = randomBytes(2 * MiB + 1);
    expect((await importInto(space, await buildPackage('api_version', [{ type: 'File', name: 'f.bin', content: big }]))).state).toBe('SUCCEEDED');
    const asset = ((await call('GET', `/api/v1/spaces/${space}/assets?type=File`)).body.items as J[])[0]!;
    expect((await call('DELETE', `/api/v1/spaces/${space}/assets/${asset.id as string}`)).status).toBe(204);
    // Its revision still refers to the content.
    await sweepContents(s.t.database.db);
    expect((await stored(sha(big))).blobs).toHaveLength(1);
    expect((await call('DELETE', `/api/v1/spaces/${space}`)).status).toBe(204);
    expect(await stored(sha(big))).toEqual({ blobs: [], chunks: 0, stages: 0 });

    // Left behind by other means (here: a space removed directly), a sweep finds it.
    const other = await newSpace();
    expect((await importInto(other, await buildPackage('api_version', [{ type: 'File', name: 'f.bin', content: big }]))).state).toBe('SUCCEEDED');
    await s.t.database.db.deleteFrom('spaces').where('id', '=', other).execute();
    await sweepContents(s.t.database.db);
    expect(await stored(sha(big))).toEqual({ blobs: [], chunks: 0, stages: 0 });
  });

  it('staging refuses bytes that are not the content promised, keeping nothing, and does not write stored bytes again', async () => {
    const db = s.t.database.db;
    const job = newId32();
    const promised = randomBytes(MiB + 10);
    const other = randomBytes(MiB + 10);
    const from = (b: Buffer) => () => Promise.resolve((async function* () { yield b.subarray(0, 100_000); yield b.subarray(100_000); })());
    await expect(stageContent(db, job, { sha256: sha(promised), size: promised.length }, from(other))).rejects.toBeInstanceOf(ContentMismatchError);
    expect((await stored(sha(promised))).blobs).toEqual([]);
    expect((await stored(sha(promised))).chunks).toBe(0);
    await stageContent(db, job, { sha256: sha(promised), size: promised.length }, from(promised));
    expect(await stored(sha(promised))).toEqual({ blobs: [{ size: promised.length, complete: true }], chunks: 2, stages: 1 });
    // Stored already: the bytes are not read again.
    let opened = 0;
    await stageContent(db, newId32(), { sha256: sha(promised), size: promised.length }, () => { opened++; return from(promised)(); });
    expect(opened).toBe(0);
    await releaseStagedContents(db, job);
    expect((await stored(sha(promised))).blobs).toHaveLength(1); // the other job's stage still holds it
    await sweepContents(db); // that job never ran: its stage goes, and the content with it
    expect(await stored(sha(promised))).toEqual({ blobs: [], chunks: 0, stages: 0 });
  });
});
