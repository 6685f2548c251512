/** Runs the real `assetport` command in a child process. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
 *
 * V8 runs the embedded database's WebAssembly with its baseline compiler only
 * (`--liftoff-only`): a process a test starts lives a few seconds, and compiling
 * PostgreSQL's hot functions again with the optimising compiler cost a third of a server's
 * start (3.4 s of CPU against 2.3 s) and paid back nothing in that time. What the code
 * does is the same either way.
 */
export function runNode(argv: string[], env: Record<string, string>, cwd?: string): Child {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ASSETPORT_') && k !== 'DATABASE_URL' && k !== 'PORT' && k !== 'HOST'));
  const proc = spawn(process.execPath, ['--liftoff-only', ...argv], { env: { ...clean, LOG_LEVEL: 'info', ASSETPORT_PASSWORD_HASH_COST: '10', ...env }, stdio: 'pipe', ...(cwd ? { cwd } : {}) });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

/**
 * A port for a server this test is about to start. Not one the system hands out (`listen(0)`
 * then close): another test file, or another test run on the machine, could be handed the
 * same port in the seconds before the server binds it, and a test would then speak to the
 * wrong server. A port is taken at random below the system's ephemeral range (32768 and up
 * on Linux), only when nothing listens on it, and reserved with a file of its own that every
 * run on the machine sees; a reservation is given up after ten minutes (the server has
 * bound it long before, or is gone).
 */
const PORTS = { from: 20_000, count: 12_000 };
const RESERVATIONS = join(tmpdir(), 'assetport-test-ports');
const RESERVATION_MS = 10 * 60_000;

export async function freePort(): Promise<number> {
  mkdirSync(RESERVATIONS, { recursive: true });
  for (let tries = 0; tries < 200; tries++) {
    const port = PORTS.from + randomInt(PORTS.count);
    if (reserve(port) && (await canListen(port))) return port;
  }
  throw new Error('no free port found');
}

function reserve(port: number): boolean {
  const file = join(RESERVATIONS, String(port));
  try {
    if (Date.now() - statSync(file).mtimeMs < RESERVATION_MS) return false;
    rmSync(file, { force: true });
  } catch {
    // not reserved
  }
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    return false; // reserved by another process this very moment
  }
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
