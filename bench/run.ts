/**
 * The end-to-end benchmark (`npm run bench`): imports of 1,000 and 10,000 assets
 * (≈1.7 KB of JSON each) into an empty space and again over the full space (the update
 * path), a dry-run plan, an export of 10,000, the cost of Basic authentication next to
 * Bearer (1,000 GETs of one native route each), and — in a separate server process — the
 * import and export of a 1 GiB package of large files with the latency of /healthz and of
 * a Bearer GET meanwhile and the server's peak memory (bench/large-files.ts), and the
 * start-up time of the embedded default (bench/startup.ts). The first ones are measured
 * next to their floor in the same run:
 *   import floor = `unzip -p` of the same package + one transaction inserting the same
 *                  rows with a single `INSERT … SELECT FROM unnest(…)`;
 *   export floor = selecting the same rows + `zip -qr` of the same entries.
 * DATABASE_URL=postgres://… runs it on PostgreSQL (in a database it creates and drops);
 * otherwise on the embedded PGlite (start-up is always measured on PGlite). BENCH_QUICK=1
 * runs a reduced form (64 MiB of large files, fewer start-up rounds); BENCH_ONLY=a,b runs
 * only the named phases of: assets, large, startup; BENCH_SKIP_RSS=1 leaves out the
 * large-file phase.
 * Prints a table, then, as its last line, one JSON object with the figures.
 */
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import pg from 'pg';
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
import { sha256Hex } from '../src/core/json-text.js';
import { syntheticBodies } from './synthetic.js';
import { basicVsBearer } from './auth.js';
import { largeFilePhase, type Latencies } from './large-files.js';
import { BENCH_ADMIN } from './server-process.js';
import { startupFigures, startupTimes } from './startup.js';

const QUICK = process.env.BENCH_QUICK === '1';
const SIZES = QUICK ? [200, 1000] : [1000, 10_000];
const LARGE = SIZES[1]!;
const AUTH_GETS = QUICK ? 200 : 1000;
const BIG_FILES = QUICK ? { count: 4, bytes: 16 * 1024 * 1024 } : { count: 16, bytes: 64 * 1024 * 1024 - 4096 };
const STARTUP_ROUNDS = QUICK ? 3 : 7;
const PG_URL = process.env.DATABASE_URL;
const ADMIN = BENCH_ADMIN;
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const runs = (phase: 'assets' | 'large' | 'startup'): boolean => !ONLY || ONLY.includes(phase);
const work = mkdtempSync(join(tmpdir(), 'assetport-bench-'));
const rows: Array<[string, string]> = [];
const ms = (n: number) => `${n.toFixed(0)} ms`;
const now = () => performance.now();

async function freshPostgres(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `assetport_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
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

/** A multipart body streamed from a file. */
function multipartFromFile(path: string): { body: Readable; contentType: string; length: number } {
  const boundary = `bench${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="package"; filename="package.zip"\r\nContent-Type: application/zip\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* gen() {
    yield head;
    for await (const c of createReadStream(path, { highWaterMark: 1024 * 1024 })) yield c as Buffer;
    yield tail;
  }
  return { body: Readable.from(gen()), contentType: `multipart/form-data; boundary=${boundary}`, length: head.length + statSync(path).size + tail.length };
}

async function api(base: string, method: string, path: string, token: string, json?: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) }, body: json ? JSON.stringify(json) : undefined });
  const text = await r.text();
  if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

