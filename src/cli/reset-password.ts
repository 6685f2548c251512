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

/** Bad usage or an unknown user: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Reads one line from the terminal without echoing it. Ctrl-C or Ctrl-D ends the command. */
function readHidden(prompt: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(prompt);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    let text = '';
    const done = (err: Error | null) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003' || ch === '\u0004') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') text = [...text].slice(0, -1).join('');
        else if (ch >= ' ') text += ch;
      }
    };
    input.on('data', onData);
  });
}

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
