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

export const PACKAGE_PROBLEM_MEANINGS: Readonly<Record<PackageProblemCode, string>> = Object.freeze({
  'package.manifest_missing': 'There is no `manifest.json` at the root of the archive.',
  'package.manifest_invalid': '`manifest.json` is not valid JSON, or does not follow the schema (wrong or missing field, wrong entry path, asset type not of the package\'s side).',
  'package.unknown_format': '`manifest.json` has a `format` other than `"assetport-package"`.',
  'package.unsupported_version': '`manifest.json` has a `format_version` this assetport does not read.',
  'package.entry_missing': 'An asset listed in the manifest has no entry at its `path`.',
  'package.checksum_mismatch': 'An asset entry\'s size or SHA-256 differs from the manifest.',
  'package.asset_invalid': 'A JSON asset document is not valid JSON (or not UTF-8, or has a `__proto__` key), or an asset lacks the content its type needs.',
  'package.invalid_name': 'An asset name breaks the naming rules of its side (ROMA or SnapLogic).',
  'package.duplicate_asset': 'Two assets share an id, or a type and name.',
  'package.unlisted_entry': 'The archive holds a file the manifest does not list (and that is not `manifest.json`, `accounts_template.json` or `expressions/<name>.expr`).',
  'package.accounts_template_invalid': '`accounts_template.json` is not valid JSON or does not follow its schema, or an encrypted field names a key id missing from `key_ids`.',
});

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
