/**
 * The data directory and what assetport keeps in it (the embedded database, the generated
 * master key) are owner-only after every start, whoever created them, and so are the files
 * the database creates while it runs.
 *
 * The PostgreSQL pass leaves this file out: it is about the embedded database's directory.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/app.js';
import { freePort, runCli, waitHealthy } from '../helpers/process.js';

const root = mkdtempSync(join(tmpdir(), 'assetport-dd-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every path under `dir` (itself included) whose mode is not 0700 (folders) or 0600 (files). */
function loose(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    const st = statSync(p);
    const want = st.isDirectory() ? 0o700 : 0o600;
    if ((st.mode & 0o777) !== want) out.push(`${p} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(dir);
  return out;
}

function loosen(dir: string): void {
  const walk = (p: string): void => {
    const st = statSync(p);
    chmodSync(p, st.isDirectory() ? 0o777 : 0o666);
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(dir);
}

async function startAndStop(dataDir: string, work?: (url: string) => Promise<void>): Promise<void> {
  const port = await freePort();
  // The embedded database, whatever the suite runs on: it is what lives in the data directory.
  const child = runCli(['serve'], { ASSETPORT_DATA_DIR: dataDir, PORT: String(port), ASSETPORT_ADMIN_PASSWORD: 'admin-password-1' });
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitHealthy(url, 120_000, child);
    await work?.(url);
    // Checked while it runs too: what the database created since the start is owner-only.
    expect(loose(dataDir)).toEqual([]);
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  } finally {
    if (child.proc.exitCode === null) child.proc.kill('SIGKILL'); // never left behind by a failed test
  }
}

describe.skipIf(process.platform === 'win32')('files at rest', () => {
  it('a data directory made readable by others is owner-only again after a start, and stays so', { timeout: 600_000 }, async () => {
    const dataDir = join(root, 'data');
    mkdirSync(dataDir, { mode: 0o777 });
    chmodSync(dataDir, 0o777);
    await startAndStop(dataDir);
    expect(readdirSync(dataDir).sort()).toEqual(['master.key', 'pgdata']);
    expect(loose(dataDir)).toEqual([]);

    // Loosened by someone else between two starts (a copy, a restore, a careless chmod).
    loosen(dataDir);
    writeFileSync(join(dataDir, 'pgdata', 'stray'), 'x', { mode: 0o666 });
    chmodSync(join(dataDir, 'pgdata', 'stray'), 0o666);
    await startAndStop(dataDir, async (url) => {
      // Work that makes the database write new files (tables' free-space and visibility maps, more relations).
      const basic = { user: 'admin', password: 'admin-password-1' };
      for (let i = 0; i < 20; i++) expect((await request(url, 'POST', '/api/v1/orgs', { basic, json: { name: `org${i}` } })).status).toBe(201);
    });
    expect(loose(dataDir)).toEqual([]);
  });
});
