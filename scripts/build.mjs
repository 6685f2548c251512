#!/usr/bin/env node
/**
 * Builds dist/ from a clean slate: compiles src/ with tsconfig.build.json, copies the
 * SQL migrations beside the compiled migrator (dist/store/migrations), where it reads them,
 * builds the web console (web/ → dist/console, with Vite; served at /console), bundles what
 * the main thread runs (dist/bundle, see scripts/bundle.mjs), and makes
 * the pre-migrated embedded database a first start begins from
 * (dist/store/pgdata-template.*, see src/store/pglite-template.ts), last: test/helpers/build.ts
 * takes its description for the time of the whole build.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(dist, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
const from = join(root, 'src/store/migrations');
const to = join(dist, 'store/migrations');
mkdirSync(to, { recursive: true });
for (const f of readdirSync(from).filter((f) => f.endsWith('.sql'))) copyFileSync(join(from, f), join(to, f));

// The web console: static files, named after their content.
// A production build whatever NODE_ENV the caller runs under (a test run sets it to "test").
process.env.NODE_ENV = 'production';
const { build: viteBuild } = await import('vite');
await viteBuild({ configFile: join(root, 'web/vite.config.ts'), logLevel: 'warn' });

// The main thread's code in a few files (see scripts/bundle.mjs).
const { bundle } = await import('./bundle.mjs');
await bundle(dist);

// A new PGlite database with every migration applied, dumped as a gzipped tarball.
const { PGlite } = await import('@electric-sql/pglite');
const { loadMigrations, migrate } = await import(pathToFileURL(join(dist, 'store/migrate.js')).href);
const { writeTemplate } = await import(pathToFileURL(join(dist, 'store/pglite-template.js')).href);
const migrations = loadMigrations(to);
const lite = new PGlite();
try {
  await migrate({ withScriptRunner: (fn) => fn(async (text) => void (await lite.exec(text))) }, migrations);
  writeTemplate(join(dist, 'store'), new Uint8Array(await (await lite.dumpDataDir('gzip')).arrayBuffer()), migrations);
} finally {
  await lite.close();
}
