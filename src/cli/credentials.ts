/**
 * Where the client finds its server and token: ASSETPORT_SERVER and ASSETPORT_TOKEN when
 * set (for CI, no login needed), else what `assetport login` saved in the user's config
 * directory — ASSETPORT_CONFIG_DIR, else $XDG_CONFIG_HOME/assetport, else
 * ~/.config/assetport — as credentials.json, readable by the user only (file 0600,
 * directory 0700).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './output.js';

export interface Credentials {
  server: string;
  user: string;
  token: string;
  expires_at?: string;
}

export interface Session {
  server: string;
  token: string;
  /** Where the values came from, for messages. */
  from: 'env' | 'login';
}

const FILE = 'credentials.json';

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ASSETPORT_CONFIG_DIR) return env.ASSETPORT_CONFIG_DIR;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'assetport');
  return join(homedir(), '.config', 'assetport');
}

export const credentialsPath = (env: NodeJS.ProcessEnv = process.env): string => join(configDir(env), FILE);

/** A server URL without a trailing slash; refuses anything but http(s). */
export function normalizeServer(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CliError('usage', `--server: '${url}' is not a URL (e.g. http://127.0.0.1:8080)`, 2);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CliError('usage', `--server: '${url}' must be an http or https URL`, 2);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

export function saveCredentials(c: Credentials, env: NodeJS.ProcessEnv = process.env): string {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const path = join(dir, FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  // Written under a private name with mode 0600 from the start, then renamed into place.
  writeFileSync(tmp, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return path;
}

export function loadCredentials(env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const path = credentialsPath(env);
  if (!existsSync(path)) return undefined;
  let c: Partial<Credentials>;
  try {
    c = JSON.parse(readFileSync(path, 'utf8')) as Partial<Credentials>;
  } catch {
    throw new CliError('credentials_invalid', `${path} is not valid JSON: run assetport login again`);
  }
  if (typeof c.server !== 'string' || typeof c.token !== 'string' || typeof c.user !== 'string') {
    throw new CliError('credentials_invalid', `${path} lacks server, user or token: run assetport login again`);
  }
  return c as Credentials;
}

/** Removes the saved credentials; false when there were none. */
export function removeCredentials(env: NodeJS.ProcessEnv = process.env): boolean {
  const path = credentialsPath(env);
  if (!existsSync(path)) return false;
  rmSync(path, { force: true });
  return true;
}

/** The server and token a command uses: the environment's first, then the saved login. */
export function resolveSession(env: NodeJS.ProcessEnv = process.env): Session {
  const saved = loadCredentials(env);
  const server = env.ASSETPORT_SERVER ? normalizeServer(env.ASSETPORT_SERVER) : saved?.server;
  if (!server) throw new CliError('not_logged_in', 'no server: run assetport login --server URL --user NAME, or set ASSETPORT_SERVER and ASSETPORT_TOKEN');
  if (env.ASSETPORT_TOKEN) return { server, token: env.ASSETPORT_TOKEN, from: 'env' };
  if (saved && saved.server === server) return { server, token: saved.token, from: 'login' };
  throw new CliError('not_logged_in', `no token for ${server}: run assetport login --server ${server} --user NAME, or set ASSETPORT_TOKEN`);
}
