/**
 * The package layer: the hardened ZIP reader and writer, and package format v1.
 * See docs/package-format.md.
 */
export { ARCHIVE_ERROR_CODES, ARCHIVE_ERROR_MEANINGS, ArchiveError, isArchiveError, displayName, type ArchiveErrorCode } from './archive-errors.js';
export { DEFAULT_ARCHIVE_LIMITS, RATIO_FLOOR_BYTES, resolveLimits, type ArchiveLimits } from './archive-limits.js';
export { openArchive, DEFAULT_STREAM_THRESHOLD, type ArchiveEntry, type ArchiveReader, type ArchiveSource, type OpenArchiveOptions } from './archive-reader.js';
export { ZipWriter, type WrittenEntry, type ZipSink, type ZipWriterOptions } from './archive-writer.js';
export {
  PACKAGE_FORMAT, PACKAGE_FORMAT_VERSION, PACKAGE_KINDS, MANIFEST_PATH, ACCOUNTS_TEMPLATE_PATH, EXPRESSIONS_DIR, assetEntryPath,
  type AccountsTemplate, type AssetRef, type AssetStatus, type EncryptedValue, type Manifest, type ManifestAsset, type PackageKind, type PackageSource,
} from './manifest.js';
export { PACKAGE_PROBLEM_CODES, PACKAGE_PROBLEM_MEANINGS, PackageError, isPackageError, type PackageProblem, type PackageProblemCode } from './package-errors.js';
export {
  readPackage, expressionFileId,
  type BinaryPackageAsset, type ExternalRef, type JsonPackageAsset, type PackageAsset, type PackageIndex, type ReadPackageOptions,
} from './package-reader.js';
export { writePackage, type PackageAssetInput, type WritePackageInput } from './package-writer.js';
