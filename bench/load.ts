/**
 * `npm run bench:load`: many assetport processes on one PostgreSQL (a throwaway server the
 * harness starts itself). Two HTTP-only processes and first one, then two worker processes
 * of the built package; 1,000 small imports (10 assets each) across 100 orgs per phase,
 * each uploaded through one HTTP process and followed to its end through the event stream
 * of the other. Three phases:
 *
 * - throughput, 1 worker and 2 workers: a closed loop — each org's user uploads its next
 *   package as soon as its last import ended (a user has one asset job at a time), so the
 *   service is kept saturated; jobs/s. Its latencies are those of a 100-deep queue (by
 *   Little's law p50 ≈ 100 / throughput) and are printed for reference only.
 * - latency, 2 workers: an open loop — imports arrive at a fixed rate (BENCH_LOAD_RATE,
 *   default 150/s), each given to a user who has no import running; the latency of each is
 *   measured from its scheduled arrival (waiting for a free user counts) to its `done`
 *   event: p50/p95/p99 at that rate.
 *
 * Each phase then checks in the database that every job ran exactly once (SUCCEEDED at its
 * first attempt) and every space holds exactly the assets imported into it, and prints the
 * CPU each process group used per job. The last line is JSON.
 *
 * BENCH_QUICK=1: 40 imports across 8 orgs per phase, the latency phase at 20/s (a few
 * seconds). BENCH_LOAD_IMPORTS, BENCH_LOAD_ORGS, BENCH_LOAD_RATE override; BENCH_LOAD_ENV
 * (JSON) adds ASSETPORT_* settings to every process; BENCH_PG_SETTINGS (JSON) PostgreSQL
 * settings (e.g. {"synchronous_commit":"off"}); BENCH_LOAD_STATEMENTS=1 counts the SQL
 * statements per job; BENCH_NODE_ARGS passes node options to every process (--cpu-prof).
 */
import { startCluster, ensureBuild, migrateDatabase, type Cluster } from './cluster.js';
import { jobOutcomes, makeSpace, makeTenants, percentile, smallPackage, spaceContents, type Tenant } from './load-setup.js';
import { followEvents, prepareUpload, uploadPrepared, type PreparedUpload } from './load-http.js';
import { cpuLine, startMeters, statementReport, statementSettings } from './load-measure.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres.js';

const QUICK = process.env.BENCH_QUICK === '1';
const IMPORTS = Number(process.env.BENCH_LOAD_IMPORTS ?? (QUICK ? 40 : 1000));
const ORGS = Number(process.env.BENCH_LOAD_ORGS ?? (QUICK ? 8 : 100));
const RATE = Number(process.env.BENCH_LOAD_RATE ?? (QUICK ? 20 : 150));
const ASSETS = 10;
// The per-user upload limit is for people; this harness's users upload as fast as their jobs end.
const ENV = { ASSETPORT_UPLOADS_PER_MINUTE: '0', ...(JSON.parse(process.env.BENCH_LOAD_ENV ?? '{}') as Record<string, string>) };

interface Work {
  tenant: number;
  upload: PreparedUpload;
  names: string[];
}

interface PhaseResult {
  name: string;
  jobsPerSecond: number;
  latencies: number[];
  /** Each job's time from claim to end (in the worker, database writes included). */
  runMs: number[];
  exactlyOnce: boolean;
  spacesExact: boolean;
  problems: string[];
  /** CPU milliseconds per job by process group. */
  cpu: Record<string, number>;
  statements: string[];
}

interface Env {
  cluster: Cluster;
  pgServer: ThrowawayPostgres;
  tenants: Tenant[];
}

/** `count` packages, each for a tenant in turn, with their upload bodies built (before any timing). */
async function makeWork(tenants: Tenant[], count: number): Promise<Work[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const pkg = await smallPackage(ASSETS);
      return { tenant: i % tenants.length, upload: prepareUpload(pkg.zip), names: pkg.names };
    }),
  );
}

