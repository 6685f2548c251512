import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../store/schema.js';
import type { KeyRing } from '../secrets/key-ring.js';
import type { Config } from '../config/config.js';
import type { Principal } from '../auth/principal.js';

/** What every service call gets: the database, the key ring, the configuration and the caller. */
export interface ServiceContext {
  db: Kysely<DB>;
  keyring: KeyRing;
  config: Config;
  principal: Principal;
  /** For work a use case runs itself (a synchronous import); the request's logger. */
  logger?: Logger;
}
