/** The `assetport` command. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/config.js';
import { MasterKeyError } from '../secrets/master-key.js';
import { createLogger } from '../logger.js';
import { openAndMigrate, startProcess } from '../server.js';
import { resetPasswordCommand, UsageError } from './reset-password.js';

/** Configuration mistakes and bad usage: one line naming the variable or the problem, exit code 2. */
function fail(e: unknown): never {
  process.stderr.write(`assetport: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof ConfigError || e instanceof MasterKeyError || e instanceof UsageError ? 2 : 1);
}

async function run(mode: { http: boolean; worker: boolean }): Promise<void> {
  const config = loadConfig();
  const proc = await startProcess(config, mode);
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      proc.logger.warn({ signal: sig }, 'second signal: exiting now');
      process.exit(1);
    }
    proc.logger.info({ signal: sig }, 'shutting down');
    proc.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        proc.logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** The package's version, from its package.json (two levels up from src/cli and from dist/cli alike). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const program = new Command('assetport')
  .description('Moves integration assets between environments as ZIP packages.')
  .version(packageVersion())
  .showHelpAfterError()
  // Usage errors (unknown command or option, missing argument) exit 2, like configuration errors; help exits 0.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program
  .command('serve')
  .description('run the HTTP service and an in-process worker')
  .option('--no-worker', 'run the HTTP service only (jobs are run by `assetport worker` processes)')
  .action((opts: { worker: boolean }) => run({ http: true, worker: opts.worker }).catch(fail));

program
  .command('worker')
  .description('run a worker only: claim and run jobs from the shared database')
  .action(() => run({ http: false, worker: true }).catch(fail));

program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(async () => {
    try {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      const database = await openAndMigrate(config, logger);
      await database.close();
    } catch (e) {
      fail(e);
    }
  });

const admin = program.command('admin').description('administer the deployment from its host, straight in its database (no server needed)');

admin
  .command('reset-password')
  .description(
    "set a user's password (the admin user by default) and revoke the user's tokens; the password is read from ASSETPORT_ADMIN_PASSWORD when set, else asked twice on the terminal",
  )
  .option('--user <name>', 'the user whose password to set (default: ASSETPORT_ADMIN_USER, else admin)')
  .action(async (opts: { user?: string }) => {
    try {
      process.stdout.write(`${await resetPasswordCommand(loadConfig(), opts)}\n`);
      process.exit(0);
    } catch (e) {
      fail(e);
    }
  });

program.parseAsync(process.argv).catch(fail);
