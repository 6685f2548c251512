import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

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

/**
 * A test file that starts assetport (or npm, or a browser) as processes of their own, or
 * creates embedded databases from nothing: the longest ones.
 */
const startsProcesses = (file: string): boolean => /\b(runCli|runNode|cliRun|installTarball|openAndMigrate)\(|\bchromium\.launch/.test(readFileSync(file, 'utf8'));

/**
 * The files that start processes first, then vitest's own order (the longest of the last
 * run first, when it remembers one; else the largest). Without a last run (a fresh clone,
 * as in CI) the long process tests would otherwise start wherever their size puts them,
 * and a run ends when its last long file does.
 */
class ProcessTestsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const first = new Set(sorted.filter((f) => startsProcesses(f.moduleId)));
    return [...sorted.filter((f) => first.has(f)), ...sorted.filter((f) => !first.has(f))];
  }
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
    // The embedded database's WebAssembly on V8's baseline compiler only, as in the
    // processes the tests start (see test/helpers/process.ts): a test process opens many
    // embedded databases, each on a thread of its own that compiled PostgreSQL's hot
    // functions again with the optimising compiler; the PGlite pass took ~10 % less CPU.
    poolOptions: { forks: { maxForks: 2, minForks: 1, isolate: false, execArgv: ['--liftoff-only'] } },
    reporters: ['default'],
    sequence: { sequencer: ProcessTestsFirst },
  },
});
