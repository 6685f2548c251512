/**
 * The requests every front door hands to the transfer use cases, in the engine's own
 * terms: no wire format, no dialect. A door parses its options into these (ROMA `type`,
 * SnapLogic `duplicate_check`, native `policy` …) and renders the results back.
 */
import type { AssetType } from './asset-types.js';
import type { PolicyMap } from './policy.js';

/** Where an uploaded ZIP is: a blob (imports, any worker), a private local file or memory (dry runs). */
export type PackageSource = { blobId: string } | { path: string } | { buffer: Buffer };

/**
 * What an import writes into: an existing space; an API version (created, unpublished,
 * inside the import's transaction when it does not exist yet); or a project (likewise).
 */
export type ImportTargetRef =
  | { spaceId: string }
  | { orgId: string; apiName: string; version: string }
  | { orgId: string; projectSpace: string; project: string };

/** One account override (`accounts` / `file_account` entry), matched by asset id. */
export interface AccountOverrideInput {
  id: string;
  name?: string;
  /** The entry as given: `class_id`, `property_map.settings` (plain-text values are sealed on the way in). */
  body: Record<string, unknown>;
  /** The entry's settings field names, sorted. */
  fields: string[];
}

export interface ImportRequest {
  target: ImportTargetRef;
  policy: PolicyMap;
  /** Renames: `value` joined in front of the names of assets of `types`, and of every reference to them. */
  prefix?: { value: string; types: AssetType[] };
  /** Import into a new numbered sibling of the target (`<name><N>`, projects `<name> <N>`) when the target exists. */
  createNew: boolean;
  /**
   * The target must not exist yet: an existing one refuses the whole import as a conflict,
   * nothing written (SnapLogic `import_version` without `duplicate_check`).
   */
  refuseExisting?: boolean;
  /** Plan only: read, verify and validate everything, write nothing. */
  dryRun: boolean;
  overrides: AccountOverrideInput[];
  package: PackageSource;
  /** A ZIP of `.expr` files added to the target (SnapLogic `file_expr`). */
  expressions?: PackageSource;
  /**
   * The expressions ZIP's files overwrite same-named ones in the target whatever the policy
   * (SnapLogic `file_expr`); the package's own expression files still follow the policy.
   */
  expressionsOverwrite?: boolean;
  /** At most `max` package assets of these types (ROMA: 100 applications and tasks per job). */
  limit?: { types: AssetType[]; max: number };
}

export interface ExportRequest {
  spaceId: string;
  /** Only these assets (ids); all when absent. */
  assetIds?: string[];
  /** Only assets of these types; all when absent. */
  types?: AssetType[];
  /** Add what the selection refers to, transitively (task → pipeline → account …). */
  withReferences?: boolean;
  /** Add what the selected assets own: the assets that refer to a selected application (ROMA). */
  withOwned?: boolean;
}

export const isSpaceTarget = (t: ImportTargetRef): t is { spaceId: string } => 'spaceId' in t;
export const isVersionTarget = (t: ImportTargetRef): t is { orgId: string; apiName: string; version: string } => 'apiName' in t;

/** A space copied into another place in one job: exported (all, or some types), then imported. */
export interface MigrateRequest {
  sourceSpaceId: string;
  /** Only assets of these types; all when absent. */
  types?: AssetType[];
  target: ImportTargetRef;
  policy: PolicyMap;
  createNew: boolean;
  refuseExisting?: boolean;
}

export interface DeleteRequest {
  spaceId: string;
  /** The assets to delete (ids). */
  assetIds: string[];
  /** Also delete what the selected applications own (the assets that refer to them). */
  withOwned?: boolean;
}
