/**
 * A PostgreSQL server of the benchmark's own: `initdb` in a temporary directory, started
 * with `pg_ctl` on a free port (never the machine's shared server), stopped and removed at
 * the end. The harnesses restart it in the middle of their work. As root, the server runs
 * as the `postgres` user (PostgreSQL refuses to run as root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { childrenOf } from './proc-cpu.js';
import { freePort } from './server-process.js';

export interface ThrowawayPostgres {
  url: string;
  port: number;
  /** Stops the server at once (no shutdown checkpoint; as a crash), then starts it again. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** The server's processes now: the postmaster and its children (backends, WAL writer, …). */
  pids(): number[];
}

/** The newest installed PostgreSQL's bin directory (Debian's /usr/lib/postgresql/N/bin), or PG_BIN. */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin/initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error('initdb not found under /usr/lib/postgresql/*/bin (set PG_BIN)');
  return join(root, versions[0], 'bin');
}

export async function startThrowawayPostgres(settings: Record<string, string> = {}): Promise<ThrowawayPostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'assetport-pg-'));
  const asRoot = userInfo().uid === 0;
  const pgUser = asRoot ? execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim() : undefined;
  if (asRoot && pgUser) chownSync(dir, Number(pgUser), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()));
  const run = (cmd: string, args: string[], check = true) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: 'utf8' });
    if (check && r.status !== 0) throw new Error(`${cmd} failed (${String(r.status)}): ${r.stderr || r.stdout}`);
  };
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const opts = Object.entries({ port: String(port), listen_addresses: '127.0.0.1', unix_socket_directories: dir, max_connections: '200', ...settings })
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  const start = () => run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', opts, '-w', '-t', '60', 'start']);
  start();
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async restart() {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      start();
    },
    pids() {
      try {
        const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        return [postmaster, ...childrenOf(postmaster)];
      } catch {
        return [];
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'], false);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
