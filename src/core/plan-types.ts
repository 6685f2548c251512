/**
 * The import plan's types: its input (package and target assets, policy, prefix, account
 * overrides) and its result (items, warnings, problems, account updates, summary).
 * The planner is `plan()` in plan.ts, which re-exports all of these.
 */
import type { AssetType, ConflictPolicy } from './asset-types.js';
import type { PolicyMap } from './policy.js';

export type AssetStatus = 'enabled' | 'disabled';

export interface AssetRef {
  type: AssetType;
  name: string;
}

export interface PlanSourceAsset {
  id: string;
  type: AssetType;
  name: string;
  sha256: string;
  status: AssetStatus;
  refs: readonly AssetRef[];
  /** Secret settings whose ciphertext this deployment cannot decrypt (no key). */
  undecryptableSecretFields?: readonly string[];
  /** The asset's own conflict policy, over its type's (a `file_expr` file: always `overwrite`). */
  policy?: ConflictPolicy;
}

export interface PlanTargetAsset {
  id: string;
  type: AssetType;
  name: string;
  sha256: string;
  status: AssetStatus;
  refs: readonly AssetRef[];
  revision: number;
}

/** One `file_account` entry: plain-text settings for one account, matched by asset id. */
export interface AccountOverride {
  /** The account's asset id as in the package (`snode_id`), or a target account's id. */
  id: string;
  name?: string;
  /** Settings keys it supplies. */
  fields: readonly string[];
}

export interface PlanInput {
  side: 'roma' | 'snaplogic';
  /** The package's assets. */
  source: readonly PlanSourceAsset[];
  /** The current assets of the target space. */
  target: readonly PlanTargetAsset[];
  /** Per-type conflict policy; a missing type takes the registry's `conflictDefault`. */
  policy?: PolicyMap;
  /** ROMA `prefix`: prepended (plain concatenation) to the names of assets of these types. */
  prefix?: { value: string; types: readonly AssetType[] };
  /** SnapLogic `file_account` entries (ROMA: data-source credentials). */
  accountOverrides?: readonly AccountOverride[];
}

/**
 * What the import does to one package asset — the one vocabulary of plans, dry runs and
 * finished jobs: `create` (no asset of its type and target name; a prefixed name too),
 * `update` (replaces the existing one: policy `overwrite`), `unchanged` (identical),
 * `keep` (the existing one is left: policy `keep`), `skip` (not written, reported as failed
 * with 409: policy `skip-as-failed`), `conflict` (the import is refused: policy `fail` or
 * `fail-if-exists`; the problem has code `conflict`).
 */
export type PlanAction = 'create' | 'update' | 'unchanged' | 'keep' | 'skip' | 'conflict';

export type PlanWarningCode = 'unresolved_reference' | 'secret_unavailable' | 'override_not_applied';

/** A warning as data; each front door words it (import-warnings.ts). */
export interface PlanWarning {
  code: PlanWarningCode;
  sourceId: string;
  type: AssetType;
  /** The asset's name in the target. */
  name: string;
  /** `secret_unavailable`: the secret settings still missing; `override_not_applied`: the settings supplied. */
  fields?: string[];
  /** `unresolved_reference`: the reference (as rewritten for renames) that does not resolve. */
  ref?: AssetRef;
}

export type PlanProblemCode =
  | 'conflict'
  | 'invalid_name'
  | 'invalid_reference'
  | 'invalid_type'
  | 'duplicate_asset'
  | 'duplicate_id'
  | 'override_unmatched'
  | 'override_duplicate'
  | 'override_fields'
  /** An override that can't be applied to its account (shape or class differs); found when the writes are checked. */
  | 'override_invalid'
  /** More assets of the limited types than the import allows (found when the writes are checked). */
  | 'too_many_assets';

export interface PlanProblem {
  code: PlanProblemCode;
  message: string;
  sourceId?: string;
  type?: AssetType;
  name?: string;
}

export interface PlanItem {
  sourceId: string;
  type: AssetType;
  sourceName: string;
  /** The name in the target (after the prefix). */
  name: string;
  /** The package name, when the prefix changed it (`name` is then the prefixed one). */
  renamedFrom?: string;
  action: PlanAction;
  /** The same-named asset already in the target. */
  targetId?: string;
  targetRevision?: number;
  /** The status it will have after the import (a kept or conflicting asset keeps the target's). */
  status: AssetStatus;
  /** The package asset's references, rewritten for renamed package assets. */
  refs: AssetRef[];
  /** The asset's own conflict policy, when it has one (PlanSourceAsset.policy). */
  policy?: ConflictPolicy;
  /** A conflict under policy `fail`: the import cannot run. */
  blocking?: boolean;
  /** Skipped (`skip-as-failed`): not written, reported as failed. */
  failed?: { statusCode: 409; reason: string };
  /**
   * Settings that account overrides supply for this account (sorted, distinct). When the
   * item is written (create/update), the apply step takes them from the override;
   * when it is unchanged or kept, they are applied through `Plan.accountUpdates`.
   */
  overrideFields?: string[];
  /**
   * The overrides that supply them, in the order they are applied: the one matching the
   * package account's id, then one matching the id of the target account it replaces.
   */
  overrideIds?: string[];
  warnings: PlanWarning[];
}

/**
 * An account override applied to an account that stays in the target as it is otherwise
 * (a package account that is unchanged or kept, or a target account not in the package):
 * the apply step sets these settings from the override, as a new revision.
 */
export interface AccountUpdate {
  /**
   * The ids of the overrides applied, in order (the package or target asset ids they
   * matched): a package account's override first, then one matching the target account.
   */
  overrideIds: string[];
  targetId: string;
  targetRevision: number;
  type: AssetType;
  name: string;
  fields: string[];
}

/** How many items take each action, and how many the import writes disabled although the package has them enabled. */
export type PlanSummary = Record<PlanAction, number> & {
  /** Items the import writes (create/update) disabled although the package has them enabled. */
  disabled: number;
};

export interface Plan {
  /** False iff there is at least one problem; then nothing may be applied. */
  ok: boolean;
  /** Ordered by tier, then type (registry order within a tier), then target name. */
  items: PlanItem[];
  /** Every item's warnings, in item order. */
  warnings: PlanWarning[];
  problems: PlanProblem[];
  /** Overrides for accounts the items do not write; ordered like items, then by override id. */
  accountUpdates: AccountUpdate[];
  summary: PlanSummary;
}
