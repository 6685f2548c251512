/**
 * The `assetport` command. The service commands (`serve`, `worker`, `migrate`, `admin`, `keys`)
 * load the server's modules when they run; the client commands (`login`, `export`, `plan`,
 * `import`, `jobs`, …, see docs/cli.md) talk to a server over the native API and never
 * load them, so they start fast.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { browseCommands } from './commands/browse.js';
import { jobCommands } from './commands/jobs.js';
import { offlineCommands } from './commands/offline.js';
import { sessionCommands } from './commands/session.js';
import { transferCommands } from './commands/transfer.js';

const serverCommands = () => import('./server-commands.js');

/** The package's version, from its package.json (two levels up from src/cli and from dist/cli alike). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const program = new Command('assetport')
  .description('Moves integration assets between environments as ZIP packages.')
  .version(packageVersion())
  .configureOutput({
    // A usage error is one line, like every other error: `assetport: usage: …`.
    outputError: (text, write) => write(`assetport: usage: ${text.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()} (see --help)\n`),
  })
  .addHelpText('after', '\nEvery client command takes --json and --help (with examples). The server and token come\nfrom `assetport login`, or from ASSETPORT_SERVER and ASSETPORT_TOKEN. See docs/cli.md.\n')
  // Usage errors (unknown command or option, missing argument) exit 2, like configuration errors; help exits 0.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program
  .command('serve')
  .description('run the HTTP service and an in-process worker')
  .option('--no-worker', 'run the HTTP service only (jobs are run by `assetport worker` processes)')
  .action(async (opts: { worker: boolean }) => {
    const s = await serverCommands();
    await s.runService({ http: true, worker: opts.worker }).catch(s.failServer);
  });

program
  .command('worker')
  .description('run a worker only: claim and run jobs from the shared database')
  .action(async () => {
    const s = await serverCommands();
    await s.runService({ http: false, worker: true }).catch(s.failServer);
  });

program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(async () => {
    const s = await serverCommands();
    await s.migrateCommand().catch(s.failServer);
  });

const admin = program.command('admin').description('administer the deployment from its host, straight in its database (no server needed)');

admin
  .command('reset-password')
  .description(
    "set a user's password (the admin user by default) and revoke the user's tokens; the password is read from ASSETPORT_ADMIN_PASSWORD when set, else asked twice on the terminal",
  )
  .option('--user <name>', 'the user whose password to set (default: ASSETPORT_ADMIN_USER, else admin)')
  .action(async (opts: { user?: string }) => {
    const s = await serverCommands();
    try {
      process.stdout.write(`${await s.resetPassword(opts)}\n`);
      process.exit(0);
    } catch (e) {
      s.failServer(e);
    }
  });

const keys = program.command('keys').description('master key rotation, straight in the database (see docs/operations.md)');

keys
  .command('status')
  .description('print how many stored secrets are sealed under each master key id')
  .action(async () => {
    const s = await serverCommands();
    await s.keysStatus().then(() => process.exit(0), s.failServer);
  });

keys
  .command('rotate')
  .description('re-seal every stored secret under the current (first) master key, in batches; resumable, safe while servers run on PostgreSQL')
  .option('--batch-size <n>', 'rows per transaction (default 200)')
  .action(async (opts: { batchSize?: string }) => {
    const s = await serverCommands();
    await s.keysRotate(opts).then(() => process.exit(0), s.failServer);
  });

sessionCommands(program);
transferCommands(program);
jobCommands(program);
browseCommands(program);
offlineCommands(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`assetport: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
