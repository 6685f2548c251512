/**
 * What reading one package accumulates as it goes: the problems (at most MAX_PROBLEMS
 * listed, the rest counted), the archive entries accounted for, and the ids and
 * (type, name)s seen so far (a second one is a duplicate).
 */
import type { AssetType } from '../core/asset-types.js';
import { displayName } from './archive-errors.js';
import { PackageError, type PackageProblem, type PackageProblemCode } from './package-errors.js';

/** At most this many problems are listed (a manifest of 100,000 missing assets would otherwise flood the report); the rest are counted. */
const MAX_PROBLEMS = 1000;

export type ReportProblem = (code: PackageProblemCode, message: string, entry?: string) => void;

export class ProblemList {
  readonly problems: PackageProblem[] = [];
  private omitted = 0;

  /** Records a problem (a function, so it can be handed on as a {@link ReportProblem}). */
  readonly add: ReportProblem = (code, message, entry) => {
    if (this.problems.length >= MAX_PROBLEMS) this.omitted++;
    else this.problems.push(entry === undefined ? { code, message } : { code, message, entry: displayName(entry) });
  };

  /** Records a problem that stops the reading, and throws every problem so far. */
  fatal(code: PackageProblemCode, message: string, entry?: string): never {
    this.add(code, message, entry);
    throw this.error();
  }

  /** Throws every problem so far, if there is one. */
  throwIfAny(): void {
    if (this.problems.length > 0) throw this.error();
  }

  error(): PackageError {
    return new PackageError(this.problems, this.omitted);
  }
}

/** How an asset is named in a problem: the text, or a function giving it (built only when a problem is reported). */
export type Label = string | (() => string);

const text = (l: Label): string => (typeof l === 'function' ? l() : l);

/** The key of a (type, name), names compared after NFC normalization. */
export const refKey = (type: string, name: string): string => `${type}\u0000${name.normalize('NFC')}`;

/** The ids and (type, name)s of the package's assets, each taken by the first asset that has it. */
export class DuplicateRegistry {
  private readonly byId = new Map<string, Label>();
  private readonly byTypeName = new Map<string, Label>();

  /** Registers an asset; reports (and returns false) when its id or (type, name) is taken. */
  check(id: string, type: AssetType, name: string, what: Label, path: string, report: ReportProblem): boolean {
    let ok = true;
    const prevId = this.byId.get(id);
    if (prevId !== undefined) {
      report('package.duplicate_asset', `${text(what)} has the same id as ${text(prevId)}.`, path);
      ok = false;
    } else this.byId.set(id, what);
    const key = refKey(type, name);
    const prevName = this.byTypeName.get(key);
    if (prevName !== undefined) {
      report('package.duplicate_asset', `${text(what)} has the same type and name as ${text(prevName)}.`, path);
      ok = false;
    } else this.byTypeName.set(key, what);
    return ok;
  }
}

/** The state of one package read: problems, duplicates, and the entries accounted for. */
export interface ReadState {
  readonly problems: ProblemList;
  readonly duplicates: DuplicateRegistry;
  /** Archive entries the manifest (or a rule for unlisted files) accounts for. */
  readonly consumed: Set<string>;
}
