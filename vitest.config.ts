import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The test files that use a database: every test under test/, and the tests beside the
 * code that import test/helpers/db.js. The PostgreSQL run (ASSETPORT_TEST_DB=postgres)
 * runs only these; the unit tests would only repeat what the PGlite run showed.
 */
function databaseTestFiles(): string[] {
  const beside = readdirSync(`${root}src`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `src/${f}`)
    .filter((f) => readFileSync(`${root}${f}`, 'utf8').includes('test/helpers/db.js'));
  return ['test/**/*.test.ts', ...beside];
}

export default defineConfig({
  test: {
    include: process.env.ASSETPORT_TEST_DB === 'postgres' ? databaseTestFiles() : ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Ceilings for a busy machine (other runs beside this one): a test that waits for
    // something waits for the thing itself; these only stop what really hangs.
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default'],
  },
});
