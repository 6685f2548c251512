/**
 * `assetport admin reset-password [--user U]`: sets a user's password (the admin user by
 * default) and revokes every token of that user, straight in the database — DATABASE_URL
 * or the embedded one in the data directory — so it works with no server running. On
 * PostgreSQL it is safe while servers run (one short transaction); the embedded database
 * belongs to one process, so there the server must be stopped first (it is refused
 * otherwise).
 *
 * The password comes from ASSETPORT_ADMIN_PASSWORD when set (non-interactive), else it is
 * asked twice on the terminal without echo. It is never printed or logged.
 */
import { pino } from 'pino';
import type { Config } from '../config/config.js';
import { isDomainError } from '../core/errors.js';
import { createLogger } from '../logger.js';
import { openAndMigrate } from '../server.js';
import { resetPassword } from '../service/users.js';
import { readHidden, UsageError } from './prompt.js';

async function newPassword(config: Config): Promise<string> {
  if (config.adminPassword !== undefined) return config.adminPassword;
  if (!process.stdin.isTTY) {
    throw new UsageError('no password given: set ASSETPORT_ADMIN_PASSWORD, or run the command on a terminal to type it');
  }
  const first = await readHidden('New password: ');
  const second = await readHidden('Repeat it: ');
  if (first !== second) throw new UsageError('the two passwords differ; nothing was changed');
  return first;
}

/** Runs the command; returns the line to print. Throws UsageError for bad usage or an unknown user. */
export async function resetPasswordCommand(config: Config, opts: { user?: string }): Promise<string> {
  const user = opts.user ?? config.adminUser;
  const password = await newPassword(config);
  // Logs (migrations applied, warnings) go to standard error; standard output gets the one line.
  const logger = createLogger(config.logLevel === 'silent' ? 'silent' : 'warn', pino.destination(2));
  const database = await openAndMigrate(config, logger);
  try {
    const r = await resetPassword(database.db, user, password, 'assetport admin reset-password').catch((e: unknown) => {
      if (isDomainError(e)) throw new UsageError(e.message);
      throw e;
    });
    if (!r) throw new UsageError(`there is no user named '${user}'; nothing was changed`);
    const tokens = `${r.revokedTokens} token${r.revokedTokens === 1 ? '' : 's'}`;
    return `assetport: set a new password for ${r.admin ? 'admin ' : ''}user '${user}' and revoked its ${tokens}`;
  } finally {
    await database.close();
  }
}
