/**
 * The commands that run the service on this host (`serve`, `worker`, `migrate`, `admin
 * reset-password`, `keys status`, `keys rotate`). Loaded only when one of them runs, so the client commands never load
 * the server's modules.
 */
import { setPasswordHashCost } from '../auth/passwords.js';
import { ConfigError, loadConfig as loadEnvConfig, type Config } from '../config/config.js';
import { MasterKeyError } from '../secrets/master-key.js';
import { createLogger } from '../logger.js';
import { openAndMigrate, startProcess } from '../server.js';
import { UsageError } from './prompt.js';
import { keysRotateCommand, keysStatusCommand } from './keys.js';
import { resetPasswordCommand } from './reset-password.js';

/** Configuration mistakes and bad usage: one line naming the variable or the problem, exit code 2. */
export function failServer(e: unknown): never {
  process.stderr.write(`assetport: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof ConfigError || e instanceof MasterKeyError || e instanceof UsageError ? 2 : 1);
}

/** The configuration from the environment; what it sets for the whole process (the password hash cost) is set. */
function loadConfig(): Config {
  const config = loadEnvConfig();
  setPasswordHashCost(config.passwordHashCost);
  return config;
}

/** Runs HTTP and/or a worker until SIGINT or SIGTERM. */
export async function runService(mode: { http: boolean; worker: boolean }): Promise<void> {
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

export async function migrateCommand(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = await openAndMigrate(config, logger);
  await database.close();
}

export async function resetPassword(opts: { user?: string }): Promise<string> {
  return resetPasswordCommand(loadConfig(), opts);
}

const printLine = (line: string): void => void process.stdout.write(`${line}\n`);

export async function keysStatus(): Promise<void> {
  await keysStatusCommand(loadConfig(), printLine);
}

export async function keysRotate(opts: { batchSize?: string }): Promise<void> {
  await keysRotateCommand(loadConfig(), opts, printLine);
}
