/**
 * The plan's reference rules: references to renamed package assets are rewritten to the
 * new names; each distinct reference either is one its type may not have (a problem),
 * resolves in the state after the import (target ∪ package), or is unresolved. Also the
 * set comparison of reference lists that decides whether an asset is unchanged.
 */
import { assetTypeInfo, mayReferTo } from './asset-types.js';
import type { PlanNames } from './plan-names.js';
import type { AssetRef, PlanProblem, PlanSourceAsset } from './plan-types.js';
import { describe } from './plan-warnings.js';
import { withArticle } from './phrases.js';

const refKey = (r: AssetRef): string => `${r.type}\u0000${r.name}`;
const hasRef = (refs: readonly AssetRef[], r: AssetRef): boolean => refs.some((x) => x.type === r.type && x.name === r.name);

/** The distinct references, first occurrence first. */
function distinctRefs(refs: readonly AssetRef[]): readonly AssetRef[] {
  if (refs.length <= 1) return refs;
  if (refs.length <= 8) return refs.filter((r, i) => !hasRef(refs.slice(0, i), r));
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = refKey(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Whether two reference lists are equal as sets (order and repetition ignored). */
export function sameRefSet(a: readonly AssetRef[], b: readonly AssetRef[]): boolean {
  if (a.length === 1 && b.length === 1) {
    const x = a[0] as AssetRef;
    const y = b[0] as AssetRef;
    return x.type === y.type && x.name === y.name;
  }
  if (a.length <= 8 && b.length <= 8) {
    return a.every((r) => hasRef(b, r)) && b.every((r) => hasRef(a, r));
  }
  const sa = new Set(a.map(refKey));
  const sb = new Set(b.map(refKey));
  if (sa.size !== sb.size) return false;
  for (const k of sa) if (!sb.has(k)) return false;
  return true;
}

/** The references with those pointing at renamed package assets rewritten to their target names. */
export function rewriteRefs(refs: readonly AssetRef[], names: PlanNames): AssetRef[] {
  const { renaming, prefixTypes, renamedTo } = names;
  const out: AssetRef[] = [];
  for (let k = 0; k < refs.length; k++) {
    const r = refs[k] as AssetRef;
    const to = renaming && prefixTypes.has(r.type) ? renamedTo.get(r.type, r.name) : undefined;
    out.push({ type: r.type, name: to ?? r.name });
  }
  return out;
}

/**
 * The distinct (rewritten) references of `src`, named `name` in the target, that resolve
 * nowhere in the final state. A reference to a type `src` may not refer to is a problem.
 */
export function unresolvedRefs(src: PlanSourceAsset, name: string, refs: readonly AssetRef[], names: PlanNames, problems: PlanProblem[]): AssetRef[] {
  const unresolved: AssetRef[] = [];
  const distinct = distinctRefs(refs);
  for (let k = 0; k < distinct.length; k++) {
    const r = distinct[k] as AssetRef;
    if (!mayReferTo(src.type, r.type)) {
      const refersTo = assetTypeInfo(src.type).refersTo;
      const allowed = refersTo.length > 0 ? refersTo.join(', ') : 'nothing';
      problems.push({
        code: 'invalid_reference',
        message: `${describe(src.type, name)} refers to ${describe(r.type, r.name)}, but ${withArticle(src.type)} may refer only to: ${allowed}`,
        sourceId: src.id,
        type: src.type,
        name,
      });
    } else if (!names.packageNames.has(r.type, r.name) && !names.targetByName.has(r.type, r.name)) {
      unresolved.push(r);
    }
  }
  return unresolved;
}
