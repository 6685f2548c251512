/**
 * The ROMA import options as the engine's: `type` (or its older name `mode`) `AddNew` |
 * `Merge`, `datasource_overwrite`, `prefix` (reference/roma-connect-assets.md, "Import
 * options", with its decisions: `type` wins over `mode`; any other value is ROMA.13000).
 */
import type { AssetType } from '../../core/asset-types.js';
import { romaPolicy, romaPrefix, type PolicyMap, type RomaImportMode } from '../../core/policy.js';
import { RomaError } from './errors.js';

export interface RomaImportOptions {
  policy: PolicyMap;
  prefix: { value: string; types: AssetType[] } | undefined;
}

const one = (q: Record<string, unknown>, name: string): string | undefined => {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new RomaError('ROMA.13000', `${name}: give it once.`);
  return v;
};

export function parseRomaImportOptions(query: Record<string, unknown>): RomaImportOptions {
  for (const k of Object.keys(query)) {
    if (!['type', 'mode', 'prefix', 'datasource_overwrite'].includes(k)) throw new RomaError('ROMA.13000', `Unknown parameter '${k}'; the import takes type, prefix and datasource_overwrite.`);
  }
  const mode = one(query, 'type') ?? one(query, 'mode') ?? 'AddNew';
  if (mode !== 'AddNew' && mode !== 'Merge') throw new RomaError('ROMA.13000', `type: '${mode}' is not an import mode; use AddNew or Merge.`);
  const ow = one(query, 'datasource_overwrite') ?? 'false';
  if (ow !== 'true' && ow !== 'false') throw new RomaError('ROMA.13000', `datasource_overwrite: must be true or false, not '${ow}'.`);
  const prefix = one(query, 'prefix');
  if (prefix !== undefined && prefix.length > 64) throw new RomaError('ROMA.13000', 'prefix: at most 64 characters.');
  return { policy: romaPolicy({ mode: mode as RomaImportMode, datasourceOverwrite: ow === 'true' }), prefix: romaPrefix(prefix) };
}
