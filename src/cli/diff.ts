/**
 * What changed between two packages, per asset (pure): assets are matched by type and
 * name (the identity of an asset in a space); a changed asset lists what differs — its
 * `status`, `refs`, the binary `content`, or the paths of its JSON document that differ
 * (`body.property_map.settings.host.value`). Values are never shown, so a secret's
 * ciphertext never reaches the output: only that it changed.
 */
import type { Colors } from './output.js';
import { plainTable } from './render-plan.js';

export interface DiffAsset {
  type: string;
  name: string;
  status: string;
  refs: ReadonlyArray<{ type: string; name: string }>;
  sha256: string;
  /** The parsed JSON document; undefined for a binary asset. */
  body?: unknown;
}

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface AssetChange {
  change: ChangeKind;
  type: string;
  name: string;
  /** What differs, for `changed`. */
  fields: string[];
}

export interface PackageDiff {
  summary: Record<ChangeKind | 'unchanged', number>;
  changes: AssetChange[];
}

/** Paths listed for one asset at most; past that, one entry says how many more. */
const MAX_PATHS = 20;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const key = (a: { type: string; name: string }): string => `${a.type}\u0000${a.name}`;
const segment = (k: string): string => (/^[A-Za-z_$][\w$-]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);

/** The paths under which two JSON values differ (a path whose value is replaced whole stops there). */
export function changedPaths(a: unknown, b: unknown, path = 'body', out: string[] = []): string[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) changedPaths(a[k], b[k], `${path}${segment(k)}`, out);
  } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => changedPaths(v, b[i], `${path}[${i}]`, out));
  } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path);
  return out;
}

const refsText = (refs: DiffAsset['refs']): string => JSON.stringify([...refs].map(key).sort());

function assetFields(a: DiffAsset, b: DiffAsset): string[] {
  const fields: string[] = [];
  if (a.status !== b.status) fields.push('status');
  if (refsText(a.refs) !== refsText(b.refs)) fields.push('refs');
  if (a.sha256 !== b.sha256) {
    if (a.body === undefined || b.body === undefined) fields.push('content');
    else {
      const paths = changedPaths(a.body, b.body);
      // Same document, other bytes (white space, key order): the text changed, not the data.
      fields.push(...(paths.length === 0 ? ['body (formatting only)'] : paths.length > MAX_PATHS ? [...paths.slice(0, MAX_PATHS), `… ${paths.length - MAX_PATHS} more`] : paths));
    }
  }
  return fields;
}

export function diffPackages(before: readonly DiffAsset[], after: readonly DiffAsset[]): PackageDiff {
  const old = new Map(before.map((a) => [key(a), a]));
  const now = new Map(after.map((a) => [key(a), a]));
  const changes: AssetChange[] = [];
  let unchanged = 0;
  for (const [k, a] of old) {
    const b = now.get(k);
    if (!b) changes.push({ change: 'removed', type: a.type, name: a.name, fields: [] });
    else {
      const fields = assetFields(a, b);
      if (fields.length > 0) changes.push({ change: 'changed', type: a.type, name: a.name, fields });
      else unchanged += 1;
    }
  }
  for (const [k, b] of now) if (!old.has(k)) changes.push({ change: 'added', type: b.type, name: b.name, fields: [] });
  changes.sort((x, y) => (x.type === y.type ? (x.name < y.name ? -1 : x.name > y.name ? 1 : 0) : x.type < y.type ? -1 : 1));
  const count = (c: ChangeKind) => changes.filter((x) => x.change === c).length;
  return { summary: { added: count('added'), removed: count('removed'), changed: count('changed'), unchanged }, changes };
}

const SIGN: Record<ChangeKind, string> = { added: '+', removed: '-', changed: '~' };

export function renderDiff(d: PackageDiff, c: Colors): string {
  const paint = (k: ChangeKind, s: string) => (k === 'added' ? c.green(s) : k === 'removed' ? c.red(s) : c.yellow(s));
  const s = d.summary;
  const line = `${c.bold('Diff:')} ${s.added} added, ${s.removed} removed, ${s.changed} changed, ${s.unchanged} unchanged.`;
  if (d.changes.length === 0) return `The packages hold the same assets.\n\n${line}`;
  const rows = d.changes.map((x) => [paint(x.change, SIGN[x.change]), paint(x.change, x.change), x.type, x.name, x.fields.join(', ')]);
  return `${plainTable(['', 'CHANGE', 'TYPE', 'NAME', 'FIELDS'], rows)}\n\n${line}`;
}
