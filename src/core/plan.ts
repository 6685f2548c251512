/**
 * The import plan: a pure function of (package assets, target assets, conflict policy,
 * prefix, account overrides) that says, for every package asset, what the import will do
 * — `create | update | unchanged | keep | skip | conflict` — with the status the asset
 * will have afterwards, its references rewritten for renames, warnings, and every problem
 * that blocks the import, all at once. The same function serves dry runs and the apply
 * step. No I/O, no clock, no randomness: equal inputs (in any order) give equal plans.
 *
 * See DESIGN.md ("Domain", "The import path", "Secrets").
 *
 * This module is the planner's entry: `plan()` in named steps, and the public names of its
 * parts — plan-types (input and result), plan-names (prefix, order, lookup tables),
 * plan-checks (problems of an asset in itself), plan-refs (rewriting and resolving
 * references), plan-decision (the action under the policy), plan-overrides (account
 * overrides and updates), plan-warnings (wording and warnings).
 *
 * Rules the design leaves open, as decided here:
 * - Identity (→ `unchanged`) compares sha256, the status the asset would be imported with
 *   (after reference resolution and secret availability) and the rewritten refs as sets.
 * - Under `skip-as-failed` every existing name is skipped (a failed 409), identical or not.
 * - The final state's names do not depend on actions (an import never removes a name), so
 *   a reference to a package asset that ends up kept, skipped or conflicting still resolves.
 * - Warnings describe writes: `unresolved_reference` / `secret_unavailable` are given for
 *   create / update only, so re-importing the same package is warning-free.
 * - Only references to package assets are rewritten for a prefix; a reference to a name
 *   the package does not carry keeps pointing at the target's asset of that name.
 * - Every package name is checked (not only prefixed ones); an asset type of the other
 *   side, duplicate package ids and bad override field lists are problems too.
 * - Account overrides match `Account` (SnapLogic) or `datasource` (ROMA) by id, package
 *   first. They travel with a written item (`overrideFields`); for an unchanged or kept
 *   account, or a target account the package does not carry, they become an
 *   `accountUpdates` entry; under `skip-as-failed` they are not applied (warning).
 * - `summary.disabled` counts written items forced to `disabled` that the package has enabled.
 * - Order: tier, then registry type order within a tier, then target name (code-unit
 *   order, not locale), then package name and id; problems follow item order, override
 *   problems come last by override id.
 */
import { policyFor } from './policy.js';
import { checkAsset } from './plan-checks.js';
import { decideItem, isWrite } from './plan-decision.js';
import { planNames, type PlanNames, type Work } from './plan-names.js';
import { AccountOverrides } from './plan-overrides.js';
import { rewriteRefs, unresolvedRefs } from './plan-refs.js';
import type { Plan, PlanInput, PlanItem, PlanProblem, PlanSummary } from './plan-types.js';
import { addWriteWarnings, allWarnings } from './plan-warnings.js';

export {
  policyFor,
  romaPolicy,
  snapLogicPolicy,
  type PolicyMap,
  type DuplicateCheck,
  type RomaImportMode,
  type RomaPolicyOptions,
  type SnapLogicPolicyOptions,
} from './policy.js';
export type {
  AccountOverride,
  AccountUpdate,
  AssetRef,
  AssetStatus,
  Plan,
  PlanAction,
  PlanInput,
  PlanItem,
  PlanProblem,
  PlanProblemCode,
  PlanSourceAsset,
  PlanSummary,
  PlanTargetAsset,
  PlanWarning,
  PlanWarningCode,
} from './plan-types.js';

function emptySummary(): PlanSummary {
  return { create: 0, update: 0, unchanged: 0, keep: 0, skip: 0, conflict: 0, disabled: 0 };
}

export function plan(input: PlanInput): Plan {
  const names = planNames(input);
  const overrides = new AccountOverrides(input);
  const problems: PlanProblem[] = [];
  const items: PlanItem[] = [];
  const summary = emptySummary();
  const reportedIds = new Set<string>();
  for (let i = 0; i < names.works.length; i++) {
    checkAsset(input.side, names, i, reportedIds, problems);
    items.push(planAsset(input, names, overrides, names.works[i] as Work, problems, summary));
  }
  overrides.match(input, names.works, items, problems);
  return { ok: problems.length === 0, items, warnings: allWarnings(items), problems, accountUpdates: overrides.accountUpdates(), summary };
}

/**
 * One package asset's item: its references rewritten and resolved, its secrets, the status
 * it would be imported with, its match by (type, target name), the action under its type's
 * policy, its overrides and warnings; counted in the summary.
 */
function planAsset(input: PlanInput, names: PlanNames, overrides: AccountOverrides, w: Work, problems: PlanProblem[], summary: PlanSummary): PlanItem {
  const { src, name } = w;
  const refs = rewriteRefs(src.refs, names);
  const unresolved = unresolvedRefs(src, name, refs, names, problems);
  const missingSecrets = overrides.missingSecrets(src);
  const forcedDisabled = unresolved.length > 0 || missingSecrets.length > 0;
  const target = names.targetByName.get(src.type, name);
  const item = decideItem(w, refs, forcedDisabled ? 'disabled' : src.status, target, src.policy ?? policyFor(input, src.type), problems);
  if (src.policy !== undefined) item.policy = src.policy;
  overrides.forItem(item, src, target);
  // Warnings describe what the import writes: only for create / update.
  if (isWrite(item.action)) {
    addWriteWarnings(item, unresolved, missingSecrets);
    if (forcedDisabled && src.status === 'enabled') summary.disabled++;
  }
  summary[item.action]++;
  return item;
}
