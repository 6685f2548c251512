import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { KeyRing } from '../secrets/key-ring.js';
import type { Database } from '../store/database.js';

/** What job handlers are given. */
export interface JobDeps {
  config: Config;
  database: Database;
  keyring: KeyRing;
  logger: Logger;
}
