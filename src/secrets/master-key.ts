/**
 * Where the master keys come from.
 *
 * 1. `ASSETPORT_MASTER_KEY` (passed in as `envValue`): a comma-separated list of keys, the
 *    first being current, the others kept only to decrypt (rotation). Each key is either
 *    64 hex characters or base64 / base64url (padded or not) of exactly 32 bytes. Blanks
 *    around entries are ignored; an empty entry is an error. A value that is empty or only
 *    white space counts as unset (a common artefact of `KEY=` lines in env files).
 * 2. Otherwise `<dataDir>/master.key`: one key per line in the same formats (`#` starts a
 *    comment line), first line current. When the file does not exist a key is generated and
 *    written hex-encoded with mode 0600 through an exclusive create (`wx`): when two
 *    processes start at once, the loser of the create (EEXIST) reads the winner's file, so
 *    both use the same key. A file whose permissions are looser than 0600 is tightened.
 *
 * Errors are `MasterKeyError`; messages name the variable or the path, never a key.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const MASTER_KEY_ENV = 'ASSETPORT_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';

export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

export interface LoadedMasterKeys {
  /** First = current. */
  keys: Buffer[];
  source: 'env' | 'file';
  /** True when this call generated the key file. */
  generated: boolean;
}

const HEX_KEY_RE = /^[0-9a-fA-F]{64}$/;
const B64_KEY_RE = /^[A-Za-z0-9+/_-]{43}(?:=)?$/;

/** Parses one key in any accepted format; null when it is none of them. */
export function parseMasterKey(text: string): Buffer | null {
  if (HEX_KEY_RE.test(text)) return Buffer.from(text, 'hex');
  if (B64_KEY_RE.test(text)) {
    // Node's base64 decoder accepts both alphabets.
    const buf = Buffer.from(text.replace(/=$/, ''), 'base64');
    if (buf.length !== 32) return null;
    // Reject stray bits in the last character (non-canonical encoding of some other value).
    const canon = buf.toString('base64url');
    if (canon !== text.replace(/=$/, '').replace(/\+/g, '-').replace(/\//g, '_')) return null;
    return buf;
  }
  return null;
}

function dedupe(keys: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const k of keys) if (!out.some((o) => o.equals(k))) out.push(k);
  return out;
}

/** Parses the value of ASSETPORT_MASTER_KEY. Throws MasterKeyError naming the entry's position. */
export function parseMasterKeyList(value: string): Buffer[] {
  const entries = value.split(',').map((e) => e.trim());
  const keys = entries.map((entry, i) => {
    const where = entries.length > 1 ? ` (entry ${i + 1} of ${entries.length})` : '';
    if (entry === '') throw new MasterKeyError(`${MASTER_KEY_ENV}${where} is empty; expected 64 hex characters or base64 of 32 bytes`);
    const key = parseMasterKey(entry);
    if (!key) throw new MasterKeyError(`${MASTER_KEY_ENV}${where} is not a valid key; expected 64 hex characters or base64 of 32 bytes`);
    return key;
  });
  return dedupe(keys);
}

function parseKeyFile(text: string, path: string): Buffer[] {
  const keys: Buffer[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const key = parseMasterKey(line);
    if (!key) throw new MasterKeyError(`${path} line ${i + 1} is not a valid key; expected 64 hex characters or base64 of 32 bytes`);
    keys.push(key);
  });
  if (keys.length === 0) throw new MasterKeyError(`${path} holds no key; delete it to have a new key generated, or put a 64-hex-character key in it`);
  return dedupe(keys);
}

const errnoCode = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function tightenMode(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const st = await stat(path);
  if ((st.mode & 0o177) === 0) return;
  try {
    await chmod(path, 0o600);
  } catch {
    throw new MasterKeyError(`${path} is readable by others and its permissions could not be tightened to 0600`);
  }
}

/**
 * Reads an existing key file. Another process may have just created it and not yet written
 * its content (the create and the write are two system calls), so a file that is empty or
 * holds a partial hex key is re-read for a short while before it counts as malformed.
 */
async function readKeyFile(path: string): Promise<Buffer[]> {
  const partial = /^[0-9a-fA-F]{0,63}$/;
  for (let attempt = 0; ; attempt++) {
    const text = await readFile(path, 'utf8');
    if (partial.test(text) && attempt < 50) {
      await sleep(20);
      continue;
    }
    await tightenMode(path);
    return parseKeyFile(text, path);
  }
}

export async function loadMasterKeys(opts: { envValue?: string | undefined; dataDir: string }): Promise<LoadedMasterKeys> {
  if (opts.envValue !== undefined && opts.envValue.trim() !== '') {
    return { keys: parseMasterKeyList(opts.envValue), source: 'env', generated: false };
  }

  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const path = join(opts.dataDir, MASTER_KEY_FILE);
  try {
    return { keys: await readKeyFile(path), source: 'file', generated: false };
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }

  const key = randomBytes(32);
  try {
    await writeFile(path, `${key.toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e;
    // Another process won the race: use its key.
    return { keys: await readKeyFile(path), source: 'file', generated: false };
  }
  await tightenMode(path);
  return { keys: [key], source: 'file', generated: true };
}
