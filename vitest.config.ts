import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/** What a test file about the embedded database (or run on it whatever the suite runs on) says of itself. */
const EMBEDDED_ONLY = 'The PostgreSQL pass leaves this file out';

const testFilesUnder = (dir: string): string[] =>
  readdirSync(`${root}${dir}`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `${dir}/${f}`);

/**
 * The test files that use a database: every test under test/ but those that say they run
 * on the embedded database only, and the tests beside the code that import
 * test/helpers/db.js. The PostgreSQL run (ASSETPORT_TEST_DB=postgres) runs only these; the
 * others would only repeat what the PGlite run showed.
 */
function databaseTestFiles(): string[] {
  const under = testFilesUnder('test').filter((f) => !readFileSync(`${root}${f}`, 'utf8').includes(EMBEDDED_ONLY));
  const beside = testFilesUnder('src').filter((f) => readFileSync(`${root}${f}`, 'utf8').includes('test/helpers/db.js'));
  return [...under, ...beside];
}

export default defineConfig({
  test: {
    include: process.env.ASSETPORT_TEST_DB === 'postgres' ? databaseTestFiles() : ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Before each file: cheap password hashes (see the file).
    setupFiles: ['test/setup.ts'],
    // Ceilings for a busy machine (other runs beside this one): a test that waits for
    // something waits for the thing itself; these only stop what really hangs.
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Test files share a worker's modules (each file still has its own database): loading
    // them again for every file cost about a fifth of a run. A file that mocks a module
    // imports what uses it afresh (vi.resetModules) — see test/service/password-auth.test.ts.
    poolOptions: { forks: { maxForks: 2, minForks: 1, isolate: false } },
    reporters: ['default'],
  },
});
