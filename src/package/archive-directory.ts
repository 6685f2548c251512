/**
 * The archive's central directory, read and checked whole before any entry is inflated:
 * the leading signature, the end record (archive-end-record.ts), then each entry's name
 * (decoded under one rule, see entry-names.ts), duplicates, links and special files,
 * encryption, method, declared sizes and ratio, its place in the file; then the totals
 * (declared bytes, ratio, directory bytes) and overlaps between entries.
 *
 * yauzl walks the directory records (with `decodeStrings: false`), reading through our
 * byte source.
 */
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { readEndRecord, type EndRecord } from './archive-end-record.js';
import { ArchiveError, isArchiveError, quote } from './archive-errors.js';
import { RATIO_FLOOR_BYTES, type ArchiveLimits } from './archive-limits.js';
import type { ByteSource } from './byte-source.js';
import { checkEntryName, decodeEntryName, NameRegistry } from './entry-names.js';
import {
  CENTRAL_HEADER,
  FLAG_ENCRYPTED,
  FLAG_ENCRYPTED_DIRECTORY,
  FLAG_STRONG_ENCRYPTION,
  HOST_OSX,
  HOST_UNIX,
  LOCAL_HEADER,
  METHOD_AES,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  SIG_CENTRAL_END,
} from './zip-records.js';

export interface ArchiveEntry {
  /** The canonical (NFC) name; folders end in `/`. */
  readonly name: string;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** Declared CRC-32 (unsigned). */
  readonly crc32: number;
  /** 0 (stored) or 8 (deflate). */
  readonly method: number;
  /** A folder entry: carries no data. */
  readonly isDirectory: boolean;
}

/** An entry with what the reader needs to find and bound its data. */
export interface DirectoryEntry {
  readonly entry: ArchiveEntry;
  readonly rawName: Buffer;
  readonly offset: number;
  /** offset + local header (with the central name length) + compressed size: the least the entry occupies. */
  readonly minimalEnd: number;
  /** Where the next entry (or the central directory) starts: the entry must end before it. */
  extentEnd: number;
}

export interface CentralDirectory {
  /** In central-directory order. */
  readonly entries: DirectoryEntry[];
  /** Sum of the declared uncompressed sizes. */
  readonly declaredBytes: number;
}

/** Reads and checks the whole central directory. Throws an {@link ArchiveError} for anything hostile or broken. */
export async function readCentralDirectory(src: ByteSource, limits: ArchiveLimits): Promise<CentralDirectory> {
  await checkSignature(src);
  const end = await readEndRecord(src, limits);
  const zipfile = await openYauzl(src);
  if (zipfile.entryCount !== end.entryCount) {
    zipfile.close();
    throw new ArchiveError('archive.corrupt', 'The archive\'s end records disagree about the number of entries.');
  }
  const checker = new EntryChecker(src.size, limits, end);
  const entries = await walkEntries(zipfile, checker);
  checker.checkTotals();
  checkOverlaps(entries);
  return { entries, declaredBytes: checker.declared };
}

async function checkSignature(src: ByteSource): Promise<void> {
  if (src.size < 4 || !(await src.read(0, 4)).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    const empty = src.size >= 4 && (await src.read(0, 4)).readUInt32LE(0) === SIG_CENTRAL_END;
    throw new ArchiveError('archive.not_zip', empty ? 'The archive is empty.' : 'The data is not a ZIP archive (it does not start with PK\\x03\\x04).');
  }
}

/** yauzl reads through our byte source (so the file source's read-ahead window serves the central directory). */
class YauzlSource extends yauzl.RandomAccessReader {
  constructor(private readonly src: ByteSource) {
    super();
  }
  override _readStreamForRange(start: number, end: number): Readable {
    return this.src.stream(start, end);
  }
  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    const cb = callback as (err: Error | null, bytesRead?: number) => void;
    this.src.read(position, length).then(
      (b) => {
        b.copy(buffer, offset);
        cb(null, length);
      },
      (e: Error) => cb(e),
    );
  }
  override close(callback: (err: Error | null) => void): void {
    // The byte source is closed by the ArchiveReader, not by yauzl.
    setImmediate(() => callback(null));
  }
}

