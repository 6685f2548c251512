/**
 * The many-small-assets phase, in this process: imports of 1,000 and 10,000 pipelines
 * (≈1.7 KB of JSON each) into an empty space and again with changed bodies (the update
 * path), a dry-run plan, an export of 10,000, and Basic vs Bearer authentication. Every
 * timed step runs ROUNDS times (each import into a space of its own) and reports the
 * median, next to its floors (floors.ts) measured as often in the same run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { loadConfig } from '../src/config/config.js';
import { newAssetId, newId32 } from '../src/core/ids.js';
import { buildApp } from '../src/http/app.js';
import { Metrics } from '../src/http/metrics.js';
import { jobHandlers } from '../src/jobs/handlers.js';
import { Worker } from '../src/jobs/worker.js';
import { writePackage, type PackageAssetInput } from '../src/package/package-writer.js';
import { KeyRing } from '../src/secrets/key-ring.js';
import { bootstrapAdmin } from '../src/service/users.js';
import { openDatabase, type Database } from '../src/store/database.js';
import { migrate } from '../src/store/migrate.js';
import { basicVsBearer } from './auth.js';
import { bareInsertFloor, insertFloor, timeCommand } from './floors.js';
import { api, timedImport, upload, waitJob } from './http.js';
import { freshPostgres } from './pg.js';
import { BENCH_ADMIN } from './server-process.js';
import { median, ms, repeat, roundsOf, ROUNDS } from './stats.js';
import { syntheticBodies } from './synthetic.js';

export interface AssetsPhaseOptions {
  work: string;
  sizes: number[];
  authGets: number;
  pgUrl: string | undefined;
}

type Rows = Array<[string, string]>;

interface Ctx {
  base: string;
  token: string;
  orgId: string;
  database: Database;
  work: string;
  newVersion(): Promise<string>;
}

async function packageFile(path: string, assets: PackageAssetInput[]): Promise<void> {
  const chunks: Buffer[] = [];
  await writePackage((c) => void chunks.push(Buffer.from(c)), { kind: 'api_version', source: { org_id: newId32(), org_name: 'bench', space_id: newId32(), space_name: 'A/1', kind: 'api_version' }, assets });
  writeFileSync(path, Buffer.concat(chunks));
}

function pipelines(n: number, seed: number): PackageAssetInput[] {
  const body = syntheticBodies(seed);
  return Array.from({ length: n }, (_, i) => ({ id: newAssetId(), type: 'Pipeline' as const, name: `pipeline ${i}`, body: body(i) }));
}

/** Import, floors, dry run and update of n assets, ROUNDS times; the rows and figures; the last space. */
async function measureSize(c: Ctx, n: number, rows: Rows): Promise<{ space: string; figures: Record<string, number> }> {
  const first = pipelines(n, 42);
  const second: PackageAssetInput[] = first.map((a, i) => ({ id: newAssetId(), type: a.type, name: a.name, body: { ...(a as { body: Record<string, unknown> }).body, revision_note: `changed ${i}` } }));
  const f1 = join(c.work, `p${n}.zip`);
  const f2 = join(c.work, `p${n}-changed.zip`);
  await packageFile(f1, first);
  await packageFile(f2, second);
  let space = '';
  let planTimings: unknown;
  const r = await repeat(async () => {
    space = await c.newVersion();
    const imp = await timedImport(c.base, c.token, space, f1);
    const unzip = timeCommand(`unzip -p ${f1} > /dev/null`);
    const insert = await insertFloor(c.database, c.orgId, first);
    const bare = await bareInsertFloor(c.database, first);
    const planStart = performance.now();
    const dry = await upload(c.base, c.token, space, f2, '?dry_run=true&policy=overwrite');
    const plan = performance.now() - planStart;
    if (dry.status !== 200 || (dry.body.summary as { update: number }).update !== n) throw new Error(`dry run: ${dry.status} ${JSON.stringify(dry.body).slice(0, 300)}`);
    planTimings = dry.body.timings_ms;
    const upd = await timedImport(c.base, c.token, space, f2, '?policy=overwrite');
    return { imp, unzip, insert, bare, plan, upd };
  });
  const m = (k: keyof (typeof r)[number]) => median(r.map((x) => x[k]));
  const all = (k: keyof (typeof r)[number]) => roundsOf(r.map((x) => x[k]));
  const floor = m('unzip') + m('insert');
  const bareFloor = m('unzip') + m('bare');
  rows.push([`import ${n} into an empty space (upload → SUCCEEDED) ${all('imp')}`, ms(m('imp'))]);
  rows.push([`  floor: unzip -p ${ms(m('unzip'))} + one unnest INSERT into assets ${ms(m('insert'))}`, ms(floor)]);
  rows.push([`  bare floor: unzip -p + (type, name, jsonb) into an unindexed table ${ms(m('bare'))}`, ms(bareFloor)]);
  rows.push([`  import / floor (/ bare floor ${(m('imp') / bareFloor).toFixed(2)})`, (m('imp') / floor).toFixed(2)]);
  rows.push([`import ${n} again, changed bodies (update path) ${all('upd')}`, ms(m('upd'))]);
  rows.push([`  update / floor`, (m('upd') / floor).toFixed(2)]);
  rows.push([`plan (dry run) of ${n} against ${n} ${all('plan')} ${JSON.stringify(planTimings)}`, ms(m('plan'))]);
  rows.push([`  plan / import`, (m('plan') / m('imp')).toFixed(2)]);
  const figures = {
    [`import_${n}_ms`]: Math.round(m('imp')),
    [`floor_${n}_ms`]: Math.round(floor),
    [`bare_floor_${n}_ms`]: Math.round(bareFloor),
    [`import_${n}_vs_floor`]: +(m('imp') / floor).toFixed(2),
    [`import_${n}_vs_bare_floor`]: +(m('imp') / bareFloor).toFixed(2),
    [`update_${n}_ms`]: Math.round(m('upd')),
    [`update_${n}_vs_floor`]: +(m('upd') / floor).toFixed(2),
    [`plan_${n}_ms`]: Math.round(m('plan')),
    [`plan_${n}_vs_import`]: +(m('plan') / m('imp')).toFixed(2),
  };
  return { space, figures };
}