/** Uploads one import through one HTTP process and follows it through the other; pushes its job id. */
async function runOne(env: Env, spaces: string[], w: Work, k: number, jobs: string[], problems: string[]): Promise<void> {
  const http = env.cluster.http;
  const t = env.tenants[w.tenant]!;
  const up = await uploadPrepared(http[(w.tenant + k) % http.length]!.base!, t.token, spaces[w.tenant]!, w.upload);
  if (!up.jobId) return void problems.push(`upload refused: ${up.status} ${JSON.stringify(up.body)}`);
  jobs.push(up.jobId);
  const state = await followEvents(http[(w.tenant + k + 1) % http.length]!.base!, t.token, up.jobId);
  if (state !== 'SUCCEEDED') problems.push(`job ${up.jobId} ended ${String(state)}`);
}

/** Closed loop: every tenant imports its share, one after another. */
async function closedLoop(env: Env, spaces: string[], work: Work[], latencies: number[], jobs: string[], problems: string[]): Promise<void> {
  await Promise.all(
    env.tenants.map(async (_, i) => {
      for (const [k, w] of work.filter((x) => x.tenant === i).entries()) {
        const start = performance.now();
        await runOne(env, spaces, w, k, jobs, problems);
        latencies.push(performance.now() - start);
      }
    }),
  );
}