function fromYauzlError(e: unknown): Error {
  if (isArchiveError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (/strong encryption/i.test(msg)) return new ArchiveError('archive.encrypted', 'The archive uses strong encryption, which is not supported.');
  if (/multi-disk/i.test(msg)) return new ArchiveError('archive.multi_disk', 'The archive is split over several disks; only single-file archives are supported.');
  if (/End of central directory record signature not found/i.test(msg)) {
    return new ArchiveError('archive.truncated', 'The archive has no end-of-central-directory record: it was cut short.');
  }
  return new ArchiveError('archive.corrupt', `The archive's central directory is damaged (${msg}).`);
}

function openYauzl(src: ByteSource): Promise<yauzl.ZipFile> {
  return new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.fromRandomAccessReader(
      new YauzlSource(src),
      src.size,
      { lazyEntries: true, decodeStrings: false, validateEntrySizes: false, autoClose: false },
      (err, zf) => (err ? reject(fromYauzlError(err)) : resolve(zf)),
    );
  });
}

/** Every directory record, checked, in order; the first problem closes the file and rejects. */
function walkEntries(zipfile: yauzl.ZipFile, checker: EntryChecker): Promise<DirectoryEntry[]> {
  const entries: DirectoryEntry[] = [];
  return new Promise<DirectoryEntry[]>((resolve, reject) => {
    let done = false;
    const fail = (err: unknown): void => {
      if (done) return;
      done = true;
      zipfile.close();
      reject(fromYauzlError(err));
    };
    zipfile.on('error', fail);
    zipfile.on('entry', (e: yauzl.Entry) => {
      if (done) return;
      try {
        entries.push(checker.check(e));
      } catch (err) {
        fail(err);
        return;
      }
      zipfile.readEntry();
    });
    zipfile.on('end', () => {
      if (done) return;
      done = true;
      zipfile.close();
      resolve(entries);
    });
    zipfile.readEntry();
  });
}

/** Checks directory records one by one, keeping the running totals. */
class EntryChecker {
  private readonly names = new NameRegistry();
  declared = 0;
  private compressed = 0;
  private directoryBytes = 0;

  constructor(
    private readonly archiveSize: number,
    private readonly limits: ArchiveLimits,
    private readonly end: EndRecord,
  ) {}

