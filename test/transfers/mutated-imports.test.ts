/**
 * Mutated packages through the whole import path: a valid package with bytes flipped,
 * uploaded as an import into a space that already holds assets. Every job ends (SUCCEEDED or
 * FAILED, never stuck) and a FAILED one leaves the space exactly as it was: no asset, body or
 * revision written. Nothing an upload carries makes the service answer 5xx.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, request, startTestApp, waitJob, type TestApp } from '../helpers/app.js';
import { buildPackage } from '../helpers/packages.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);

describe('mutated packages imported', () => {
  let s: TestApp;
  let space: string;
  let zip: Buffer;
  const call = (m: string, p: string, o: Parameters<typeof request>[3] = {}) => request(s.url, m, p, { token: s.adminToken, ...o });
  /** Everything the space holds, as the database has it. */
  const snapshot = async () => {
    const db = s.t.database.db;
    const assets = await db.selectFrom('assets').select(['id', 'type', 'name', 'sha256', 'revision', 'status']).where('space_id', '=', space).orderBy('id').execute();
    const revisions = await db.selectFrom('asset_revisions').select((e) => e.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    return { assets, revisions: Number(revisions.n) };
  };

  beforeAll(async () => {
    s = await startTestApp({}, { worker: true });
    await call('POST', '/api/v1/orgs', { json: { name: 'acme' } });
    await call('POST', '/api/v1/orgs/acme/apis', { json: { name: 'A' } });
    space = (await call('POST', '/api/v1/orgs/acme/apis/A/versions', { json: { name: '1.0' } })).body.space_id as string;
    const existing = await call('POST', `/api/v1/spaces/${space}/assets`, { json: { type: 'Pipeline', name: 'load orders', body: { v: 'before' } } });
    expect(existing.status, existing.text).toBe(201);
    zip = await buildPackage('api_version', [
      { type: 'Pipeline', name: 'load orders', body: { v: 'after', snap_map: { a: 1 } } },
      { type: 'Pipeline', name: 'new one', body: { v: 'new' } },
      { type: 'File', name: 'data.csv', content: Buffer.from('a,b\n'.repeat(500)) },
    ]);
  });
  afterAll(() => s.close());

  it('every job ends, and a failed one writes nothing', async () => {
    let failed = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: zip.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), async (flips) => {
        const bad = Buffer.from(zip);
        for (const [at, xor] of flips) bad[at]! ^= xor;
        const before = await snapshot();
        const r = await call('POST', `/api/v1/spaces/${space}/imports?policy=overwrite`, { body: multipart({ package: bad }) });
        expect(r.status, r.text).toBeLessThan(500);
        if (r.status !== 202) {
          expect(await snapshot()).toEqual(before);
          return;
        }
        const job = await waitJob(s.url, s.adminToken, r.body.job_id as string);
        expect(['SUCCEEDED', 'FAILED']).toContain(job.state);
        if (job.state === 'FAILED') {
          failed++;
          expect(await snapshot()).toEqual(before);
        }
      }),
      { numRuns: 25, seed: SEED },
    );
    expect(failed).toBeGreaterThan(0);
  });
});
