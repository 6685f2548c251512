/**
 * Reading a package file on this machine with the server's own hardened reader (the same
 * checks, in the same order, with the same problem codes: `archive.*`, `package.*`). A
 * package that fails is a CliError `invalid_package`, like the server's answer, whose
 * `reasons` list every problem.
 */
import { readFile, stat } from 'node:fs/promises';
import { isArchiveError } from '../package/archive-errors.js';
import { openArchive } from '../package/archive-reader.js';
import { isPackageError } from '../package/package-errors.js';
import { readPackage, type PackageIndex } from '../package/package-reader.js';
import { setPackageThreads } from '../package/thread-pool.js';
import type { DiffAsset } from './diff.js';
import { CliError } from './output.js';

export interface PackageReason {
  code: string;
  message: string;
  resource_name?: string;
}

/** Files up to this size are read whole, as the server does. */
const IN_MEMORY_BYTES = 32 * 1024 * 1024;
/** Below this size a package is checked on the calling thread: starting worker threads would cost more than they save. */
const THREADED_BYTES = 4 * 1024 * 1024;

/** The reader's error as the server reports it: `invalid_package` with every reason. */
function packageProblem(file: string, e: unknown): CliError | undefined {
  let reasons: PackageReason[];
  if (isArchiveError(e)) reasons = [{ code: e.code, message: e.message, ...(e.entry ? { resource_name: e.entry } : {}) }];
  else if (isPackageError(e)) reasons = e.problems.map((p) => ({ code: p.code, message: p.message, ...(p.entry ? { resource_name: p.entry } : {}) }));
  else return undefined;
  const what = isArchiveError(e) ? `can't be read: ${e.message}` : `is not valid: ${reasons.length} problem(s): ${reasons.map((r) => r.message).join(' ')}`;
  return new CliError('invalid_package', `${file} ${what}`, 1, { code: 'invalid_package', problem_code: reasons[0]?.code, reasons });
}

/** Reads and verifies a whole package; throws `invalid_package` (or `file_unreadable`). */
export async function readPackageFile(file: string): Promise<PackageIndex> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw new CliError('file_unreadable', `can't read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (size < THREADED_BYTES) setPackageThreads(0);
  try {
    const reader = await openArchive(size <= IN_MEMORY_BYTES ? { buffer: await readFile(file) } : { path: file });
    try {
      return await readPackage(reader);
    } finally {
      await reader.close();
    }
  } catch (e) {
    throw packageProblem(file, e) ?? e;
  }
}

/** The package's assets as the diff compares them. */
export function diffAssetsOf(index: PackageIndex): DiffAsset[] {
  return index.assets.map((a) => ({
    type: a.type,
    name: a.name,
    status: a.status,
    refs: a.refs,
    sha256: a.sha256,
    ...(a.kind === 'json' ? { body: a.body } : {}),
  }));
}

/** What `validate` reports about a valid package. */
export function packageFacts(index: PackageIndex) {
  const types: Record<string, number> = {};
  for (const a of index.assets) types[a.type] = (types[a.type] ?? 0) + 1;
  const m = index.manifest;
  return {
    ok: true as const,
    kind: m.kind,
    format_version: m.format_version,
    source: { org: m.source.org_name, space: m.source.space_name, space_id: m.source.space_id },
    exported_at: m.exported_at,
    assets: index.assets.length,
    types,
    external_refs: index.externalRefs.map((r) => ({ from: { type: r.from.type, name: r.from.name }, type: r.type, name: r.name })),
    key_ids: [...index.keyIds],
    accounts_template: index.accountsTemplate !== undefined,
  };
}