  check(e: yauzl.Entry): DirectoryEntry {
    const limits = this.limits;
    const raw = e.fileNameRaw;
    const flags = e.generalPurposeBitFlag;
    const method = e.compressionMethod;
    const name = this.checkName(raw, flags);
    const isDirectory = name.endsWith('/');

    if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_ENCRYPTED_DIRECTORY) || method === METHOD_AES) {
      throw new ArchiveError('archive.encrypted', `Entry ${quote(name)} is encrypted; encrypted archives are not supported.`, name);
    }
    if (method !== 0 && method !== 8) {
      throw new ArchiveError('archive.unsupported_method', `Entry ${quote(name)} uses compression method ${method}; only stored (0) and deflate (8) are supported.`, name);
    }
    checkFileType(e, name);
    const usize = e.uncompressedSize;
    const csize = e.compressedSize;
    if (isDirectory && usize !== 0) throw new ArchiveError('archive.corrupt', `Folder entry ${quote(name)} declares ${usize} bytes of data.`, name);
    if (method === 0 && csize !== usize) {
      throw new ArchiveError('archive.size_mismatch', `Entry ${quote(name)} is stored uncompressed but declares ${csize} stored and ${usize} uncompressed bytes.`, name);
    }
    if (usize > limits.maxEntryBytes) {
      throw new ArchiveError('archive.entry_too_large', `Entry ${quote(name)} declares ${usize} bytes; one entry may have at most ${limits.maxEntryBytes}.`, name);
    }
    this.declared += usize;
    this.compressed += csize;
    if (this.declared > limits.maxUnpackedBytes) {
      throw new ArchiveError('archive.too_large', `The archive's entries declare more than ${limits.maxUnpackedBytes} bytes in total (at ${quote(name)}).`, name);
    }
    if (usize >= RATIO_FLOOR_BYTES && usize > csize * limits.maxRatio) {
      throw new ArchiveError('archive.ratio', `Entry ${quote(name)} expands ${csize === 0 ? 'from nothing' : `${Math.round(usize / csize)}:1`}; at most ${limits.maxRatio}:1 is allowed.`, name);
    }
    const offset = e.relativeOffsetOfLocalHeader;
    const minimalEnd = offset + LOCAL_HEADER + raw.length + csize;
    if (minimalEnd > this.archiveSize) {
      throw new ArchiveError('archive.corrupt', `Entry ${quote(name)} extends past the end of the file.`, name);
    }
    if (minimalEnd > this.end.cdOffset) {
      throw new ArchiveError('archive.overlap', `Entry ${quote(name)} runs into the central directory.`, name);
    }
    this.directoryBytes += CENTRAL_HEADER + e.fileNameLength + e.extraFieldLength + e.fileCommentLength;
    const entry: ArchiveEntry = Object.freeze({ name, compressedSize: csize, uncompressedSize: usize, crc32: e.crc32 >>> 0, method, isDirectory });
    return { entry, rawName: Buffer.from(raw), offset, minimalEnd, extentEnd: this.end.cdOffset };
  }

  /** The entry's canonical name, checked and registered (a duplicate throws). */
  private checkName(raw: Buffer, flags: number): string {
    const maxPathBytes = this.limits.maxPathBytes;
    if (raw.length > maxPathBytes) {
      throw new ArchiveError('archive.unsafe_name', `Entry ${quote(raw.subarray(0, 120))} has an unsafe name: it is ${raw.length} bytes long, more than ${maxPathBytes}.`, raw.subarray(0, 120));
    }
    const decoded = decodeEntryName(raw, flags);
    const name = decoded.normalize('NFC');
    checkEntryName(name, maxPathBytes);
    this.names.add(name, decoded);
    return name;
  }

  /** After the last record: the records account for the whole directory, and the archive as a whole is within the ratio. */
  checkTotals(): void {
    if (this.directoryBytes !== this.end.cdSize) {
      throw new ArchiveError('archive.corrupt', 'The archive\'s central directory holds bytes its entries do not account for.');
    }
    const { declared, compressed } = this;
    const maxRatio = this.limits.maxRatio;
    if (declared >= RATIO_FLOOR_BYTES && declared > compressed * maxRatio) {
      throw new ArchiveError('archive.ratio', `The archive as a whole expands ${compressed === 0 ? 'from nothing' : `${Math.round(declared / compressed)}:1`}; at most ${maxRatio}:1 is allowed.`);
    }
  }
}

/** Only files and folders: no links, devices, FIFOs or sockets. */
function checkFileType(e: yauzl.Entry, name: string): void {
  const host = e.versionMadeBy >>> 8;
  const type = (e.externalFileAttributes >>> 16) & S_IFMT;
  if (type === S_IFLNK) throw new ArchiveError('archive.symlink', `Entry ${quote(name)} is a symbolic link; links are not allowed.`, name);
  if ((host === HOST_UNIX || host === HOST_OSX) && type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
    throw new ArchiveError('archive.special_file', `Entry ${quote(name)} is a device, FIFO or socket; only files and folders are allowed.`, name);
  }
}

/** No two entries share bytes; each entry's extent ends where the next one (by offset) starts. */
function checkOverlaps(entries: readonly DirectoryEntry[]): void {
  const byOffset = [...entries].sort((a, b) => a.offset - b.offset);
  for (let k = 0; k + 1 < byOffset.length; k++) {
    const a = byOffset[k] as DirectoryEntry;
    const b = byOffset[k + 1] as DirectoryEntry;
    if (a.minimalEnd > b.offset) {
      throw new ArchiveError(
        'archive.overlap',
        `Entries ${quote(a.entry.name)} and ${quote(b.entry.name)} overlap in the file (several directory records share data).`,
        b.entry.name,
      );
    }
    a.extentEnd = b.offset;
  }
}
