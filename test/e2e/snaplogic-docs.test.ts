/**
 * docs/snaplogic.md, run as written: its shell blocks, in order, with bash (failing on the
 * first failing command) against a freshly started server process on a free port. Only the
 * base URL line is pointed at that port; PW is the admin password.
 *
 * The PostgreSQL pass leaves this file out: the examples start the embedded default.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runCli, waitHealthy, type Child } from '../helpers/process.js';

const BASE_LINE = 'BASE=http://127.0.0.1:8080';

const dirs: string[] = [];
const children: Child[] = [];
afterAll(async () => {
  for (const c of children) {
    c.proc.kill('SIGTERM');
    await c.exited;
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('docs/snaplogic.md', () => {
  it('runs as written: every example succeeds and prints what the text says', async () => {
    const doc = readFileSync(new URL('../../docs/snaplogic.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    const script = blocks.join('\n');
    expect(script.split('\n').filter((l) => l === BASE_LINE)).toHaveLength(1);

    const dataDir = mkdtempSync(join(tmpdir(), 'assetport-sldoc-'));
    const work = mkdtempSync(join(tmpdir(), 'assetport-sldoc-work-'));
    dirs.push(dataDir, work);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const password = 'docs-admin-password';
    const server = runCli(['serve'], { ASSETPORT_DATA_DIR: dataDir, PORT: String(port), ASSETPORT_ADMIN_PASSWORD: password, LOG_LEVEL: 'warn' });
    children.push(server);
    await waitHealthy(base, 240_000, server);

    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const sh = spawn('bash', ['-e', '-o', 'pipefail', '-c', script.replace(BASE_LINE, `BASE=${base}`)], { cwd: work, env: { ...process.env, PW: password }, stdio: 'pipe' });
      let out = '';
      sh.stdout.on('data', (d: Buffer) => (out += d.toString()));
      sh.stderr.on('data', (d: Buffer) => (out += d.toString()));
      sh.on('exit', (code) => resolve({ code, out }));
    });
    expect(result.code, result.out).toBe(0);
    const lines = result.out.split('\n');
    // The first import, skip (all failed with 409), create_new, overwrite of the pipeline (and the policy).
    expect(lines).toContain('["books","books.json","books_pipeline","db","rate_limit"]');
    expect(result.out).toContain('{"name":"db","status_code":409}');
    expect(lines).toContain('["books_pipeline","rate_limit"]');
    expect(result.out).toContain('[{"snode_id":');
    expect(result.out).toContain('"message":"If this task gets imported, it will be disabled as there is no pipeline found."');
    // file_account: the account is listed; file_expr: the first lib.expr wins, the other is named.
    expect(lines).toContain('["books_pipeline","db","rate_limit"]');
    expect(result.out).toContain('"successful":["lib.expr"]');
    expect(result.out).toContain('team_b/lib.expr');
    expect(result.out).not.toContain('n3w-s3cret"}');
    expect(result.out).toContain('{"status":"Completed","successful":[{"snode_id":');
  }, 420_000);
});
