/**
 * Problems with a package's contents (as opposed to its ZIP structure, see
 * archive-errors.ts). The package reader collects every problem and throws one
 * {@link PackageError} (`package.invalid`) listing them all.
 */

export const PACKAGE_PROBLEM_CODES = [
  'package.manifest_missing',
  'package.manifest_invalid',
  'package.unknown_format',
  'package.unsupported_version',
  'package.entry_missing',
  'package.checksum_mismatch',
  'package.asset_invalid',
  'package.invalid_name',
  'package.duplicate_asset',
  'package.unlisted_entry',
  'package.accounts_template_invalid',
] as const;

export type PackageProblemCode = (typeof PACKAGE_PROBLEM_CODES)[number];

export interface PackageProblem {
  readonly code: PackageProblemCode;
  /** A sentence for people. Never contains secret values. */
  readonly message: string;
  /** The archive entry concerned, when there is one (sanitized for display). */
  readonly entry?: string;
}

export class PackageError extends Error {
  readonly code = 'package.invalid' as const;
  readonly problems: readonly PackageProblem[];
  /** Problems found beyond those listed (the list is capped). */
  readonly omitted: number;

  constructor(problems: readonly PackageProblem[], omitted = 0) {
    const n = problems.length + omitted;
    const first = problems.slice(0, 3).map((p) => p.message).join(' ');
    super(`The package is invalid (${n} problem${n === 1 ? '' : 's'}): ${first}${n > 3 ? ' …' : ''}`);
    this.name = 'PackageError';
    this.problems = Object.freeze([...problems]);
    this.omitted = omitted;
  }
}

export const isPackageError = (e: unknown): e is PackageError => e instanceof PackageError;
