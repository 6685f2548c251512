/**
 * Stages an import's large files before its transaction: each file's bytes are written as
 * a content blob (verified against the manifest's size and SHA-256 while written), in
 * statements of their own, so the transaction itself only writes references and stays
 * short. The same bytes are stored once: a file the database already holds costs nothing.
 */
import type { Kysely } from 'kysely';
import { DomainError } from '../core/errors.js';
import { ContentMismatchError, stageContent } from '../store/content-blobs.js';
import type { DB } from '../store/schema.js';
import type { PreparedAsset, PreparedImport } from './import-prepare.js';

/** A file whose bytes are not in memory: it is staged. */
export const isStaged = (a: PreparedAsset): boolean => a.bodyText === null && !a.content && a.open !== undefined;

/** Total bytes of the files to stage. */
export const stagedBytes = (p: PreparedImport): number => p.assets.filter(isStaged).reduce((n, a) => n + a.size, 0);

/** Stages every large file of the package for the job; returns their content hashes. */
export async function stageLargeFiles(db: Kysely<DB>, prepared: PreparedImport, jobId: string, signal: AbortSignal, progress: (fraction: number) => void): Promise<Set<string>> {
  const files = prepared.assets.filter(isStaged);
  const total = Math.max(1, stagedBytes(prepared));
  let done = 0;
  const staged = new Set<string>();
  for (const a of files) {
    if (staged.has(a.sha256)) continue;
    try {
      await stageContent(db, jobId, { sha256: a.sha256, size: a.size }, () => a.open!(), {
        signal,
        onBytes: (n) => {
          done += n;
          progress(Math.min(1, done / total));
        },
      });
    } catch (e) {
      if (e instanceof ContentMismatchError) throw new DomainError('invalid_package', `${a.type} '${a.name}' does not match its size or SHA-256 in the manifest.`);
      throw e;
    }
    staged.add(a.sha256);
  }
  return staged;
}
