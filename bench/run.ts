/**
 * The end-to-end benchmark (`npm run bench`): imports of 1,000 and 10,000 assets
 * (≈1.7 KB of JSON each) into an empty space and again over the full space (the update
 * path), a dry-run plan, an export of 10,000, the cost of Basic authentication next to
 * Bearer (bench/assets-phase.ts, each timed step 3 times, medians reported, next to its
 * floors: bench/floors.ts); in a separate server process, the import and export of a
 * 1 GiB package of large files with the latency of /healthz and of a Bearer GET meanwhile,
 * the server's peak memory and the COPY floor of the same bytes (bench/large-files.ts,
 * bench/copy-floor.ts); and the start-up time of the embedded default (bench/startup.ts).
 * DATABASE_URL=postgres://… runs it on PostgreSQL (in a database it creates and drops);
 * otherwise on the embedded PGlite (start-up is always measured on PGlite). BENCH_QUICK=1
 * runs a reduced form (200 and 1,000 assets, 64 MiB of large files, fewer start-up
 * rounds); BENCH_ONLY=a,b runs only the named phases of: assets, large, startup;
 * BENCH_SKIP_RSS=1 leaves out the large-file phase.
 * Prints a table, then, as its last line, one JSON object with the figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assetsPhase } from './assets-phase.js';
import { api, timedImport, waitJob } from './http.js';
import { largeFilePhase, type Latencies } from './large-files.js';
import { freshPostgres } from './pg.js';
import { ms } from './stats.js';
import { startupFigures, startupTimes } from './startup.js';

const QUICK = process.env.BENCH_QUICK === '1';
const SIZES = QUICK ? [200, 1000] : [1000, 10_000];
const AUTH_GETS = QUICK ? 200 : 1000;
const BIG_FILES = QUICK ? { count: 4, bytes: 16 * 1024 * 1024 } : { count: 16, bytes: 64 * 1024 * 1024 - 4096 };
const STARTUP_ROUNDS = QUICK ? 3 : 7;
const PG_URL = process.env.DATABASE_URL;
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const runs = (phase: 'assets' | 'large' | 'startup'): boolean => !ONLY || ONLY.includes(phase);
const work = mkdtempSync(join(tmpdir(), 'assetport-bench-'));
const rows: Array<[string, string]> = [];
const lat = (l: Latencies): string => `p50 ${l.p50} / p99 ${l.p99} / max ${l.max} ms (${l.count}${l.failures ? `, ${l.failures} failed` : ''})`;

async function largePhase(out: Record<string, unknown>): Promise<void> {
  const pgDb = PG_URL ? await freshPostgres(PG_URL) : undefined;
  try {
    const f = await largeFilePhase(work, BIG_FILES, { importFile: timedImport, waitJob, api }, pgDb?.url);
    const mb = f.packageMiB.toFixed(0);
    rows.push([`import a ${mb} MiB package of ${BIG_FILES.count} files (server process)`, ms(f.importMs)]);
    rows.push(['  peak RSS of that server process (embedded database included)', `${f.peakRssMb.toFixed(0)} MB`]);
    rows.push(['  floor: the file bytes as chunks, COPY in one transaction', ms(f.copyFloorMs)]);
    rows.push(['  import / floor', (f.importMs / f.copyFloorMs).toFixed(2)]);
    rows.push(['  /healthz meanwhile (every 20 ms)', lat(f.healthzDuringImport)]);
    rows.push(['  Bearer GET /api/v1/orgs meanwhile', lat(f.bearerDuringImport)]);
    rows.push([`export it again (request → archive downloaded)`, ms(f.exportMs)]);
    rows.push(['  /healthz meanwhile', lat(f.healthzDuringExport)]);
    rows.push(['  Bearer GET /api/v1/orgs meanwhile', lat(f.bearerDuringExport)]);
    rows.push(['  export / floor', (f.exportMs / f.copyFloorMs).toFixed(2)]);
    rows.push(['  peak RSS after import and export', `${f.peakRssAfterExportMb.toFixed(0)} MB`]);
    Object.assign(out, {
      peak_rss_1gib_mb: Math.round(f.peakRssMb),
      peak_rss_1gib_export_mb: Math.round(f.peakRssAfterExportMb),
      big_copy_floor_ms: Math.round(f.copyFloorMs),
      big_import_vs_floor: +(f.importMs / f.copyFloorMs).toFixed(2),
      big_export_vs_floor: +(f.exportMs / f.copyFloorMs).toFixed(2),
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
  if (runs('assets')) await assetsPhase({ work, sizes: SIZES, authGets: AUTH_GETS, pgUrl: PG_URL }, rows, out);
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