/** Export of the space, ROUNDS times, against selecting its rows + `zip -qr` of the same entries. */
async function measureExport(c: Ctx, space: string, n: number, rows: Rows): Promise<Record<string, number>> {
  let bytes = 0;
  let timings: unknown;
  const r = await repeat(async (round) => {
    const t = performance.now();
    const job = (await api(c.base, 'POST', `/api/v1/spaces/${space}/exports`, c.token, {})).job_id as string;
    await waitJob(c.base, c.token, job);
    const archive = await fetch(`${c.base}/api/v1/jobs/${job}/archive`, { headers: { authorization: `Bearer ${c.token}` } });
    bytes = (await archive.arrayBuffer()).byteLength;
    const exp = performance.now() - t;
    timings = ((await api(c.base, 'GET', `/api/v1/jobs/${job}`, c.token)).result as { timings_ms?: unknown }).timings_ms;
    const s = performance.now();
    const selected = await c.database.db.selectFrom('assets').select(['id', 'type', 'name', 'body']).where('space_id', '=', space).execute();
    const select = performance.now() - s;
    const tree = join(c.work, `tree${n}-${round}`);
    mkdirSync(join(tree, 'assets', 'Pipeline'), { recursive: true });
    for (const a of selected) writeFileSync(join(tree, 'assets', 'Pipeline', `${a.id}.json`), JSON.stringify(a.body));
    const zip = timeCommand(`cd ${tree} && zip -qr ../tree${n}-${round}.zip .`);
    return { exp, select, zip };
  });
  const exp = median(r.map((x) => x.exp));
  const select = median(r.map((x) => x.select));
  const zip = median(r.map((x) => x.zip));
  const floor = select + zip;
  rows.push([`export ${n} (request → archive downloaded, ${(bytes / 1024 / 1024).toFixed(1)} MB) ${roundsOf(r.map((x) => x.exp))} ${JSON.stringify(timings)}`, ms(exp)]);
  rows.push([`  floor: select ${ms(select)} + zip -qr ${ms(zip)}`, ms(floor)]);
  rows.push(['  export / floor', (exp / floor).toFixed(2)]);
  return { [`export_${n}_ms`]: Math.round(exp), [`export_floor_${n}_ms`]: Math.round(floor), [`export_${n}_vs_floor`]: +(exp / floor).toFixed(2) };
}

export async function assetsPhase(o: AssetsPhaseOptions, rows: Rows, out: Record<string, unknown>): Promise<void> {
  const pgDb = o.pgUrl ? await freshPostgres(o.pgUrl) : undefined;
  const database = await openDatabase(pgDb ? { databaseUrl: pgDb.url } : { pgliteDir: join(o.work, 'pgdata') });
  await migrate(database);
  const config = loadConfig({ LOG_LEVEL: 'silent', ASSETPORT_MAX_UPLOAD: '1100MiB', ASSETPORT_WORKER_POLL_MS: '10', ASSETPORT_DATA_DIR: o.work });
  const keyring = KeyRing.fromMasterKeys([randomBytes(32)]);
  const logger = pino({ level: 'silent' });
  await bootstrapAdmin(database.db, BENCH_ADMIN.user, BENCH_ADMIN.password);
  const worker = new Worker({ db: database.db, handlers: jobHandlers({ config, database, keyring, logger }), logger, leaseMs: 60_000, pollMs: 10 });
  const app = await buildApp({ config, database, keyring, logger, metrics: new Metrics(), onJobEnqueued: () => worker.poke() });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  worker.start();
  const large = o.sizes[o.sizes.length - 1]!;
  Object.assign(out, { assets: large, rounds: ROUNDS });
  try {
    const token = ((await (await fetch(`${base}/api/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(BENCH_ADMIN) })).json()) as { token: string }).token;
    const orgId = (await api(base, 'POST', '/api/v1/orgs', token, { name: 'bench' })).id as string;
    await api(base, 'POST', '/api/v1/orgs/bench/apis', token, { name: 'A' });
    const auth = await basicVsBearer(`${base}/api/v1/orgs/bench`, BENCH_ADMIN, token, o.authGets);
    rows.push(...auth.rows);
    Object.assign(out, auth.json);
    let v = 0;
    const c: Ctx = { base, token, orgId, database, work: o.work, newVersion: async () => (await api(base, 'POST', '/api/v1/orgs/bench/apis/A/versions', token, { name: `v${++v}` })).space_id as string };
    for (const n of o.sizes) {
      const { space, figures } = await measureSize(c, n, rows);
      // The JSON line carries the figures of the largest size under their fixed names.
      if (n === large) Object.assign(out, renameLarge(figures, n), renameLarge(await measureExport(c, space, n, rows), n));
    }
  } finally {
    await app.close();
    await worker.stop(5000);
    await database.close();
    await pgDb?.drop();
  }
}

/** `import_1000_ms` → `import_10000_ms` in the quick form, so the JSON keys stay the same. */
const renameLarge = (f: Record<string, number>, n: number): Record<string, number> => Object.fromEntries(Object.entries(f).map(([k, v]) => [k.replace(`_${n}_`, '_10000_'), v]));
