/**
 * `assetport keys status` and `assetport keys rotate [--batch-size N]`: master key rotation,
 * straight in the database — DATABASE_URL or the embedded one in the data directory. The
 * keys are the deployment's own (ASSETPORT_MASTER_KEY, else <data dir>/master.key), first
 * = current. `rotate` re-seals every secret under another key with the current one, in
 * batches of short transactions, printing progress; on PostgreSQL it runs while servers
 * and workers run. Only key ids and counts are printed, never a key or a secret.
 */
import { pino } from 'pino';
import type { Config } from '../config/config.js';
import { createLogger } from '../logger.js';
import { KeyRing } from '../secrets/key-ring.js';
import { loadMasterKeys } from '../secrets/master-key.js';
import { openAndMigrate } from '../server.js';
import { keyStatus, rotateKeys, type RotationProgress } from '../service/key-rotation.js';
import { UsageError } from './prompt.js';

type Print = (line: string) => void;

async function withDatabase<T>(config: Config, run: (db: Awaited<ReturnType<typeof openAndMigrate>>['db'], ring: KeyRing) => Promise<T>): Promise<T> {
  const keys = await loadMasterKeys({ envValue: config.masterKey, dataDir: config.dataDir });
  const ring = KeyRing.fromMasterKeys(keys.keys);
  // Logs (migrations applied, warnings) go to standard error; standard output gets the report.
  const logger = createLogger(config.logLevel === 'silent' ? 'silent' : 'warn', pino.destination(2));
  const database = await openAndMigrate(config, logger);
  try {
    return await run(database.db, ring);
  } finally {
    await database.close();
  }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function parseBatchSize(text: string | undefined): number {
  if (text === undefined) return 200;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > 10_000) throw new UsageError(`--batch-size must be a whole number from 1 to 10000, not '${text}'`);
  return n;
}

/** Prints how many secrets are sealed under each key id. */
export async function keysStatusCommand(config: Config, print: Print): Promise<void> {
  await withDatabase(config, async (db, ring) => {
    const s = await keyStatus(db, ring);
    for (const k of s.keys) {
      const role = k.keyId === s.currentKeyId ? 'current' : k.held ? 'decrypt only' : 'NOT HELD: these secrets cannot be read';
      print(`key ${k.keyId} (${role}): ${plural(k.secrets, 'secret')}`);
    }
    if (s.malformed > 0) print(`${plural(s.malformed, 'malformed sealed value')} (no key id)`);
    const left = s.keys.filter((k) => k.keyId !== s.currentKeyId).reduce((n, k) => n + k.secrets, 0);
    print(left === 0 ? 'every secret is under the current key' : `${plural(left, 'secret')} not under the current key: run \`assetport keys rotate\``);
  });
}

const describeProgress = (p: RotationProgress): string =>
  `${p.table}: ${plural(p.scanned, 'row')} read, ${p.resealed} re-sealed, ${p.changed} changed meanwhile, ${p.unreadable} unreadable`;

/** Re-seals every secret under the current key, printing a line per batch and a summary. */
export async function keysRotateCommand(config: Config, opts: { batchSize?: string }, print: Print): Promise<void> {
  const batchSize = parseBatchSize(opts.batchSize);
  await withDatabase(config, async (db, ring) => {
    print(`re-sealing every secret under key ${ring.currentKeyId} in batches of ${batchSize}`);
    const totals = await rotateKeys(db, ring, { batchSize, onBatch: (p) => print(describeProgress(p)) });
    const sum = (f: (p: RotationProgress) => number) => totals.reduce((n, p) => n + f(p), 0);
    print(`done: ${plural(sum((p) => p.resealed), 'row')} re-sealed`);
    if (sum((p) => p.changed) > 0) print(`${plural(sum((p) => p.changed), 'row')} changed while being re-sealed: run \`assetport keys rotate\` again`);
    if (sum((p) => p.unreadable) > 0) print(`${plural(sum((p) => p.unreadable), 'secret')} could not be decrypted with the configured keys and were left as they are (see \`assetport keys status\`)`);
  });
}
