/**
 * The plan's names and order: which package assets the prefix renames and to what target
 * name, the total, input-order-independent order of the items, and the (type, name)
 * lookup tables of the state after the import.
 */
import { ASSET_TYPES, byTier, type AssetType } from './asset-types.js';
import type { PlanInput, PlanSourceAsset, PlanTargetAsset } from './plan-types.js';

/**
 * (type, name) → value. One Map of names per type rather than one Map keyed by
 * `type\u0000name`: same semantics, but no key string is built and hashed per lookup
 * (input names are flat strings whose hash V8 caches), which matters at 10,000 × 10,000.
 */
export class ByTypeAndName<T> {
  private readonly byType = new Map<AssetType, Map<string, T>>();

  get(type: AssetType, name: string): T | undefined {
    return this.byType.get(type)?.get(name);
  }

  has(type: AssetType, name: string): boolean {
    return this.byType.get(type)?.has(name) ?? false;
  }

  set(type: AssetType, name: string, value: T): void {
    let names = this.byType.get(type);
    if (names === undefined) {
      names = new Map();
      this.byType.set(type, names);
    }
    names.set(name, value);
  }
}

const TYPE_RANK: ReadonlyMap<AssetType, number> = new Map([...ASSET_TYPES].sort(byTier).map((t, i) => [t, i] as const));

/** Code-unit order: locale-independent and fast. */
export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A type's place in the plan's order: tier, then registry order within a tier. */
export const rankOf = (a: { type: AssetType }): number => TYPE_RANK.get(a.type) ?? Number.MAX_SAFE_INTEGER;

/** A package asset with its name in the target. */
export interface Work {
  readonly src: PlanSourceAsset;
  /** Name in the target. */
  readonly name: string;
  readonly renamed: boolean;
  readonly rank: number;
}

/** Whether two package assets would have the same (type, name) in the target. */
export const sameKey = (a: Work, b: Work): boolean => a.src.type === b.src.type && a.name === b.name;

export interface PlanNames {
  /** The prefix, '' when there is none. */
  readonly prefixValue: string;
  /** The types the prefix applies to (none when there is no prefix). */
  readonly prefixTypes: ReadonlySet<AssetType>;
  /** Whether any package asset can be renamed. */
  readonly renaming: boolean;
  /** The package's assets with their target names, in plan order. */
  readonly works: readonly Work[];
  /** Package (type, name) → target name, for renamed package assets. */
  readonly renamedTo: ByTypeAndName<string>;
  /** The package assets' target names. */
  readonly packageNames: ByTypeAndName<true>;
  /** How many package assets carry each id. */
  readonly idCount: ReadonlyMap<string, number>;
  /** The target's assets by (type, name); of a corrupt target's namesakes, the least id. */
  readonly targetByName: ByTypeAndName<PlanTargetAsset>;
}

export function planNames(input: PlanInput): PlanNames {
  const prefixValue = input.prefix?.value ?? '';
  const prefixTypes = new Set<AssetType>(prefixValue === '' ? [] : (input.prefix?.types ?? []));
  const works = orderedWorks(input.source, prefixValue, prefixTypes);

  // The final state's names are known before any action is: an import never removes a
  // name, and every package asset's target name exists afterwards (created, renamed,
  // updated, unchanged, kept or conflicting alike).
  // So a name exists in the final state iff it is a package target name or a target name.
  const renamedTo = new ByTypeAndName<string>();
  const packageNames = new ByTypeAndName<true>();
  const idCount = new Map<string, number>();
  for (let i = 0; i < works.length; i++) {
    const w = works[i] as Work;
    if (w.renamed) renamedTo.set(w.src.type, w.src.name, w.name);
    packageNames.set(w.src.type, w.name, true);
    idCount.set(w.src.id, (idCount.get(w.src.id) ?? 0) + 1);
  }
  const targetByName = new ByTypeAndName<PlanTargetAsset>();
  for (let i = 0; i < input.target.length; i++) {
    const t = input.target[i] as PlanTargetAsset;
    const seen = targetByName.get(t.type, t.name);
    if (seen === undefined || cmp(t.id, seen.id) < 0) targetByName.set(t.type, t.name, t); // a corrupt target: stay deterministic
  }
  return { prefixValue, prefixTypes, renaming: prefixTypes.size > 0, works, renamedTo, packageNames, idCount, targetByName };
}

/** Target names (the prefix applied), in a total, input-order-independent order. */
function orderedWorks(source: readonly PlanSourceAsset[], prefixValue: string, prefixTypes: ReadonlySet<AssetType>): Work[] {
  const works: Work[] = source.map((src) => {
    const renamed = prefixTypes.has(src.type);
    const name = renamed ? prefixValue + src.name : src.name;
    return { src, name, renamed, rank: rankOf(src) };
  });
  works.sort(
    (a, b) =>
      a.rank - b.rank ||
      cmp(a.name, b.name) ||
      cmp(a.src.name, b.src.name) ||
      cmp(a.src.id, b.src.id),
  );
  return works;
}
