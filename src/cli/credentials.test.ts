import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configDir, credentialsPath, loadCredentials, normalizeServer, removeCredentials, resolveSession, saveCredentials } from './credentials.js';
import { CliError } from './output.js';

const root = mkdtempSync(join(tmpdir(), 'assetport-cred-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const errorCode = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof CliError ? e.code : 'other';
  }
  return undefined;
};

describe('saved credentials', () => {
  it('live in ASSETPORT_CONFIG_DIR, else $XDG_CONFIG_HOME/assetport, else ~/.config/assetport', () => {
    expect(configDir({ ASSETPORT_CONFIG_DIR: '/x', XDG_CONFIG_HOME: '/y' })).toBe('/x');
    expect(configDir({ XDG_CONFIG_HOME: '/y' })).toBe('/y/assetport');
    expect(configDir({})).toMatch(/\.config\/assetport$/);
  });

  it('are written readable by the user only (file 0600, directory 0700) and read back', () => {
    const env = { ASSETPORT_CONFIG_DIR: join(root, 'a', 'cfg') };
    const path = saveCredentials({ server: 'http://h:1', user: 'u', token: 'apt_x' }, env);
    expect(path).toBe(credentialsPath(env));
    expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(env.ASSETPORT_CONFIG_DIR).mode & 0o777).toString(8)).toBe('700');
    expect(loadCredentials(env)).toEqual({ server: 'http://h:1', user: 'u', token: 'apt_x' });
    expect(removeCredentials(env)).toBe(true);
    expect(removeCredentials(env)).toBe(false);
    expect(loadCredentials(env)).toBeUndefined();
  });

  it('refuse a file that is not theirs to read', () => {
    const env = { ASSETPORT_CONFIG_DIR: join(root, 'b') };
    saveCredentials({ server: 'http://h:1', user: 'u', token: 't' }, env);
    writeFileSync(credentialsPath(env), '{');
    expect(errorCode(() => loadCredentials(env))).toBe('credentials_invalid');
    writeFileSync(credentialsPath(env), '{"server": "http://h:1"}');
    expect(errorCode(() => loadCredentials(env))).toBe('credentials_invalid');
  });

  it('give way to ASSETPORT_SERVER and ASSETPORT_TOKEN', () => {
    const env = { ASSETPORT_CONFIG_DIR: join(root, 'c') };
    expect(errorCode(() => resolveSession(env))).toBe('not_logged_in');
    saveCredentials({ server: 'http://saved:1', user: 'u', token: 'saved' }, env);
    expect(resolveSession(env)).toEqual({ server: 'http://saved:1', token: 'saved', from: 'login' });
    expect(resolveSession({ ...env, ASSETPORT_TOKEN: 'env' })).toEqual({ server: 'http://saved:1', token: 'env', from: 'env' });
    expect(resolveSession({ ...env, ASSETPORT_SERVER: 'http://other:2/', ASSETPORT_TOKEN: 'env' })).toEqual({ server: 'http://other:2', token: 'env', from: 'env' });
    // The saved token is never sent to another server.
    expect(errorCode(() => resolveSession({ ...env, ASSETPORT_SERVER: 'http://other:2' }))).toBe('not_logged_in');
  });

  it('take http(s) server URLs only', () => {
    expect(normalizeServer('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(normalizeServer('https://h.example/base/')).toBe('https://h.example/base');
    expect(errorCode(() => normalizeServer('ftp://h'))).toBe('usage');
    expect(errorCode(() => normalizeServer('not a url'))).toBe('usage');
  });
});