/** Open loop: an import arrives every 1/RATE s and goes to a user with nothing running (waiting for one counts). */
async function openLoop(env: Env, spaces: string[], work: Work[], latencies: number[], jobs: string[], problems: string[]): Promise<void> {
  const free = env.tenants.map((_, i) => i);
  const waiting: Array<(tenant: number) => void> = [];
  const takeUser = (): Promise<number> => (free.length ? Promise.resolve(free.shift()!) : new Promise((r) => waiting.push(r)));
  const giveBack = (i: number) => (waiting.length ? waiting.shift()!(i) : free.push(i));
  const t0 = performance.now();
  const running: Promise<void>[] = [];
  for (const [k, w] of work.entries()) {
    const due = t0 + (k * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    running.push(
      (async () => {
        const tenant = await takeUser();
        w.tenant = tenant; // its space is that user's
        try {
          await runOne(env, spaces, w, k, jobs, problems);
        } finally {
          giveBack(tenant);
        }
        latencies.push(performance.now() - due);
      })(),
    );
  }
  await Promise.all(running);
}

/** The phase's outcome in the database: every job once, every space exactly the assets of the packages it was given. */
async function check(env: Env, spaces: string[], work: Work[], jobs: string[], problems: string[]): Promise<{ exactlyOnce: boolean; spacesExact: boolean; runMs: number[] }> {
  const url = env.pgServer.url;
  const outcomes = await jobOutcomes(url, jobs);
  const once = jobs.filter((id) => outcomes.get(id)?.state === 'SUCCEEDED' && outcomes.get(id)?.attempts === 1);
  const contents = await spaceContents(url, spaces);
  const want = new Map<string, Set<string>>(spaces.map((s) => [s, new Set()]));
  for (const w of work) for (const n of w.names) want.get(spaces[w.tenant]!)!.add(n);
  let spacesExact = true;
  for (const s of spaces) {
    const got = contents.get(s)!;
    const expected = want.get(s)!;
    if (got.size !== expected.size || [...expected].some((n) => !got.has(n))) {
      spacesExact = false;
      problems.push(`space ${s} holds ${got.size} assets, expected ${expected.size}`);
    }
  }
  const runMs = [...outcomes.values()].map((o) => o.run_ms).sort((a, b) => a - b);
  return { exactlyOnce: once.length === jobs.length && jobs.length === work.length, spacesExact, runMs };
}

async function phase(env: Env, name: string, slug: string, open: boolean): Promise<PhaseResult> {
  const spaces = await Promise.all(env.tenants.map((t) => makeSpace(env.cluster.http[0]!.base!, t, `load-${slug}`)));
  const work = await makeWork(env.tenants, IMPORTS);
  const latencies: number[] = [];
  const jobs: string[] = [];
  const problems: string[] = [];
  const meters = await startMeters(env.cluster, env.pgServer);
  const t0 = performance.now();
  await (open ? openLoop : closedLoop)(env, spaces, work, latencies, jobs, problems);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = meters.cpuPerJob(jobs.length);
  const statements = await statementReport(env.pgServer.url, jobs.length);
  const checked = await check(env, spaces, work, jobs, problems);
  return { name, jobsPerSecond: jobs.length / seconds, latencies: latencies.sort((a, b) => a - b), ...checked, problems, cpu, statements };
}

function report(r: PhaseResult): void {
  const l = r.latencies;
  console.log(
    `${r.name}: ${r.jobsPerSecond.toFixed(1)} jobs/s; upload → SUCCEEDED p50 ${percentile(l, 0.5)} ms, p95 ${percentile(l, 0.95)} ms, p99 ${percentile(l, 0.99)} ms; a job from claim to end p50 ${percentile(r.runMs, 0.5)} ms, p95 ${percentile(r.runMs, 0.95)} ms; exactly once: ${r.exactlyOnce}; spaces exact: ${r.spacesExact}`,
  );
  console.log(`  ${cpuLine(r.cpu)}`);
  for (const line of r.statements) console.log(`  ${line}`);
  for (const p of r.problems.slice(0, 10)) console.log(`  problem: ${p}`);
}

const began = performance.now();
const elapsed = (): string => `${((performance.now() - began) / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  await ensureBuild();
  console.log(`[${elapsed()}] build checked`);
  const pgServer = await startThrowawayPostgres({ ...statementSettings(), ...(JSON.parse(process.env.BENCH_PG_SETTINGS ?? '{}') as Record<string, string>) });
  let cluster: Cluster | undefined;
  try {
    console.log(`[${elapsed()}] PostgreSQL started`);
    migrateDatabase(pgServer.url);
    console.log(`[${elapsed()}] migrated`);
    cluster = startCluster(pgServer.url, ENV);
    await Promise.all([cluster.add('http'), cluster.add('http'), cluster.add('worker')]);
    const env: Env = { cluster, pgServer, tenants: await makeTenants(cluster.http[0]!.base!, pgServer.url, ORGS) };
    console.log(`[${elapsed()}] ${IMPORTS} imports of ${ASSETS} assets per phase, ${ORGS} orgs, 2 HTTP processes, PostgreSQL on port ${pgServer.port}`);
    const one = await phase(env, 'throughput, 1 worker (closed loop)', '1w', false);
    report(one);
    await cluster.add('worker');
    const two = await phase(env, 'throughput, 2 workers (closed loop)', '2w', false);
    report(two);
    const lat = await phase(env, `latency, 2 workers, imports offered at ${RATE}/s (open loop)`, 'rate', true);
    report(lat);
    const all = [one, two, lat];
    const ok = all.every((r) => r.exactlyOnce && r.spacesExact);
    console.log(
      JSON.stringify({
        jobs_per_s_1_worker: Number(one.jobsPerSecond.toFixed(1)),
        jobs_per_s_2_workers: Number(two.jobsPerSecond.toFixed(1)),
        p50_ms: percentile(lat.latencies, 0.5),
        p95_ms: percentile(lat.latencies, 0.95),
        p99_ms: percentile(lat.latencies, 0.99),
        latency_at_jobs_per_s: RATE,
        latency_achieved_jobs_per_s: Number(lat.jobsPerSecond.toFixed(1)),
        closed_loop_p99_ms: percentile(two.latencies, 0.99),
        cpu_ms_per_job: Number(two.cpu.total!.toFixed(1)),
        ran_exactly_once: ok,
      }),
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await cluster?.stop();
    await pgServer.stop();
    console.error(`[${elapsed()}] stopped`);
  }
}

await main();
