/**
 * Several assetport processes on one PostgreSQL, as a deployment runs them: HTTP-only
 * (`serve --no-worker`) and worker-only (`worker`) processes of the built package
 * (bin/assetport.js), each with a data directory of its own and one shared master key.
 * Any of them can be killed (SIGKILL) and started again in its place.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_ADMIN, freePort } from './server-process.js';

export type Role = 'http' | 'worker';

export interface ClusterProcess {
  role: Role;
  /** http://127.0.0.1:port for an HTTP process. */
  base?: string;
  child: ChildProcess;
  exited: Promise<void>;
}

export interface Cluster {
  readonly http: ClusterProcess[];
  readonly workers: ClusterProcess[];
  add(role: Role): Promise<ClusterProcess>;
  /** SIGKILLs the process and starts another of its role in its place (an HTTP one on the same port). */
  killAndRestart(p: ClusterProcess): Promise<ClusterProcess>;
  stop(): Promise<void>;
}

const BIN = 'bin/assetport.js';

/** Builds dist/ once when it is missing or older than the sources (the tests' build, under its lock). */
export async function ensureBuild(): Promise<void> {
  const { ensureBuilt } = await import('../test/helpers/build.js');
  await ensureBuilt();
}

export function migrateDatabase(databaseUrl: string): void {
  const r = spawnSync(process.execPath, [BIN, 'migrate'], { env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ASSETPORT_DATA_DIR: mkdtempSync(join(tmpdir(), 'assetport-m-')) }, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`assetport migrate failed (${String(r.status)})`);
}

async function ready(base: string, child: ChildProcess, limitMs = 60_000): Promise<void> {
  const end = Date.now() + limitMs;
  for (;;) {
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`an HTTP process exited (${child.exitCode}) before it was ready`);
    if (Date.now() > end) throw new Error(`${base}/readyz did not answer 200 within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `env` is added to every process's environment (ASSETPORT_* settings). BENCH_NODE_ARGS,
 * e.g. "--cpu-prof --cpu-prof-dir=prof", is given to node for every process (to profile
 * them under the harness's load; a profile is written when the process exits).
 */
export function startCluster(databaseUrl: string, env: Record<string, string> = {}): Cluster {
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const masterKey = randomBytes(32).toString('hex');
  const dirs: string[] = [];
  const http: ClusterProcess[] = [];
  const workers: ClusterProcess[] = [];

  const launch = async (role: Role, port?: number): Promise<ClusterProcess> => {
    const dir = mkdtempSync(join(tmpdir(), 'assetport-p-'));
    dirs.push(dir);
    const p = role === 'http' ? (port ?? (await freePort())) : undefined;
    const child = spawn(process.execPath, [...nodeArgs, BIN, ...(role === 'http' ? ['serve', '--no-worker'] : ['worker'])], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        ASSETPORT_DATA_DIR: dir,
        ASSETPORT_MASTER_KEY: masterKey,
        ASSETPORT_ADMIN_USER: BENCH_ADMIN.user,
        ASSETPORT_ADMIN_PASSWORD: BENCH_ADMIN.password,
        LOG_LEVEL: 'fatal',
        ...(p !== undefined ? { PORT: String(p), HOST: '127.0.0.1' } : {}),
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const proc: ClusterProcess = { role, child, exited, ...(p !== undefined ? { base: `http://127.0.0.1:${p}` } : {}) };
    if (proc.base) await ready(proc.base, child);
    return proc;
  };

  return {
    http,
    workers,
    async add(role) {
      const p = await launch(role);
      (role === 'http' ? http : workers).push(p);
      return p;
    },
    async killAndRestart(p) {
      p.child.kill('SIGKILL');
      await p.exited;
      const list = p.role === 'http' ? http : workers;
      const port = p.base ? Number(new URL(p.base).port) : undefined;
      const next = await launch(p.role, port);
      list[list.indexOf(p)] = next;
      return next;
    },
    async stop() {
      const all = [...http, ...workers];
      for (const p of all) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      // The grace timers are unref'd: a harness whose processes all exited does not wait them out.
      await Promise.all(all.map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 25_000).unref())])));
      for (const p of all) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}
