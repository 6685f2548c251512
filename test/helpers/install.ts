/**
 * Packs this package as `npm pack` does (from the build in dist/) and installs the tarball into
 * a fresh directory, as a user would. The install uses a lock file made from this
 * project's own (its production entries) and the same overrides, so it needs nothing that
 * `npm ci` did not already put into the npm cache; what is missing there is fetched from
 * the registry.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface LockEntry {
  version?: string;
  resolved?: string;
  dev?: boolean;
  link?: boolean;
  [k: string]: unknown;
}

/** The environment for npm: without the settings npm passes to the scripts it runs (this suite may be one). */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

/** Runs npm without blocking this process meanwhile (a pack builds the project, which takes a while). */
async function npm(args: string[], cwd: string): Promise<string> {
  return (await promisify(execFile)('npm', args, { cwd, env: npmEnv(), encoding: 'utf8', maxBuffer: 64 << 20 })).stdout;
}

/**
 * Runs `npm pack` in the project into `dir`; returns the tarball's path. It packs the
 * build the test run's global setup brought up to date (test/helpers/build.ts) rather than
 * building again: other tests run that build meanwhile.
 */
export async function packProject(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await npm(['pack', '--ignore-scripts', '--pack-destination', dir], ROOT);
  const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`npm pack made ${tarballs.length} tarballs in ${dir}`);
  return join(dir, tarballs[0]!);
}

/**
 * Installs `tarball` as the one dependency of a new project in `dir`; returns the
 * installed package's directory. Throws with npm's output when the install fails.
 */
export async function installTarball(tarball: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const pkg = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as {
    name: string;
    version: string;
    license?: string;
    dependencies?: Record<string, string>;
    bin?: Record<string, string>;
    engines?: Record<string, string>;
  };
  const spec = `file:${tarball}`;
  const registry = (await npm(['config', 'get', 'registry'], dir)).trim().replace(/\/?$/, '/');
  const ours = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const packages: Record<string, unknown> = {
    '': { name: 'install-check', dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: { version: pkg.version, resolved: spec, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  };
  for (const [path, entry] of Object.entries(ours.packages)) {
    if (path === '' || entry.dev || entry.link) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const file = `${name.split('/').pop()}-${entry.version}.tgz`;
    packages[path] = { ...entry, resolved: entry.resolved ?? `${registry}${name}/-/${file}` };
  }
  // The same overrides as this project, so that its lock file's tree is the one npm expects.
  const { overrides } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { overrides?: unknown };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'install-check', private: true, dependencies: { [pkg.name]: spec }, overrides }, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'install-check', lockfileVersion: 3, requires: true, packages }, null, 2));
  await npm(['ci', '--prefer-offline', '--no-audit', '--no-fund'], dir);
  return join(dir, 'node_modules', pkg.name);
}
