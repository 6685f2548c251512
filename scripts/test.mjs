#!/usr/bin/env node
/**
 * The whole test suite on the embedded PGlite, then the test files that use a database
 * (vitest.config.ts says which) on PostgreSQL. PostgreSQL is taken from ASSETPORT_TEST_PG_URL
 * (default postgres://postgres@127.0.0.1:5432/test); each test file creates its own database
 * there, from a template migrated once per run, and drops it. When no server answers,
 * the PostgreSQL run is skipped with a notice, except under CI=true where it is required.
 * Extra arguments are passed to vitest (e.g. a file filter).
 *
 * The two runs go side by side: each leaves a core idle part of its time (a test waiting for
 * a process it started, the last file of a run going alone), which the other fills. The
 * PostgreSQL run's output is kept aside and shown once the PGlite run is done.
 * ASSETPORT_TEST_ONE_AT_A_TIME=1 runs them one after the other instead.
 *
 * Temporary files (the data directories of the servers the tests start, packages, logs) go
 * to memory when TMPDIR is not set and /dev/shm is a writable tmpfs with room (see below).
 */
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const pgUrl = process.env.ASSETPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const only = process.env.ASSETPORT_TEST_DB; // run just one of them when set
const args = process.argv.slice(2);

async function postgresReachable() {
  const c = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Runs vitest on `db`; its output goes to this process's, or is kept and returned as `output` when `keep` is set. */
async function runSuite(db, keep = false) {
  const dir = mkdtempSync(join(tmpdir(), 'assetport-test-'));
  const out = join(dir, 'results.json');
  const started = Date.now();
  const child = spawn('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...args], {
    stdio: keep ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    env: { ...process.env, ASSETPORT_TEST_DB: db, ...(testTmpdir ? { TMPDIR: testTmpdir } : {}) },
  });
  const kept = [];
  if (keep) {
    child.stdout.on('data', (d) => kept.push(d));
    child.stderr.on('data', (d) => kept.push(d));
  }
  const status = await new Promise((resolve) => child.on('close', (code) => resolve(code)));
  const seconds = Math.round((Date.now() - started) / 1000);
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    const j = JSON.parse(readFileSync(out, 'utf8'));
    counts = { passed: j.numPassedTests, failed: j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0), skipped: j.numPendingTests + j.numTodoTests };
  } catch {
    counts.failed += 1;
  }
  rmSync(dir, { recursive: true, force: true });
  return { ok: status === 0 && counts.failed === 0, counts, seconds, output: Buffer.concat(kept) };
}

/**
 * /dev/shm when it can hold a run's temporary files (2 GiB free) and TMPDIR is not set. The
 * embedded database writes thousands of small files a run, and each server a test starts
 * unpacks ~1,100 files; creating a file costs about a quarter there of what it does on a disk.
 */
function memoryTmpdir() {
  if (process.env.TMPDIR) return undefined;
  try {
    accessSync('/dev/shm', constants.W_OK);
    const fs = statfsSync('/dev/shm');
    return fs.bavail * fs.bsize >= 2 * 1024 ** 3 ? '/dev/shm' : undefined;
  } catch {
    return undefined;
  }
}
const testTmpdir = memoryTmpdir();

const oneAtATime = process.env.ASSETPORT_TEST_ONE_AT_A_TIME === '1';
const runs = [];
if (!only || only === 'pglite') runs.push(['pglite', undefined]);
if (!only || only === 'postgres') {
  if (await postgresReachable()) runs.push(['postgres', undefined]);
  else if (process.env.CI === 'true' || only === 'postgres') {
    console.error(`PostgreSQL is not reachable at ${pgUrl.replace(/\/\/[^@]*@/, '//')}; the PostgreSQL run is required here.`);
    runs.push(['postgres', { ok: false, counts: { passed: 0, failed: 1, skipped: 0 } }]);
  } else console.error(`Notice: no PostgreSQL at ${pgUrl.replace(/\/\/[^@]*@/, '//')}; ran the suite on PGlite only.`);
}

const results = [];
if (oneAtATime || runs.filter(([, done]) => !done).length < 2) {
  for (const [db, done] of runs) results.push([db, done ?? (await runSuite(db))]);
} else {
  // Side by side: the first run's output as it comes, the second's once the first is done.
  const [[first], [second]] = runs;
  const secondRun = runSuite(second, true);
  results.push([first, await runSuite(first)]);
  console.log(`\n== The ${second} run (beside the ${first} run)\n`);
  const secondResult = await secondRun;
  process.stdout.write(secondResult.output);
  results.push([second, secondResult]);
}

const total = { passed: 0, failed: 0, skipped: 0 };
for (const [db, r] of results) {
  console.log(`${db}: ${r.counts.passed} passed, ${r.counts.failed} failed, ${r.counts.skipped} skipped${r.seconds === undefined ? '' : ` in ${r.seconds} s`}`);
  for (const k of Object.keys(total)) total[k] += r.counts[k];
}
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(results.every(([, r]) => r.ok) ? 0 : 1);
