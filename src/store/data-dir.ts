/**
 * The data directory (ASSETPORT_DATA_DIR) holds the embedded database and the generated
 * master key: the directory and what assetport keeps in it are the owner's only
 * (directories 0700, files 0600), at every start, whoever created them and however.
 *
 * Two steps, because neither is enough alone:
 *  - `ownerOnlyFromNowOn()` sets the process umask to 077, so every file and directory this
 *    process creates from then on is owner-only (PGlite creates its files with mode 0666
 *    and leaves the rest to the umask);
 *  - `makeOwnerOnly(dir, entries)` tightens what is already there: the directory itself,
 *    and each named entry with everything under it — files a previous version, another
 *    tool or a copy left readable, and those PGlite unpacks with explicit modes when it
 *    creates a new database. Other entries are left alone (a data directory pointed at a
 *    folder that holds other things must not have their modes changed; the directory's own
 *    0700 already keeps others out). Symbolic links are neither followed nor changed.
 *
 * A mode that cannot be changed (a directory owned by someone else, as with some volume
 * mounts) is reported, not fatal: the caller warns.
 */
import { chmodSync, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

const PRIVATE_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;

export function ownerOnlyFromNowOn(): void {
  if (process.platform !== 'win32') process.umask(0o077);
}

interface Tightened {
  /** Paths whose mode was changed. */
  changed: string[];
  /** Paths whose mode could not be changed, with the error code. */
  failed: Array<{ path: string; code: string }>;
}

const errCode = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

/**
 * Makes `dir` (when it exists) and each of `entries` (names in it), recursively, owner-only.
 * Synchronous: it runs once, at start, over the thousand-odd files of an embedded database,
 * where a thread-pool round trip per file took ~0.25 s and blocking calls take milliseconds.
 */
export function makeOwnerOnly(dir: string, entries: readonly string[]): Tightened {
  const out: Tightened = { changed: [], failed: [] };
  if (process.platform === 'win32') return out;
  let top: string;
  try {
    top = realpathSync(dir); // the directory itself may be reached through a link
  } catch (e) {
    if (errCode(e) === 'ENOENT') return out;
    throw e;
  }
  const tighten = (path: string, recurse: boolean): void => {
    let st;
    try {
      st = lstatSync(path);
    } catch (e) {
      if (errCode(e) === 'ENOENT') return; // not created yet, or gone meanwhile
      throw e;
    }
    if (st.isSymbolicLink()) return;
    const want = st.isDirectory() ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE;
    if ((st.mode & 0o777) !== want) {
      try {
        chmodSync(path, want);
        out.changed.push(path);
      } catch (e) {
        out.failed.push({ path, code: errCode(e) });
      }
    }
    if (recurse && st.isDirectory()) for (const name of readdirSync(path)) tighten(join(path, name), true);
  };
  tighten(top, false);
  for (const name of entries) tighten(join(top, name), true);
  return out;
}
