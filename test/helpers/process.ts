/** Runs the real `assetport` command in a child process. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TEST_DB_KIND } from './db-target.js';

const BIN = fileURLToPath(new URL('../../bin/assetport.js', import.meta.url));

export interface Child {
  proc: ChildProcessWithoutNullStreams;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs `assetport` as it ships: the built package, which the test run's global setup brought up to date with the sources. */
export function runCli(args: string[], env: Record<string, string>): Child {
  return runNode([BIN, ...args], env);
}

/**
 * Runs a script with Node, in an environment without this process's assetport settings.
 * Password hashes there cost the least the verifier accepts (as in the tests themselves,
 * see test/setup.ts) unless `env` says otherwise.
 */
export function runNode(argv: string[], env: Record<string, string>, cwd?: string): Child {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ASSETPORT_') && k !== 'DATABASE_URL' && k !== 'PORT' && k !== 'HOST'));
  const proc = spawn(process.execPath, argv, { env: { ...clean, LOG_LEVEL: 'info', ASSETPORT_PASSWORD_HASH_COST: '10', ...env }, stdio: 'pipe', ...(cwd ? { cwd } : {}) });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

/**
 * A port for a server this test is about to start. Not one the system hands out (`listen(0)`
 * then close): another test file, running beside this one, could be handed the same port in
 * the seconds before the server binds it, and a test would then speak to the wrong server.
 * Each test worker takes ports from a block of its own below the system's ephemeral range
 * (32768 and up on Linux), one after another, skipping any that something holds. The PGlite
 * run and the PostgreSQL run (which `npm test` runs side by side) take blocks from separate
 * halves; within its half, a worker's block is shifted by its run's process id, so that
 * another run beside this one most likely takes other blocks.
 */
const PORT_BLOCK = 400;
const BLOCKS_PER_RUN = 15;
let portsTaken = 0;

export async function freePort(): Promise<number> {
  const worker = Number(process.env.VITEST_POOL_ID ?? 0);
  const block = (TEST_DB_KIND === 'postgres' ? BLOCKS_PER_RUN : 0) + ((worker + process.ppid) % BLOCKS_PER_RUN);
  const base = 20_000 + block * PORT_BLOCK;
  for (let tries = 0; tries < PORT_BLOCK; tries++) {
    const port = base + (portsTaken++ % PORT_BLOCK);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${base}-${base + PORT_BLOCK - 1}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Waits until `path` (by default /readyz) answers 200; returns how long that took. */
export async function waitHealthy(url: string, ms: number, child?: Child, path = '/readyz'): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    try {
      const r = await fetch(`${url}${path}`);
      if (r.status === 200) return Date.now() - start;
    } catch {
      // not listening yet
    }
    if (child && child.proc.exitCode !== null) throw new Error(`process exited early:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready within ${ms} ms${child ? `:\n${child.output()}` : ''}`);
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `assetport` to its end, with its standard output and standard error apart. */
export function cliRun(args: string[], env: Record<string, string>): Promise<CliRun> {
  const c = runCli(args, env);
  let stdout = '';
  let stderr = '';
  c.proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  c.proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return c.exited.then((code) => ({ code, stdout, stderr }));
}
