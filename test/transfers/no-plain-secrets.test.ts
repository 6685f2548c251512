/**
 * No plain-text secret in any package, response, log line or error: a whole flow with
 * secrets in it — create, read, update, export, import elsewhere with overrides, a refused
 * import, dry runs, job views, events — and every byte that left the service is searched.
 */
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from 'pino';
import { loadConfig } from '../../src/config/config.js';
import { buildApp } from '../../src/http/app.js';
import { Metrics } from '../../src/http/metrics.js';
import { jobHandlers } from '../../src/jobs/handlers.js';
import { Worker } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/logger.js';
import { KeyRing } from '../../src/secrets/key-ring.js';
import { bootstrapAdmin } from '../../src/service/users.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { multipart, request } from '../helpers/app.js';

const SECRETS = ['Pl41n-Acc0unt-Pw', 'Pl41n-Ds-Secr3t', 'Pl41n-0verride-Pw', 'Pl41n-T0ken-Xyz'];

describe('no plain-text secret leaves the service', () => {
  const seen: string[] = [];
  const logSink = new Writable({ write(c: Buffer, _e, cb) { seen.push(c.toString()); cb(); } });
  let t: TestDatabase;
  let url: string;
  let token: string;
  let stop: () => Promise<void>;
  const call = async (m: string, p: string, o: Parameters<typeof request>[3] = {}) => {
    const r = await request(url, m, p, { token, ...o });
    seen.push(r.text);
    return r;
  };
  const waitJob = async (id: string) => {
    for (;;) {
      const j = await call('GET', `/api/v1/jobs/${id}`);
      if (['SUCCEEDED', 'FAILED'].includes(j.body.state as string)) return j.body;
      await new Promise((r) => setTimeout(r, 30));
    }
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    const config = loadConfig({ LOG_LEVEL: 'debug', ASSETPORT_WORKER_POLL_MS: '20' });
    const keyring = KeyRing.fromMasterKeys([randomBytes(32)]);
    const logger = createLogger('debug', logSink);
    await bootstrapAdmin(t.database.db, 'admin', 'admin-password-1');
    const worker = new Worker({ db: t.database.db, handlers: jobHandlers({ config, database: t.database, keyring, logger: logger as unknown as Logger }), logger: logger as unknown as Logger, leaseMs: 10_000, pollMs: 20 });
    const app = await buildApp({ config, database: t.database, keyring, logger: logger as unknown as Logger, metrics: new Metrics(), onJobEnqueued: () => worker.poke() });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    worker.start();
    token = (await request<{ token: string }>(url, 'POST', '/api/v1/tokens', { json: { user: 'admin', password: 'admin-password-1' } })).body.token;
    stop = async () => {
      await app.close();
      await worker.stop(2000);
      await t.drop();
    };
  });
  afterAll(() => stop());

  it('is searched for in every response, package, job and log line', async () => {
    await call('POST', '/api/v1/orgs', { json: { name: 'o' } });
    const inst = (await call('POST', '/api/v1/orgs/o/instances', { json: { name: 'i' } })).body.space_id as string;
    await call('POST', '/api/v1/orgs/o/apis', { json: { name: 'A' } });
    const v1 = (await call('POST', '/api/v1/orgs/o/apis/A/versions', { json: { name: '1' } })).body.space_id as string;
    const v2 = (await call('POST', '/api/v1/orgs/o/apis/A/versions', { json: { name: '2' } })).body.space_id as string;
    const acc = await call('POST', `/api/v1/spaces/${v1}/assets`, { json: { type: 'Account', name: 'db', body: { class_id: 'c', property_map: { settings: { user: { value: 'u' }, password: { value: SECRETS[0] }, token: SECRETS[3] } } } } });
    expect(acc.status).toBe(201);
    await call('POST', `/api/v1/spaces/${inst}/assets`, { json: { type: 'datasource', name: 'ds', body: { property_map: { settings: { client_secret: { value: SECRETS[1], encrypted: true } } } } } });
    await call('GET', `/api/v1/spaces/${v1}/assets/${acc.body.id as string}`);
    await call('GET', `/api/v1/spaces/${v1}/assets`);
    await call('PUT', `/api/v1/spaces/${v1}/assets/${acc.body.id as string}`, { json: { body: { class_id: 'c', property_map: { settings: { user: { value: 'u2' }, password: { value: '******', encrypted: true }, token: { value: '******', encrypted: true } } } } } });
    // A bad update naming a secret field: the error must not echo the value.
    await call('PUT', `/api/v1/spaces/${v1}/assets/${acc.body.id as string}`, { json: { body: { class_id: 'c', property_map: { settings: { password: { value: { nested: SECRETS[0] } } } } } } });

    const exp = await call('POST', `/api/v1/spaces/${v1}/exports`, { json: {} });
    await waitJob(exp.body.job_id as string);
    const archive = Buffer.from(await (await fetch(`${url}/api/v1/jobs/${exp.body.job_id as string}/archive`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer());
    seen.push(archive.toString('latin1'));

    const accounts = { accounts: [{ snode_id: acc.body.id, name: 'db', path: '/o/db', class_id: 'c', property_map: { settings: { user: { value: 'u' }, password: { value: SECRETS[2] }, token: { value: SECRETS[3] } } } }] };
    const dry = await call('POST', `/api/v1/spaces/${v2}/imports?dry_run=true`, { body: multipart({ package: archive }, { accounts }) });
    expect(dry.status).toBe(200);
    const imp = await call('POST', `/api/v1/spaces/${v2}/imports`, { body: multipart({ package: archive }, { accounts }) });
    expect((await waitJob(imp.body.job_id as string)).state).toBe('SUCCEEDED');
    // Refused: an override whose shape does not match, and one matching nothing.
    const badShape = { accounts: [{ ...accounts.accounts[0], property_map: { settings: { password: { value: SECRETS[2] }, extra_field: { value: SECRETS[2] } } } }] };
    const r1 = await call('POST', `/api/v1/spaces/${v2}/imports?policy=overwrite`, { body: multipart({ package: archive }, { accounts: badShape }) });
    await waitJob(r1.body.job_id as string);
    const r2 = await call('POST', `/api/v1/spaces/${v2}/imports`, { body: multipart({ package: archive }, { accounts: { accounts: [{ ...accounts.accounts[0], snode_id: 'f'.repeat(24) }] } }) });
    await waitJob(r2.body.job_id as string);
    const ev = await fetch(`${url}/api/v1/jobs/${imp.body.job_id as string}/events`, { headers: { authorization: `Bearer ${token}` } });
    seen.push(await ev.text());
    const jobs = await t.database.db.selectFrom('jobs').select(['params', 'result', 'reasons']).execute();
    seen.push(JSON.stringify(jobs));
    const audit = await t.database.db.selectFrom('audit_events').select('details').execute();
    seen.push(JSON.stringify(audit));

    const everything = seen.join('\n');
    expect(everything.length).toBeGreaterThan(10_000);
    for (const secret of SECRETS) expect(everything.includes(secret), `${secret} leaked`).toBe(false);
    // The secrets are really there, encrypted: the imported account decrypts to the override.
    expect(JSON.stringify(await t.database.db.selectFrom('assets').select('body').execute())).toContain('$ap1$');
  });
});
