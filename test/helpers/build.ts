/**
 * The compiled package (dist/), as `npm run build` makes it, brought up to date with the
 * sources before a test run: the tests that start `assetport` as a process run what ships
 * (bin/assetport.js), and a new embedded database starts from the template the build made.
 *
 * Up to date: dist's last file (the template's description, written last) is newer than
 * every source the build reads (src/, and web/ for the console). Two runs at once build it once: the build holds a lock
 * file, and a run that waited for it looks again before building.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STAMP = join(ROOT, 'dist/store/pgdata-template.json');
const LOCK = join(ROOT, '.build.lock');
const LOCK_STALE_MS = 10 * 60_000;

function newestSource(): number {
  let newest = 0;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(ROOT, 'src'));
  walk(join(ROOT, 'web'));
  for (const f of ['scripts/build.mjs', 'scripts/bundle.mjs', 'tsconfig.build.json', 'package.json']) newest = Math.max(newest, statSync(join(ROOT, f)).mtimeMs);
  return newest;
}

const upToDate = (): boolean => existsSync(STAMP) && statSync(STAMP).mtimeMs >= newestSource();

function takeLock(): number | undefined {
  try {
    return openSync(LOCK, 'wx');
  } catch {
    // Another run builds; a lock left by a run that died is taken over after a while.
    if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > LOCK_STALE_MS) rmSync(LOCK, { force: true });
    return undefined;
  }
}

/** Builds dist/ when it is missing or older than the sources; returns whether it built. */
export async function ensureBuilt(): Promise<boolean> {
  if (upToDate()) return false;
  let fd: number | undefined;
  while ((fd = takeLock()) === undefined) await new Promise((r) => setTimeout(r, 500));
  try {
    if (upToDate()) return false;
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`the build failed (exit ${String(r.status)})`);
    return true;
  } finally {
    closeSync(fd);
    rmSync(LOCK, { force: true });
  }
}
