/**
 * Opens an uploaded package (a blob) with the hardened reader: small packages are read
 * into memory, large ones are copied to a private temporary file so memory stays bounded.
 * Archive and package problems become one `invalid_package` error listing every problem.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { DomainError } from '../core/errors.js';
import type { PackageSource } from '../core/transfer-requests.js';
import type { Limits } from '../config/config.js';
import type { DB } from '../store/schema.js';
import { copyBlobToFile, openSmallBlob } from '../store/blobs.js';
import { openArchive, type ArchiveReader } from '../package/archive-reader.js';
import { isArchiveError } from '../package/archive-errors.js';
import { readPackage, type PackageIndex } from '../package/package-reader.js';
import { isPackageError } from '../package/package-errors.js';
import type { ArchiveLimits } from '../package/archive-limits.js';
import type { JobReason } from './job-types.js';

/** Packages up to this size are read from memory. */
const IN_MEMORY_BYTES = 32 * 1024 * 1024;

const archiveLimitsOf = (l: Limits): Partial<ArchiveLimits> => ({
  maxEntries: l.entries,
  maxUnpackedBytes: l.unpackedBytes,
  maxEntryBytes: l.entryBytes,
  maxRatio: l.ratio,
  maxPathBytes: l.pathBytes,
});

export interface OpenedArchive {
  reader: ArchiveReader;
  close(): Promise<void>;
}

/** Turns reader errors into one domain error whose reasons list every problem. */
export function packageFailure(e: unknown, what = 'The package'): DomainError | undefined {
  if (isArchiveError(e)) {
    const reasons: JobReason[] = [{ code: e.code, message: e.message, ...(e.entry ? { resource_name: e.entry } : {}) }];
    return new DomainError('invalid_package', `${what} can't be read: ${e.message}`, { reasons, problem_code: e.code });
  }
  if (isPackageError(e)) {
    const reasons: JobReason[] = e.problems.map((p) => ({ code: p.code, message: p.message, ...(p.entry ? { resource_name: p.entry } : {}) }));
    return new DomainError('invalid_package', `${what} is not valid: ${e.problems.length} problem(s): ${e.problems.map((p) => p.message).join(' ')}`, { reasons, problem_code: e.problems[0]?.code });
  }
  return undefined;
}

export async function openZip(db: Kysely<DB>, source: PackageSource, limits: Limits): Promise<OpenedArchive> {
  if ('buffer' in source) {
    try {
      const reader = await openArchive({ buffer: source.buffer }, archiveLimitsOf(limits));
      return { reader, close: () => reader.close() };
    } catch (e) {
      throw packageFailure(e) ?? e;
    }
  }
  if ('path' in source) {
    try {
      // Small files are read whole: one read instead of one per entry.
      const small = (await stat(source.path)).size <= IN_MEMORY_BYTES;
      const reader = await openArchive(small ? { buffer: await readFile(source.path) } : { path: source.path }, archiveLimitsOf(limits));
      return { reader, close: () => reader.close() };
    } catch (e) {
      throw packageFailure(e) ?? e;
    }
  }
  return openBlobArchive(db, source.blobId, limits);
}

async function openBlobArchive(db: Kysely<DB>, blobId: string, limits: Limits): Promise<OpenedArchive> {
  const blob = await openSmallBlob(db, blobId, IN_MEMORY_BYTES);
  if (!blob) throw new DomainError('invalid_package', 'The uploaded package is no longer stored.');
  try {
    if (blob.buffer) {
      const reader = await openArchive({ buffer: blob.buffer }, archiveLimitsOf(limits));
      return { reader, close: () => reader.close() };
    }
    const dir = await mkdtemp(join(tmpdir(), 'assetport-pkg-'));
    const path = join(dir, 'package.zip');
    try {
      await copyBlobToFile(db, blobId, path);
      const reader = await openArchive({ path }, archiveLimitsOf(limits));
      return {
        reader,
        close: async () => {
          await reader.close().catch(() => undefined);
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  } catch (e) {
    throw packageFailure(e) ?? e;
  }
}

export async function readZipPackage(db: Kysely<DB>, source: PackageSource, limits: Limits, onProgress?: (fraction: number) => void): Promise<{ index: PackageIndex; close(): Promise<void> }> {
  const opened = await openZip(db, source, limits);
  try {
    const index = await readPackage(opened.reader, onProgress ? { onProgress } : {});
    return { index, close: opened.close };
  } catch (e) {
    await opened.close();
    throw packageFailure(e) ?? e;
  }
}
