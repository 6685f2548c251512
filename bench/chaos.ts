/**
 * `npm run bench:chaos`: imports under faults. Two HTTP-only and two worker processes of
 * the built package on a throwaway PostgreSQL (the harness's own). While users import
 * (each its own space, one import at a time, through any live HTTP process, retrying when
 * a process is gone), a random process is SIGKILLed and started again, 50 times; halfway
 * the database server itself is stopped at once (as in a crash) and started again — the
 * processes are not restarted for it. Then, from the database:
 *
 * - stuck: acknowledged jobs (answered 202 with a job id) not SUCCEEDED or FAILED in the end;
 * - lost: acknowledged jobs the database does not have;
 * - partial: imports whose assets are in their space only in part (or those of a failed
 *   one at all): every space must hold exactly the assets of its succeeded imports.
 *
 * The last line is JSON: kills, jobs, stuck, partial, lost, db_restarts. BENCH_QUICK=1:
 * 10 kills and the restart, in well under a minute.
 */
import { ensureBuild, migrateDatabase, startCluster, type Cluster } from './cluster.js';
import { jobOutcomes, makeSpace, makeTenants, smallPackage, spaceContents, upload, type Tenant } from './load-setup.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres.js';

const QUICK = process.env.BENCH_QUICK === '1';
const KILLS = QUICK ? 10 : 50;
const ORGS = QUICK ? 4 : 12;
const ASSETS = 10;
const KILL_EVERY_MS = QUICK ? 250 : 500;
/** How long a job may take to end once acknowledged (leases of 3 s, restarts, retries). */
const JOB_DEADLINE_MS = 120_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

interface Acked {
  id: string;
  space: string;
  names: string[];
}

interface Run {
  acked: Acked[];
  spaces: string[];
  chaosDone: boolean;
}

/** The job's state through any live HTTP process, until it has ended or the deadline passed. */
async function waitEnded(cluster: Cluster, t: Tenant, id: string): Promise<boolean> {
  const end = Date.now() + JOB_DEADLINE_MS;
  while (Date.now() < end) {
    try {
      const r = await fetch(`${pick(cluster.http).base}/api/v1/jobs/${id}`, { headers: { authorization: `Bearer ${t.token}` } });
      if (r.status === 200) {
        const state = ((await r.json()) as { state: string }).state;
        if (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED') return true;
      }
    } catch {
      // that process is gone (killed) or the database restarts: ask again
    }
    await sleep(100);
  }
  return false;
}

/** One user's imports, one at a time, until the chaos is over (and at least two). */
async function importLoop(cluster: Cluster, t: Tenant, space: string, run: Run): Promise<void> {
  let done = 0;
  while (!run.chaosDone || done < 2) {
    const pkg = await smallPackage(ASSETS);
    let jobId: string | undefined;
    while (!jobId) {
      try {
        const up = await upload(pick(cluster.http).base!, t.token, space, pkg.zip);
        if (up.jobId) jobId = up.jobId;
        else if (up.status === 409) return; // an earlier job of this user never ended: counted as stuck
      } catch {
        // not acknowledged: the process died under it, or the database restarts; try again (another package id is fine)
      }
      if (!jobId) await sleep(100);
    }
    run.acked.push({ id: jobId, space, names: pkg.names });
    if (!(await waitEnded(cluster, t, jobId))) return;
    done++;
  }
}

async function chaos(cluster: Cluster, pgServer: ThrowawayPostgres, run: Run): Promise<{ kills: number; dbRestarts: number }> {
  let kills = 0;
  let dbRestarts = 0;
  while (kills < KILLS) {
    await sleep(KILL_EVERY_MS * (0.5 + Math.random()));
    if (kills === Math.floor(KILLS / 2) && dbRestarts === 0) {
      await pgServer.restart();
      dbRestarts++;
      console.log(`restarted PostgreSQL (${run.acked.length} imports acknowledged so far)`);
    }
    const victim = pick([...cluster.http, ...cluster.workers]);
    await cluster.killAndRestart(victim);
    kills++;
  }
  run.chaosDone = true;
  return { kills, dbRestarts };
}

async function main(): Promise<void> {
  await ensureBuild();
  const pgServer = await startThrowawayPostgres();
  let cluster: Cluster | undefined;
  try {
    migrateDatabase(pgServer.url);
    cluster = startCluster(pgServer.url, { ASSETPORT_JOB_LEASE_SECONDS: '3', ASSETPORT_JOB_MAX_ATTEMPTS: '10', ASSETPORT_WORKER_POLL_MS: '500', ASSETPORT_SHUTDOWN_GRACE_SECONDS: '2', ASSETPORT_UPLOADS_PER_MINUTE: '0' });
    await Promise.all([cluster.add('http'), cluster.add('http'), cluster.add('worker'), cluster.add('worker')]);
    const base = cluster.http[0]!.base!;
    const tenants = await makeTenants(base, pgServer.url, ORGS);
    const run: Run = { acked: [], spaces: await Promise.all(tenants.map((t) => makeSpace(base, t, 'chaos'))), chaosDone: false };
    const t0 = performance.now();
    const [{ kills, dbRestarts }] = await Promise.all([chaos(cluster, pgServer, run), ...tenants.map((t, i) => importLoop(cluster!, t, run.spaces[i]!, run))]);
    const seconds = (performance.now() - t0) / 1000;

    const outcomes = await jobOutcomes(pgServer.url, run.acked.map((a) => a.id));
    const contents = await spaceContents(pgServer.url, run.spaces);
    let stuck = 0;
    let lost = 0;
    let partial = 0;
    let failed = 0;
    for (const a of run.acked) {
      const o = outcomes.get(a.id);
      if (!o) lost++;
      else if (o.state !== 'SUCCEEDED' && o.state !== 'FAILED') stuck++;
      if (o?.state === 'FAILED') failed++;
      const present = a.names.filter((n) => contents.get(a.space)!.has(n)).length;
      const want = o?.state === 'SUCCEEDED' ? a.names.length : 0;
      if (present !== want) partial++;
    }
    const expected = new Map(run.spaces.map((s) => [s, 0]));
    for (const a of run.acked) if (outcomes.get(a.id)?.state === 'SUCCEEDED') expected.set(a.space, expected.get(a.space)! + a.names.length);
    const strays = run.spaces.filter((s) => contents.get(s)!.size !== expected.get(s)).length;
    console.log(
      `${kills} kills and ${dbRestarts} database restart(s) in ${seconds.toFixed(1)} s; ${run.acked.length} imports acknowledged: ${run.acked.length - failed - stuck - lost} succeeded, ${failed} failed, ${stuck} stuck, ${lost} lost; ${partial} partial; ${strays} spaces with assets of no import`,
    );
    console.log(JSON.stringify({ kills, jobs: run.acked.length, stuck, partial, lost, db_restarts: dbRestarts }));
    if (stuck || partial || lost || strays || kills < KILLS || dbRestarts < 1) process.exitCode = 1;
  } finally {
    await cluster?.stop();
    await pgServer.stop();
  }
}

await main();
