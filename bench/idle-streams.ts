/**
 * `npm run bench:streams`: what open, idle job event streams cost. One HTTP-only process
 * of the built package on a throwaway PostgreSQL; 10 users each queue an import that no
 * worker runs, and 500 event streams (50 per job) stay open on them. The process's CPU
 * time (user + system, from /proc) over a quiet window, as a share of one core, is the
 * figure; then a worker starts, and every stream must end with `done` (the announcements
 * still reach them all). The last line is JSON: streams, window_s, cpu_percent_without (the process
 * before the streams opened), cpu_percent, ended.
 *
 * BENCH_QUICK=1: 100 streams over 3 s.
 */
import { readFileSync } from 'node:fs';
import { ensureBuild, migrateDatabase, startCluster, type Cluster } from './cluster.js';
import { followJob, makeSpace, makeTenants, smallPackage, upload } from './load-setup.js';
import { startThrowawayPostgres } from './throwaway-postgres.js';

const QUICK = process.env.BENCH_QUICK === '1';
const STREAMS = QUICK ? 100 : 500;
const WINDOW_S = QUICK ? 3 : 20;
const JOBS = 10;

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s on Linux)
}

/** The process's CPU use over the window, as a percentage of one core. */
async function cpuPercent(pid: number): Promise<number> {
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  return (100 * (cpuSeconds(pid) - c0)) / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  await ensureBuild();
  const pgServer = await startThrowawayPostgres();
  let cluster: Cluster | undefined;
  try {
    migrateDatabase(pgServer.url);
    // 50 streams per user: past the default per-user cap, which is not what is measured here.
    cluster = startCluster(pgServer.url, { ASSETPORT_MAX_EVENT_STREAMS_PER_USER: '0' });
    const http = await cluster.add('http');
    const base = http.base!;
    const tenants = await makeTenants(base, pgServer.url, JOBS);
    const jobs = await Promise.all(
      tenants.map(async (t) => {
        const space = await makeSpace(base, t, 'idle');
        const up = await upload(base, t.token, space, (await smallPackage(10)).zip);
        if (!up.jobId) throw new Error(`upload refused: ${up.status}`);
        return { token: t.token, id: up.jobId };
      }),
    );
    const pid = http.child.pid!;
    const idle = await cpuPercent(pid);
    let open = 0;
    const streams = Array.from({ length: STREAMS }, (_, i) => jobs[i % JOBS]!).map((j) => followJob(base, j.token, j.id, () => open++));
    // Every stream open (its first event received), then a moment to settle, before measuring.
    const openBy = Date.now() + 120_000;
    while (open < STREAMS) {
      if (Date.now() > openBy) throw new Error(`only ${open} of ${STREAMS} event streams opened`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const percent = await cpuPercent(pid);
    console.log(`the process alone: ${idle.toFixed(2)} % of one core; with ${STREAMS} open event streams on ${JOBS} queued jobs: ${percent.toFixed(2)} % (over ${WINDOW_S} s each)`);
    await cluster.add('worker');
    const ended = (await Promise.all(streams)).filter((s) => s === 'SUCCEEDED').length;
    console.log(`a worker started: ${ended} of ${STREAMS} streams ended with done (SUCCEEDED)`);
    console.log(JSON.stringify({ streams: STREAMS, window_s: WINDOW_S, cpu_percent_without: Number(idle.toFixed(2)), cpu_percent: Number(percent.toFixed(2)), ended }));
    if (ended !== STREAMS) process.exitCode = 1;
  } finally {
    await cluster?.stop();
    await pgServer.stop();
  }
}

await main();
