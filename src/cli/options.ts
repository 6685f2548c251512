/** Option values of the client commands as the native API takes them (pure). */
import { readFileSync, statSync } from 'node:fs';
import { CliError, usageError } from './output.js';

/** Collects a repeatable option (`--policy A=x --policy B=y`). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A list given as repeated options and/or comma-separated values, trimmed, without empties. */
export const splitList = (values: readonly string[] = []): string[] =>
  values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');

/**
 * `--policy` values as the API's `policy` option: one bare policy for every type
 * (`--policy overwrite`), or `Type=policy` pairs (`Type:policy` works too) → `Type:policy,…`.
 * The server checks the type and policy names (and answers `invalid_request` naming them).
 */
export function policyQuery(values: readonly string[] = []): string | undefined {
  const items = splitList(values);
  if (items.length === 0) return undefined;
  const bare = items.filter((i) => !/[=:]/.test(i));
  if (bare.length > 0) {
    if (items.length > 1) throw usageError(`--policy: give one policy for every type ('${bare[0]}') or Type=policy pairs, not both`);
    return bare[0];
  }
  const pairs = new Map<string, string>();
  for (const item of items) {
    const [type, policy] = item.split(/[=:]/, 2).map((s) => s.trim());
    if (!type || !policy) throw usageError(`--policy: '${item}' must be Type=policy (e.g. Pipeline=overwrite)`);
    if (pairs.has(type) && pairs.get(type) !== policy) throw usageError(`--policy: ${type} is given two policies`);
    pairs.set(type, policy);
  }
  return [...pairs].map(([t, p]) => `${t}:${p}`).join(',');
}

export interface ImportFlags {
  policy?: string[];
  prefix?: string;
  prefixTypes?: string[];
  createNew?: boolean;
  accounts?: string;
}

/** The query string of an import (or its dry run). */
export function importQuery(flags: ImportFlags, dryRun: boolean): Record<string, string | undefined> {
  const policy = policyQuery(flags.policy);
  const prefixTypes = splitList(flags.prefixTypes);
  if (prefixTypes.length > 0 && !flags.prefix) throw usageError('--prefix-types needs --prefix');
  return {
    ...(dryRun ? { dry_run: 'true' } : {}),
    ...(policy ? { policy } : {}),
    ...(flags.prefix ? { prefix: flags.prefix } : {}),
    ...(prefixTypes.length > 0 ? { prefix_types: prefixTypes.join(',') } : {}),
    ...(flags.createNew ? { create_new: 'true' } : {}),
  };
}

/** The account overrides file (`--accounts accounts.json`), parsed: the server checks what it holds. */
export function readAccountsFile(path: string | undefined): unknown {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError('file_unreadable', `--accounts: can't read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError('malformed_json', `--accounts: ${path} is not JSON: ${(e as Error).message}`);
  }
}

/** A whole number option within bounds. */
export function intOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw usageError(`${name}: must be a whole number from ${min} to ${max}`);
  return n;
}

/** A file the command reads: it must exist and be a regular file. */
export function requireFile(path: string): string {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (e) {
    throw new CliError('file_unreadable', `can't read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!isFile) throw new CliError('file_unreadable', `${path} is not a file`);
  return path;
}
