/**
 * Conflict-policy resolution: which `ConflictPolicy` applies to each asset type of an
 * import, and how each wire dialect's import options map onto it (DESIGN.md, "The import
 * path"; reference/roma-connect-assets.md "Import options";
 * reference/snaplogic-apim-import.md `duplicate_check`). Pure, no I/O.
 */
import { assetTypeInfo, ROMA_TYPES, SNAPLOGIC_TYPES, type AssetType, type ConflictPolicy } from './asset-types.js';

/** Per-type conflict policy; a type that is missing takes the registry's `conflictDefault`. */
export type PolicyMap = Partial<Record<AssetType, ConflictPolicy>>;

/** The policy that applies to `type` in an import: the explicit one, else the registry default. */
export function policyFor(input: { readonly policy?: PolicyMap | undefined }, type: AssetType): ConflictPolicy {
  return input.policy?.[type] ?? assetTypeInfo(type).conflictDefault;
}

export type RomaImportMode = 'AddNew' | 'Merge';

export interface RomaPolicyOptions {
  readonly mode: RomaImportMode;
  /** `datasource_overwrite=true`. Meaningful under `Merge` only (reference: "meaningful under Merge"). */
  readonly datasourceOverwrite: boolean;
}

/**
 * ROMA `type` (`AddNew` | `Merge`) and `datasource_overwrite` as a policy for every ROMA type.
 *
 * - `AddNew` (full import): an existing application or task is an error, identical or not
 *   (`fail-if-exists`); every
 *   other type follows the registry default — data sources `keep` (an existing data
 *   source is left as it is), APIs, functions, topics and products `overwrite`.
 *   `datasource_overwrite` is ignored here: the reference calls it meaningful under
 *   `Merge` only, and an existing application already fails the import.
 * - `Merge` (incremental import): everything is overwritten, except data sources, which
 *   are overwritten only when `datasource_overwrite=true` and otherwise kept.
 *
 * Every ROMA type is listed explicitly, so the result does not depend on later changes
 * to the registry defaults.
 */
export function romaPolicy(options: RomaPolicyOptions): PolicyMap {
  const out: PolicyMap = {};
  for (const type of ROMA_TYPES) {
    if (options.mode === 'AddNew') {
      out[type] = type === 'application' || type === 'task' ? 'fail-if-exists' : assetTypeInfo(type).conflictDefault;
    } else {
      out[type] = type === 'datasource' && !options.datasourceOverwrite ? 'keep' : 'overwrite';
    }
  }
  return out;
}

/** ROMA `prefix` applies to applications and tasks (reference decision: plain concatenation). */
export const ROMA_PREFIX_TYPES: readonly AssetType[] = ['application', 'task'];

/** The plan's `prefix` option for a ROMA `prefix` parameter; none for an absent or empty value. */
export function romaPrefix(value: string | undefined): { value: string; types: AssetType[] } | undefined {
  return value === undefined || value === '' ? undefined : { value, types: [...ROMA_PREFIX_TYPES] };
}

/**
 * SnapLogic `duplicate_check` values as the adapter has parsed them; `absent` when the
 * parameter was not given. `true` is the same as `skip`, `false` the same as `create_new`.
 */
export type DuplicateCheck = 'skip' | 'true' | 'overwrite' | 'create_new' | 'false' | 'absent';

export interface SnapLogicPolicyOptions {
  readonly duplicateCheck: DuplicateCheck;
  /** `overwrite_types`, already resolved to registry types (meaningful under `overwrite` only). */
  readonly overwriteTypes?: readonly AssetType[];
}

/**
 * SnapLogic `duplicate_check` / `overwrite_types` as a policy for every SnapLogic type.
 *
 * - `skip` / `true`: an existing name is never updated and is reported under `failed`
 *   with 409 (`skip-as-failed`) — for every type, Policy included.
 * - `overwrite`: types listed in `overwrite_types` are overwritten, the others kept;
 *   Policy is always overwritten.
 * - `create_new` / `false` / `absent`: the import goes into a new or not yet existing
 *   version, so the target is empty and the policy never applies. It is `fail` for
 *   every type, so a target that is unexpectedly not empty blocks the import instead of
 *   being written silently.
 * - Expression (`.expr`) files of the package are files: they follow `File` (`overwrite`
 *   replaces them only when `overwrite_types` lists `File`). The ones a `file_expr` ZIP
 *   brings carry their own policy, `overwrite` in every mode (the reference: "a same-named
 *   expression file is overwritten"; see PlanSourceAsset.policy).
 */
export function snapLogicPolicy(options: SnapLogicPolicyOptions): PolicyMap {
  const listed = new Set<AssetType>(options.overwriteTypes ?? []);
  const out: PolicyMap = {};
  for (const type of SNAPLOGIC_TYPES) {
    const listedAs = type === 'Expression' ? 'File' : type;
    switch (options.duplicateCheck) {
      case 'skip':
      case 'true':
        out[type] = 'skip-as-failed';
        break;
      case 'overwrite':
        out[type] = type === 'Policy' || listed.has(listedAs) ? 'overwrite' : 'keep';
        break;
      case 'create_new':
      case 'false':
      case 'absent':
        out[type] = 'fail';
        break;
    }
  }
  return out;
}
