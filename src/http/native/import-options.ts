/**
 * Native import options, from the query string and/or an `options` JSON part:
 * `policy` (one policy for every type, `Type:policy,…`, or `{Type: policy}`), `prefix`,
 * `prefix_types`, `create_new`, `dry_run`.
 */
import { assetTypeInfo, CONFLICT_POLICIES, isAssetType, typeFromWireName, type AssetType, type ConflictPolicy } from '../../core/asset-types.js';
import { DomainError } from '../../core/errors.js';
import { ROMA_PREFIX_TYPES, type PolicyMap } from '../../core/policy.js';

export interface ImportOptions {
  policy: PolicyMap;
  prefix?: { value: string; types: AssetType[] };
  createNew: boolean;
  dryRun: boolean;
}

const bad = (field: string, msg: string) => new DomainError('invalid_request', `${field}: ${msg}`, { field });

function bool(v: unknown, field: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === true || v === 'true' || v === '1') return true;
  if (v === false || v === 'false' || v === '0') return false;
  throw bad(field, 'must be true or false.');
}

function policyValue(v: unknown, field: string): ConflictPolicy {
  if (typeof v !== 'string' || !(CONFLICT_POLICIES as readonly string[]).includes(v)) throw bad(field, `must be one of ${CONFLICT_POLICIES.join(', ')}.`);
  return v as ConflictPolicy;
}

function typeValue(v: string, side: 'roma' | 'snaplogic', field: string): AssetType {
  const t = isAssetType(v) ? v : typeFromWireName(v, side);
  if (!t || assetTypeInfo(t).side !== side) throw bad(field, `'${v}' is not an asset type of this space.`);
  return t;
}

function parsePolicy(v: unknown, side: 'roma' | 'snaplogic', types: readonly AssetType[]): PolicyMap {
  if (v === undefined) return {};
  const out: PolicyMap = {};
  if (typeof v === 'string' && !v.includes(':')) {
    const p = policyValue(v, 'policy');
    for (const t of types) out[t] = p;
    return out;
  }
  const pairs: Array<[string, unknown]> =
    typeof v === 'string'
      ? v.split(',').filter(Boolean).map((kv) => {
          const i = kv.indexOf(':');
          if (i < 0) throw bad('policy', `'${kv}' must be Type:policy.`);
          return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()];
        })
      : typeof v === 'object' && v !== null && !Array.isArray(v)
        ? Object.entries(v as Record<string, unknown>)
        : (() => {
            throw bad('policy', 'must be a policy, Type:policy pairs, or an object {Type: policy}.');
          })();
  for (const [k, p] of pairs) out[typeValue(k, side, 'policy')] = policyValue(p, `policy.${k}`);
  return out;
}

export function parseImportOptions(query: Record<string, unknown>, json: unknown, side: 'roma' | 'snaplogic', sideTypes: readonly AssetType[]): ImportOptions {
  if (json !== undefined && (typeof json !== 'object' || json === null || Array.isArray(json))) throw bad('options', 'must be a JSON object.');
  const o = { ...query, ...((json as Record<string, unknown> | undefined) ?? {}) };
  const known = new Set(['policy', 'prefix', 'prefix_types', 'create_new', 'dry_run']);
  for (const k of Object.keys(o)) if (!known.has(k)) throw bad(k, `unknown option; use ${[...known].join(', ')}.`);
  const policy = parsePolicy(o.policy, side, sideTypes);
  let prefix: ImportOptions['prefix'];
  if (o.prefix !== undefined && o.prefix !== '') {
    if (typeof o.prefix !== 'string' || o.prefix.length > 64) throw bad('prefix', 'must be a string of at most 64 characters.');
    let types: AssetType[] = side === 'roma' ? [...ROMA_PREFIX_TYPES] : [...sideTypes];
    if (o.prefix_types !== undefined) {
      const list = typeof o.prefix_types === 'string' ? o.prefix_types.split(',').filter(Boolean) : Array.isArray(o.prefix_types) ? o.prefix_types : null;
      if (!list) throw bad('prefix_types', 'must be a list of types.');
      types = list.map((t) => typeValue(String(t).trim(), side, 'prefix_types'));
    }
    prefix = { value: o.prefix, types };
  }
  return { policy, ...(prefix ? { prefix } : {}), createNew: bool(o.create_new, 'create_new') ?? false, dryRun: bool(o.dry_run, 'dry_run') ?? false };
}
