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
  /**
   * Called at each step of an import's transaction with the step's name; throwing there
   * aborts the import at that step. Used by the fault-injection tests; unset in service.
   */
  faults?: (step: ImportStep) => void;
}

export type ImportStep = 'target' | 'plan' | 'insert' | 'update' | 'accounts' | 'audit' | 'complete';
