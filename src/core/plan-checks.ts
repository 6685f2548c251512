/**
 * Problems of a package asset in itself, before any matching: an asset type of the other
 * side, a target name its side does not allow (after the prefix), several package assets
 * with one target (type, name), and several package assets with one id.
 */
import { assetTypeInfo } from './asset-types.js';
import { checkAssetName } from './names.js';
import { sameKey, type PlanNames, type Work } from './plan-names.js';
import type { PlanInput, PlanProblem } from './plan-types.js';
import { describe } from './plan-warnings.js';

/**
 * Adds the problems of the `i`th package asset (in plan order). `reportedIds` holds the
 * duplicate ids reported so far, so each is reported once.
 */
export function checkAsset(side: PlanInput['side'], names: PlanNames, i: number, reportedIds: Set<string>, problems: PlanProblem[]): void {
  const w = names.works[i] as Work;
  const { src, name } = w;
  const info = assetTypeInfo(src.type);

  if (info.side !== side) {
    problems.push({
      code: 'invalid_type',
      message: `${describe(src.type, src.name)} is a ${info.side} asset type and cannot be imported into a ${side} space`,
      sourceId: src.id,
      type: src.type,
      name,
    });
  }

  const nameProblem = checkAssetName(side, src.type, name);
  if (nameProblem !== null) {
    const how = w.renamed ? ` (package name '${src.name}' with prefix '${names.prefixValue}')` : '';
    problems.push({
      code: 'invalid_name',
      message: `${describe(src.type, name)}${how} is not a valid name: ${nameProblem}`,
      sourceId: src.id,
      type: src.type,
      name,
    });
  }

  checkDuplicateName(names.works, i, problems);

  const count = names.idCount.get(src.id) ?? 0;
  if (count > 1 && !reportedIds.has(src.id)) {
    reportedIds.add(src.id);
    problems.push({
      code: 'duplicate_id',
      message: `The package holds ${count} assets with id '${src.id}'`,
      sourceId: src.id,
      type: src.type,
      name,
    });
  }
}

/** Duplicates are adjacent in plan order; each group is reported once, at its first member. */
function checkDuplicateName(works: readonly Work[], i: number, problems: PlanProblem[]): void {
  const w = works[i] as Work;
  if (i > 0 && sameKey(works[i - 1] as Work, w)) return;
  let j = i + 1;
  while (j < works.length && sameKey(works[j] as Work, w)) j++;
  if (j - i > 1) {
    const { src, name } = w;
    const ids = works.slice(i, j).map((d) => d.src.id);
    problems.push({
      code: 'duplicate_asset',
      message: `${j - i} package assets would be ${describe(src.type, name)} in the target (ids ${ids.join(', ')})`,
      sourceId: src.id,
      type: src.type,
      name,
    });
  }
}
