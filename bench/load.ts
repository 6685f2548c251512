/**
 * `npm run bench:load`: many assetport processes on one PostgreSQL (a throwaway server the
 * harness starts itself). Two HTTP-only processes and first one, then two worker processes
 * of the built package; 1,000 small imports (10 assets each) per phase across 100 orgs,
 * each org's user uploading its next package as soon as its last import ended (a user has
 * one asset job at a time), each through one HTTP process and followed to its end through
 * the event stream of the other. Prints jobs/s and the upload → SUCCEEDED latencies, then
 * checks in the database that every job ran exactly once (SUCCEEDED at its first attempt)
 * and every space holds exactly the assets imported into it. The last line is JSON.
 *
 * BENCH_QUICK=1: 40 imports across 8 orgs per phase (a few seconds). BENCH_LOAD_IMPORTS,
 * BENCH_LOAD_ORGS override the counts; BENCH_LOAD_ENV (JSON) adds ASSETPORT_* settings to
 * every process; BENCH_PG_SETTINGS (JSON) PostgreSQL settings (e.g. {"synchronous_commit":"off"}).
 */
import { startCluster, ensureBuild, migrateDatabase, type Cluster } from './cluster.js';
import { followJob, jobOutcomes, makeSpace, makeTenants, percentile, smallPackage, spaceContents, upload, type Tenant } from './load-setup.js';
import { cpuLine, startMeters, statementReport, statementSettings } from './load-measure.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres.js';

const QUICK = process.env.BENCH_QUICK === '1';
const IMPORTS = Number(process.env.BENCH_LOAD_IMPORTS ?? (QUICK ? 40 : 1000));
const ORGS = Number(process.env.BENCH_LOAD_ORGS ?? (QUICK ? 8 : 100));
const ASSETS = 10;
// The per-user upload limit is for people; this harness's users upload as fast as their jobs end.
const ENV = { ASSETPORT_UPLOADS_PER_MINUTE: '0', ...(JSON.parse(process.env.BENCH_LOAD_ENV ?? '{}') as Record<string, string>) };

interface PhaseResult {
  workers: number;
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

/** One phase: every tenant imports its share of the packages into a new space of its own. */
async function phase(cluster: Cluster, pgServer: ThrowawayPostgres, tenants: Tenant[], workers: number): Promise<PhaseResult> {
  const databaseUrl = pgServer.url;
  const http = cluster.http.map((p) => p.base!);
  const spaces = await Promise.all(tenants.map((t) => makeSpace(http[0]!, t, `load-${workers}w`)));
  const perTenant = tenants.map((_, i) => Math.floor(IMPORTS / tenants.length) + (i < IMPORTS % tenants.length ? 1 : 0));
  const packages = await Promise.all(perTenant.map((n) => Promise.all(Array.from({ length: n }, () => smallPackage(ASSETS)))));
  const latencies: number[] = [];
  const jobs: string[] = [];
  const problems: string[] = [];
  const meters = await startMeters(cluster, pgServer);
  const t0 = performance.now();
  await Promise.all(
    tenants.map(async (t, i) => {
      for (const [k, pkg] of packages[i]!.entries()) {
        const start = performance.now();
        const up = await upload(http[(i + k) % http.length]!, t.token, spaces[i]!, pkg.zip);
        if (!up.jobId) {
          problems.push(`upload refused: ${up.status} ${JSON.stringify(up.body)}`);
          continue;
        }
        jobs.push(up.jobId);
        const state = await followJob(http[(i + k + 1) % http.length]!, t.token, up.jobId);
        latencies.push(performance.now() - start);
        if (state !== 'SUCCEEDED') problems.push(`job ${up.jobId} ended ${String(state)}`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = meters.cpuPerJob(jobs.length);
  const statements = await statementReport(databaseUrl, jobs.length);
  const outcomes = await jobOutcomes(databaseUrl, jobs);
  const once = jobs.filter((id) => outcomes.get(id)?.state === 'SUCCEEDED' && outcomes.get(id)?.attempts === 1);
  const contents = await spaceContents(databaseUrl, spaces);
  let spacesExact = true;
  tenants.forEach((_, i) => {
    const want = new Set(packages[i]!.flatMap((p) => p.names));
    const got = contents.get(spaces[i]!)!;
    if (got.size !== want.size || [...want].some((n) => !got.has(n))) {
      spacesExact = false;
      problems.push(`space ${spaces[i]} holds ${got.size} assets, expected ${want.size}`);
    }
  });
  const runMs = [...outcomes.values()].map((o) => o.run_ms).sort((a, b) => a - b);
  return { workers, jobsPerSecond: jobs.length / seconds, latencies: latencies.sort((a, b) => a - b), runMs, exactlyOnce: once.length === jobs.length && jobs.length === IMPORTS, spacesExact, problems, cpu, statements };
}

async function main(): Promise<void> {
  await ensureBuild();
  const pgServer = await startThrowawayPostgres({ ...statementSettings(), ...(JSON.parse(process.env.BENCH_PG_SETTINGS ?? '{}') as Record<string, string>) });
  let cluster: Cluster | undefined;
  try {
    migrateDatabase(pgServer.url);
    cluster = startCluster(pgServer.url, ENV);
    await Promise.all([cluster.add('http'), cluster.add('http')]);
    const tenants = await makeTenants(cluster.http[0]!.base!, pgServer.url, ORGS);
    console.log(`${IMPORTS} imports of ${ASSETS} assets per phase, ${ORGS} orgs, 2 HTTP processes, PostgreSQL on port ${pgServer.port}`);
    const results: PhaseResult[] = [];
    for (const workers of [1, 2]) {
      while (cluster.workers.length < workers) await cluster.add('worker');
      const r = await phase(cluster, pgServer, tenants, workers);
      results.push(r);
      const l = r.latencies;
      console.log(
        `${workers} worker(s): ${r.jobsPerSecond.toFixed(1)} jobs/s; upload → SUCCEEDED p50 ${percentile(l, 0.5)} ms, p95 ${percentile(l, 0.95)} ms, p99 ${percentile(l, 0.99)} ms; a job from claim to end p50 ${percentile(r.runMs, 0.5)} ms, p95 ${percentile(r.runMs, 0.95)} ms; exactly once: ${r.exactlyOnce}; spaces exact: ${r.spacesExact}`,
      );
      console.log(`  ${cpuLine(r.cpu)}`);
      for (const line of r.statements) console.log(`  ${line}`);
      for (const p of r.problems.slice(0, 10)) console.log(`  problem: ${p}`);
    }
    const two = results[1]!;
    console.log(
      JSON.stringify({
        jobs_per_s_1_worker: Number(results[0]!.jobsPerSecond.toFixed(1)),
        jobs_per_s_2_workers: Number(two.jobsPerSecond.toFixed(1)),
        p50_ms: percentile(two.latencies, 0.5),
        p95_ms: percentile(two.latencies, 0.95),
        p99_ms: percentile(two.latencies, 0.99),
        ran_exactly_once: results.every((r) => r.exactlyOnce && r.spacesExact),
      }),
    );
    if (!results.every((r) => r.exactlyOnce && r.spacesExact)) process.exitCode = 1;
  } finally {
    await cluster?.stop();
    await pgServer.stop();
  }
}

await main();