async function upload(base: string, token: string, space: string, file: string, query = ''): Promise<{ status: number; body: Record<string, unknown> }> {
  const mp = multipartFromFile(file);
  const r = await fetch(`${base}/api/v1/spaces/${space}/imports${query}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': mp.contentType, 'content-length': String(mp.length) }, body: mp.body, duplex: 'half' } as RequestInit);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function waitJob(base: string, token: string, id: string): Promise<Record<string, unknown>> {
  for (;;) {
    const j = await api(base, 'GET', `/api/v1/jobs/${id}`, token);
    if (j.state === 'SUCCEEDED') return j;
    if (j.state === 'FAILED' || j.state === 'CANCELLED') throw new Error(`job ${id} ${String(j.state)}: ${JSON.stringify(j.reasons)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function timedImport(base: string, token: string, space: string, file: string, query = ''): Promise<number> {
  const t = now();
  const r = await upload(base, token, space, file, query);
  if (r.status !== 202) throw new Error(`import: ${r.status} ${JSON.stringify(r.body)}`);
  await waitJob(base, token, r.body.job_id as string);
  return now() - t;
}

/** One transaction inserting the package's rows with a single INSERT … SELECT FROM unnest(…). */
async function insertFloor(database: Database, orgId: string, assets: PackageAssetInput[]): Promise<number> {
  const spaceId = newId32();
  await database.db.insertInto('spaces').values({ id: spaceId, org_id: orgId, kind: 'project', name: `floor-${spaceId}`, project_space: 'floor' }).execute();
  const bodies = assets.map((a) => JSON.stringify((a as { body: unknown }).body));
  const t = now();
  await database.db.transaction().execute(async (trx) => {
    await sql`INSERT INTO assets (id, space_id, type, name, body, refs, sha256, status)
      SELECT u.id, ${spaceId}, u.type, u.name, u.body::jsonb, '[]'::jsonb, u.sha, 'enabled'
      FROM unnest(${assets.map((a) => a.id)}::text[], ${assets.map((a) => a.type)}::text[], ${assets.map((a) => a.name)}::text[], ${bodies}::text[], ${bodies.map((b) => sha256Hex(b))}::text[]) AS u(id, type, name, body, sha)`.execute(trx);
  });
  const took = now() - t;
  await database.db.deleteFrom('spaces').where('id', '=', spaceId).execute();
  return took;
}

function time(cmd: string): number {
  const t = now();
  execSync(cmd, { stdio: 'ignore', shell: '/bin/bash' });
  return now() - t;
}

/** Imports, updates, dry runs and an export of many small assets, in this process, next to their floors. */
async function assetsPhase(out: Record<string, unknown>): Promise<void> {
  const pgDb = PG_URL ? await freshPostgres(PG_URL) : undefined;
  const database = await openDatabase(pgDb ? { databaseUrl: pgDb.url } : { pgliteDir: join(work, 'pgdata') });
  await migrate(database);
  const config = loadConfig({ LOG_LEVEL: 'silent', ASSETPORT_MAX_UPLOAD: '1100MiB', ASSETPORT_WORKER_POLL_MS: '10', ASSETPORT_DATA_DIR: work });
  const keyring = KeyRing.fromMasterKeys([randomBytes(32)]);
  const logger = pino({ level: 'silent' });
  await bootstrapAdmin(database.db, ADMIN.user, ADMIN.password);
  const worker = new Worker({ db: database.db, handlers: jobHandlers({ config, database, keyring, logger }), logger, leaseMs: 60_000, pollMs: 10 });
  const app = await buildApp({ config, database, keyring, logger, metrics: new Metrics(), onJobEnqueued: () => worker.poke() });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  worker.start();
  out.assets = LARGE;
  try {
    const token = ((await (await fetch(`${base}/api/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })).json()) as { token: string }).token;
    const org = (await api(base, 'POST', '/api/v1/orgs', token, { name: 'bench' })).id as string;
    await api(base, 'POST', '/api/v1/orgs/bench/apis', token, { name: 'A' });
    const auth = await basicVsBearer(`${base}/api/v1/orgs/bench`, ADMIN, token, AUTH_GETS);
    rows.push(...auth.rows);
    Object.assign(out, auth.json);
    let v = 0;
    const newVersion = async () => (await api(base, 'POST', '/api/v1/orgs/bench/apis/A/versions', token, { name: `v${++v}` })).space_id as string;

    for (const n of SIZES) {
      const first = pipelines(n, 42);
      const second: PackageAssetInput[] = first.map((a, i) => ({ id: newAssetId(), type: a.type, name: a.name, body: { ...(a as { body: Record<string, unknown> }).body, revision_note: `changed ${i}` } }));
      const f1 = join(work, `p${n}.zip`);
      const f2 = join(work, `p${n}-changed.zip`);
      await packageFile(f1, first);
      await packageFile(f2, second);
      const space = await newVersion();
      const imp = await timedImport(base, token, space, f1);
      const unzip = time(`unzip -p ${f1} > /dev/null`);
      const insert = await insertFloor(database, org, first);
      const floor = unzip + insert;
      const planStart = now();
      const dry = await upload(base, token, space, f2, '?dry_run=true&policy=overwrite');
      const planMs = now() - planStart;
      if (dry.status !== 200 || (dry.body.summary as { update: number }).update !== n) throw new Error(`dry run: ${dry.status} ${JSON.stringify(dry.body).slice(0, 300)}`);
      const upd = await timedImport(base, token, space, f2, '?policy=overwrite');
      rows.push([`import ${n} into an empty space (upload → SUCCEEDED)`, ms(imp)]);
      rows.push([`  floor: unzip -p ${ms(unzip)} + one unnest INSERT ${ms(insert)}`, ms(floor)]);
      rows.push([`  import / floor`, (imp / floor).toFixed(2)]);
      rows.push([`import ${n} again, changed bodies (update path)`, ms(upd)]);
      rows.push([`  update / floor`, (upd / floor).toFixed(2)]);
      rows.push([`plan (dry run) of ${n} against ${n} ${JSON.stringify(dry.body.timings_ms)}`, ms(planMs)]);
      rows.push([`  plan / import`, (planMs / imp).toFixed(2)]);
      if (n === LARGE) {
        Object.assign(out, {
          import_10000_ms: Math.round(imp),
          floor_10000_ms: Math.round(floor),
          import_10000_vs_floor: +(imp / floor).toFixed(2),
          update_10000_ms: Math.round(upd),
          update_10000_vs_floor: +(upd / floor).toFixed(2),
          plan_10000_ms: Math.round(planMs),
          plan_10000_vs_import: +(planMs / imp).toFixed(2),
        });
        // Export of the same space, against selecting its rows + zip -qr of the same entries.
        const t = now();
        const job = (await api(base, 'POST', `/api/v1/spaces/${space}/exports`, token, {})).job_id as string;
        await waitJob(base, token, job);
        const archive = await fetch(`${base}/api/v1/jobs/${job}/archive`, { headers: { authorization: `Bearer ${token}` } });
        const bytes = (await archive.arrayBuffer()).byteLength;
        const exp = now() - t;
        const expTimings = ((await api(base, 'GET', `/api/v1/jobs/${job}`, token)).result as { timings_ms?: unknown }).timings_ms;
        const s = now();
        const selected = await database.db.selectFrom('assets').select(['id', 'type', 'name', 'body']).where('space_id', '=', space).execute();
        const selectMs = now() - s;
        const tree = join(work, `tree${n}`);
        mkdirSync(join(tree, 'assets', 'Pipeline'), { recursive: true });
        for (const r of selected) writeFileSync(join(tree, 'assets', 'Pipeline', `${r.id}.json`), JSON.stringify(r.body));
        const zipMs = time(`cd ${tree} && zip -qr ../tree${n}.zip .`);
        const efloor = selectMs + zipMs;
        rows.push([`export ${n} (request → archive downloaded, ${(bytes / 1024 / 1024).toFixed(1)} MB) ${JSON.stringify(expTimings)}`, ms(exp)]);
        rows.push([`  floor: select ${ms(selectMs)} + zip -qr ${ms(zipMs)}`, ms(efloor)]);
        rows.push(['  export / floor', (exp / efloor).toFixed(2)]);
        Object.assign(out, { export_10000_ms: Math.round(exp), export_floor_10000_ms: Math.round(efloor), export_10000_vs_floor: +(exp / efloor).toFixed(2) });
      }
    }
  } finally {
    await app.close();
    await worker.stop(5000);
    await database.close();
    await pgDb?.drop();
  }
}

const lat = (l: Latencies): string => `p50 ${l.p50} / p99 ${l.p99} / max ${l.max} ms (${l.count}${l.failures ? `, ${l.failures} failed` : ''})`;

async function largePhase(out: Record<string, unknown>): Promise<void> {
  const pgDb = PG_URL ? await freshPostgres(PG_URL) : undefined;
  try {
    const f = await largeFilePhase(work, BIG_FILES, { importFile: timedImport, waitJob, api }, pgDb?.url);
    const mb = f.packageMiB.toFixed(0);
    rows.push([`import a ${mb} MiB package of ${BIG_FILES.count} files (server process)`, ms(f.importMs)]);
    rows.push(['  peak RSS of that server process', `${f.peakRssMb.toFixed(0)} MB`]);
    rows.push(['  /healthz meanwhile (every 20 ms)', lat(f.healthzDuringImport)]);
    rows.push(['  Bearer GET /api/v1/orgs meanwhile', lat(f.bearerDuringImport)]);
    rows.push([`export it again (request → archive downloaded)`, ms(f.exportMs)]);
    rows.push(['  /healthz meanwhile', lat(f.healthzDuringExport)]);
    rows.push(['  Bearer GET /api/v1/orgs meanwhile', lat(f.bearerDuringExport)]);
    Object.assign(out, {
      peak_rss_1gib_mb: Math.round(f.peakRssMb),
      big_package_mib: Math.round((BIG_FILES.count * BIG_FILES.bytes) / 1024 / 1024),
      big_import_ms: Math.round(f.importMs),
      big_export_ms: Math.round(f.exportMs),
      healthz_p99_during_import_ms: f.healthzDuringImport.p99,
      healthz_p99_during_export_ms: f.healthzDuringExport.p99,
      bearer_get_p99_during_import_ms: f.bearerDuringImport.p99,
      bearer_get_p99_during_export_ms: f.bearerDuringExport.p99,
    });
  } finally {
    await pgDb?.drop();
  }
}

async function startupPhase(out: Record<string, unknown>): Promise<void> {
  const t = await startupTimes(work, STARTUP_ROUNDS);
  const f = startupFigures(t);
  rows.push([`start on a new data directory until /healthz answers (PGlite, median of ${t.firstMs.length}) ${JSON.stringify(t.firstMs.map(Math.round))}`, ms(f.startup_first_ms)]);
  rows.push([`start again on it (median of ${t.againMs.length}) ${JSON.stringify(t.againMs.map(Math.round))}`, ms(f.startup_again_ms)]);
  Object.assign(out, f);
}

async function main(): Promise<void> {
  const out: Record<string, unknown> = { db: PG_URL ? 'postgres' : 'pglite', quick: QUICK };
  if (runs('assets')) await assetsPhase(out);
  if (runs('large') && process.env.BENCH_SKIP_RSS !== '1') await largePhase(out);
  if (runs('startup')) await startupPhase(out);
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`assetport benchmark on ${String(out.db)}${QUICK ? ' (quick)' : ''}`);
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v.padStart(10)}`);
  console.log(JSON.stringify(out));
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
