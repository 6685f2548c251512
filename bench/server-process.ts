/**
 * A separate `assetport serve` process for the benchmarks: the built one (bin/assetport.js,
 * which runs dist/bundle) when there is a build, else from the sources.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export const BENCH_ADMIN = { user: 'bench', password: 'bench-password-1' };

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  /** Stops it with SIGTERM and waits for it to exit. */
  stop(): Promise<void>;
}

const isBuilt = (): boolean => existsSync('dist/bundle/main.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts a server on `dataDir` (and `databaseUrl` when given; the embedded database otherwise). */
export async function spawnServer(dataDir: string, env: Record<string, string> = {}, databaseUrl?: string): Promise<ServerProcess> {
  const port = await freePort();
  const entry = isBuilt() ? ['bin/assetport.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
  // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=prof": to profile the server under the benchmark's load.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, ...entry, 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl ?? '',
      ASSETPORT_DATA_DIR: dataDir,
      PORT: String(port),
      ASSETPORT_ADMIN_USER: BENCH_ADMIN.user,
      ASSETPORT_ADMIN_PASSWORD: BENCH_ADMIN.password,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls `path` every `everyMs` until it answers 200; throws when the process exits or `limitMs` passes. */
export async function waitFor(server: ServerProcess, path: string, everyMs = 100, limitMs = 120_000): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    try {
      if ((await fetch(`${server.base}${path}`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (server.child.exitCode !== null) throw new Error(`the server exited (${server.child.exitCode}) before ${path} answered`);
    if (performance.now() - t0 > limitMs) throw new Error(`${path} did not answer within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
