/**
 * The README's Quick start, Moving assets and Promote with the CLI, run as written: their
 * shell blocks, in order, with bash (failing on the first failing command) against a real
 * server process on a free port. Only the base URL line is pointed at that port; PW is the
 * admin password; `assetport` on the PATH is this checkout's, and its config directory a
 * temporary one.
 *
 * The PostgreSQL pass leaves this file out: the README starts the embedded default.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/app.js';
import { freePort, runCli, waitHealthy, type Child } from '../helpers/process.js';

const BASE_LINE = 'BASE=http://127.0.0.1:8080';

/** The ```sh blocks of the README section with this heading, up to the next heading (of any level). */
export function shellBlocks(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  let fenced = false;
  const isHeading = lines.map((l) => {
    if (l.startsWith('```')) fenced = !fenced;
    return !fenced && /^#+\s/.test(l);
  });
  const at = lines.findIndex((l, i) => isHeading[i] && l.replace(/^#+\s*/, '') === heading);
  if (at < 0) throw new Error(`no section '${heading}'`);
  const end = isHeading.findIndex((h, i) => i > at && h);
  const section = lines.slice(at + 1, end < 0 ? undefined : end).join('\n');
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

const dirs: string[] = [];
const children: Child[] = [];
afterAll(async () => {
  for (const c of children) {
    c.proc.kill('SIGTERM');
    await c.exited;
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("the README's quick start", () => {
  it('runs as written: every command succeeds and the import SUCCEEDED', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const blocks = [...shellBlocks(readme, 'Quick start'), ...shellBlocks(readme, 'Moving assets'), ...shellBlocks(readme, 'Promote with the CLI')];
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const script = blocks.join('\n');
    expect(script.split('\n').filter((l) => l === BASE_LINE)).toHaveLength(1);
    expect(script).not.toContain('sleep 1\n');

    const dataDir = mkdtempSync(join(tmpdir(), 'assetport-readme-'));
    const work = mkdtempSync(join(tmpdir(), 'assetport-readme-work-'));
    dirs.push(dataDir, work);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const password = 'readme-admin-password';
    const server = runCli(['serve'], { ASSETPORT_DATA_DIR: dataDir, PORT: String(port), ASSETPORT_ADMIN_PASSWORD: password, LOG_LEVEL: 'warn' });
    children.push(server);
    await waitHealthy(base, 240_000, server);

    const run = `${script.replace(BASE_LINE, `BASE=${base}`)}\necho "README_IMPORT_JOB=$IMPORT"\n`;
    // `assetport` on the PATH: this checkout's command (what `npm link` gives).
    const bin = join(work, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'assetport'), `#!/bin/sh\nexec "${process.execPath}" "${fileURLToPath(new URL('../../bin/assetport.js', import.meta.url))}" "$@"\n`);
    chmodSync(join(bin, 'assetport'), 0o755);
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ASSETPORT_')));
    const shellEnv = { ...clean, PW: password, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, ASSETPORT_CONFIG_DIR: join(work, 'config') };
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const sh = spawn('bash', ['-e', '-o', 'pipefail', '-c', run], { cwd: work, env: shellEnv, stdio: 'pipe' });
      let out = '';
      sh.stdout.on('data', (d: Buffer) => (out += d.toString()));
      sh.stderr.on('data', (d: Buffer) => (out += d.toString()));
      sh.on('exit', (code) => resolve({ code, out }));
    });
    expect(result.code, result.out).toBe(0);
    const job = /README_IMPORT_JOB=([0-9a-f]{32})/.exec(result.out)?.[1];
    expect(job, result.out).toBeDefined();
    const view = await request(base, 'GET', `/api/v1/jobs/${job!}`, { basic: { user: 'admin', password } });
    expect(view.body.state).toBe('SUCCEEDED');
    expect((view.body.result as { summary: { create: number } }).summary.create).toBe(1);
    // What the README printed along the way.
    expect(result.out).toContain('"orders_db"');
    expect(result.out).toContain('"state": "SUCCEEDED"');
    // What the CLI printed: the plan, the import, the undo.
    expect(result.out).toMatch(/^\+\s+create\s+datasource\s+orders_db$/m);
    expect(result.out).toContain('Imported: 1 created, 0 updated, 0 unchanged, 0 kept, 0 skipped.');
    expect(result.out).toMatch(/^Job [0-9a-f]{32}\s+undo\s+SUCCEEDED\s+100%$/m);
  }, 420_000);
});
