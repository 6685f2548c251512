/**
 * The hardened ZIP reader. Every package and every `file_expr` archive comes from
 * outside, so nothing is inflated before the whole central directory has been read and
 * checked: entry count (from the end record, before iterating), names, duplicates,
 * symlinks and special files, encryption, methods, declared sizes, ratios, overlaps.
 * Reading then verifies each entry's local header against the central directory, counts
 * the real bytes that come out of the inflater and checks length and CRC-32.
 *
 * yauzl parses the central directory (with `decodeStrings: false`: names are decoded here
 * under one rule, see entry-names.ts). Entry data is read without yauzl: small entries
 * (below `streamThreshold`) are inflated in one `zlib.inflateRawSync` call capped at the
 * declared size + 1 — a per-entry zlib stream costs ~10× more for packages of many small
 * assets (see DESIGN.md) — and large ones are streamed with bounded memory.
 *
 * Nested archives are never opened: an entry that is itself a ZIP is just bytes.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { ArchiveError, isArchiveError, quote } from './archive-errors.js';
import { RATIO_FLOOR_BYTES, resolveLimits, type ArchiveLimits } from './archive-limits.js';
import { BufferSource, FileSource, type ByteSource } from './byte-source.js';
import { crc32 } from './crc32.js';
import { crcError, inflateEntry, inflateError, sizeError } from './entry-check.js';
import { checkEntryName, decodeEntryName, NameRegistry } from './entry-names.js';

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

export interface ArchiveReader {
  /** Entries in central-directory order. */
  readonly entries: readonly ArchiveEntry[];
  /** Size of the archive in bytes. */
  readonly archiveBytes: number;
  /** Sum of the declared uncompressed sizes. */
  readonly declaredBytes: number;
  /** The entry with this name (compared after NFC normalization), if any. */
  get(name: string): ArchiveEntry | undefined;
  /** The entry's bytes, verified (length and CRC-32). */
  readBuffer(entry: ArchiveEntry): Promise<Buffer>;
  /**
   * A small entry's data exactly as stored (compressed), after its local header has been
   * checked; for {@link inflateEntry} elsewhere (another thread). The result may share
   * memory with the archive: copy it before handing it out. Undefined for an entry large
   * enough to be streamed (read it with readBuffer or openStream).
   */
  readStored(entry: ArchiveEntry): Promise<Buffer | undefined>;
  /** Counts an entry verified elsewhere (from {@link readStored}) toward the real unpacked total. */
  noteVerified(entry: ArchiveEntry): void;
  /** The entry's bytes as a stream; the stream errors (with an ArchiveError) on excess bytes, short data or a bad CRC. */
  openStream(entry: ArchiveEntry): Promise<Readable>;
  close(): Promise<void>;
}

export type ArchiveSource = { path: string } | { buffer: Buffer };

export interface OpenArchiveOptions {
  /** Entries this large (compressed or uncompressed) or larger are streamed; smaller ones are inflated in one call. Default 1 MiB. */
  streamThreshold?: number;
}

export const DEFAULT_STREAM_THRESHOLD = 1024 * 1024;

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL_END = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_END = 0x06064b50;
const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const END_RECORD = 22;
const ZIP64_LOCATOR = 20;
const ZIP64_END = 56;

const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const FLAG_ENCRYPTED_DIRECTORY = 0x2000;
const METHOD_AES = 99;

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const HOST_UNIX = 3;
const HOST_OSX = 19;

/** Opens and fully checks an archive. Throws an {@link ArchiveError} for anything hostile or broken. */
export async function openArchive(
  source: ArchiveSource,
  limits?: Partial<ArchiveLimits>,
  options: OpenArchiveOptions = {},
): Promise<ArchiveReader> {
  const resolved = resolveLimits(limits);
  const src: ByteSource = 'buffer' in source ? new BufferSource(source.buffer) : await FileSource.open(source.path);
  try {
    return await Reader.open(src, resolved, options.streamThreshold ?? DEFAULT_STREAM_THRESHOLD);
  } catch (e) {
    await src.close();
    throw e;
  }
}

interface EndRecord {
  entryCount: number;
  cdOffset: number;
  cdSize: number;
}

interface Internal {
  readonly entry: ArchiveEntry;
  readonly rawName: Buffer;
  readonly offset: number;
  /** offset + local header (with the central name length) + compressed size: the least the entry occupies. */
  readonly minimalEnd: number;
  /** Where the next entry (or the central directory) starts: the entry must end before it. */
  extentEnd: number;
}

const u64 = (buf: Buffer, at: number, what: string): number => {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ArchiveError('archive.corrupt', `The archive's zip64 end record declares an impossible ${what}.`);
  return Number(v);
};

async function readEndRecord(src: ByteSource, limits: ArchiveLimits): Promise<EndRecord> {
  const size = src.size;
  const tailLen = Math.min(size, ZIP64_LOCATOR + END_RECORD + 0xffff);
  const tailStart = size - tailLen;
  const tail = await src.read(tailStart, tailLen);
  let i = tail.length - END_RECORD;
  for (; i >= 0; i--) if (tail.readUInt32LE(i) === SIG_CENTRAL_END) break;
  if (i < 0) {
    throw new ArchiveError('archive.truncated', 'The archive has no end-of-central-directory record: it was cut short or is not a complete ZIP file.');
  }
  const commentLength = tail.readUInt16LE(i + 20);
  if (i + END_RECORD + commentLength !== tail.length) {
    throw new ArchiveError('archive.corrupt', 'The archive\'s end-of-central-directory record does not match the end of the file (extra bytes after it, or a damaged record).');
  }
  const disk = tail.readUInt16LE(i + 4);
  const cdDisk = tail.readUInt16LE(i + 6);
  const onDisk = tail.readUInt16LE(i + 8);
  let entryCount = tail.readUInt16LE(i + 10);
  let cdSize = tail.readUInt32LE(i + 12);
  let cdOffset = tail.readUInt32LE(i + 16);
  let cdEnd = tailStart + i;
  let disksDiffer = disk !== 0 || cdDisk !== 0 || onDisk !== entryCount;

  if (i >= ZIP64_LOCATOR && tail.readUInt32LE(i - ZIP64_LOCATOR) === SIG_ZIP64_LOCATOR) {
    const loc = i - ZIP64_LOCATOR;
    const totalDisks = tail.readUInt32LE(loc + 16);
    const z64Offset = u64(tail, loc + 8, 'offset');
    if (tail.readUInt32LE(loc + 4) !== 0 || totalDisks > 1) disksDiffer = true;
    if (z64Offset + ZIP64_END > tailStart + loc) {
      throw new ArchiveError('archive.corrupt', 'The archive\'s zip64 end record lies outside the file.');
    }
    const z = await src.read(z64Offset, ZIP64_END);
    if (z.readUInt32LE(0) !== SIG_ZIP64_END) throw new ArchiveError('archive.corrupt', 'The archive\'s zip64 end record is damaged.');
    if (z.readUInt32LE(16) !== 0 || z.readUInt32LE(20) !== 0 || z.readBigUInt64LE(24) !== z.readBigUInt64LE(32)) disksDiffer = true;
    const count = z.readBigUInt64LE(32);
    if (count > BigInt(limits.maxEntries)) {
      throw new ArchiveError('archive.too_many_entries', `The archive declares ${count} entries; at most ${limits.maxEntries} are allowed.`);
    }
    entryCount = Number(count);
    cdSize = u64(z, 40, 'central directory size');
    cdOffset = u64(z, 48, 'central directory offset');
    cdEnd = z64Offset;
  }
  if (disksDiffer) throw new ArchiveError('archive.multi_disk', 'The archive is split over several disks; only single-file archives are supported.');
  if (entryCount > limits.maxEntries) {
    throw new ArchiveError('archive.too_many_entries', `The archive declares ${entryCount} entries; at most ${limits.maxEntries} are allowed.`);
  }
  if (entryCount === 0) throw new ArchiveError('archive.not_zip', 'The archive has no entries.');
  if (cdOffset + cdSize !== cdEnd) {
    throw new ArchiveError('archive.corrupt', 'The archive\'s end record places the central directory where it is not.');
  }
  return { entryCount, cdOffset, cdSize };
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

class Reader implements ArchiveReader {
  readonly entries: readonly ArchiveEntry[];
  readonly archiveBytes: number;
  readonly declaredBytes: number;
  private readonly byName = new Map<string, ArchiveEntry>();
  private readonly internals = new Map<ArchiveEntry, Internal>();
  /** Real bytes inflated per entry (counted once per entry, however often it is read). */
  private readonly counted = new Map<Internal, number>();
  private realBytes = 0;
  private closed = false;

  private constructor(
    private readonly src: ByteSource,
    private readonly limits: ArchiveLimits,
    private readonly streamThreshold: number,
    internals: Internal[],
    declaredBytes: number,
  ) {
    this.archiveBytes = src.size;
    this.declaredBytes = declaredBytes;
    const list: ArchiveEntry[] = [];
    for (const it of internals) {
      list.push(it.entry);
      this.byName.set(it.entry.name, it.entry);
      this.internals.set(it.entry, it);
    }
    this.entries = Object.freeze(list);
  }

  static async open(src: ByteSource, limits: ArchiveLimits, streamThreshold: number): Promise<Reader> {
    if (src.size < 4 || !(await src.read(0, 4)).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
      const empty = src.size >= 4 && (await src.read(0, 4)).readUInt32LE(0) === SIG_CENTRAL_END;
      throw new ArchiveError('archive.not_zip', empty ? 'The archive is empty.' : 'The data is not a ZIP archive (it does not start with PK\\x03\\x04).');
    }
    const end = await readEndRecord(src, limits);

    const zipfile = await new Promise<yauzl.ZipFile>((resolve, reject) => {
      yauzl.fromRandomAccessReader(
        new YauzlSource(src),
        src.size,
        { lazyEntries: true, decodeStrings: false, validateEntrySizes: false, autoClose: false },
        (err, zf) => (err ? reject(fromYauzlError(err)) : resolve(zf)),
      );
    });
    if (zipfile.entryCount !== end.entryCount) {
      zipfile.close();
      throw new ArchiveError('archive.corrupt', 'The archive\'s end records disagree about the number of entries.');
    }

    const names = new NameRegistry();
    const internals: Internal[] = [];
    let declared = 0;
    let compressed = 0;
    let directoryBytes = 0;

    const check = (e: yauzl.Entry): Internal => {
      const raw = e.fileNameRaw;
      const flags = e.generalPurposeBitFlag;
      const method = e.compressionMethod;
      if (raw.length > limits.maxPathBytes) {
        throw new ArchiveError('archive.unsafe_name', `Entry ${quote(raw.subarray(0, 120))} has an unsafe name: it is ${raw.length} bytes long, more than ${limits.maxPathBytes}.`, raw.subarray(0, 120));
      }
      const decoded = decodeEntryName(raw, flags);
      const name = decoded.normalize('NFC');
      checkEntryName(name, limits.maxPathBytes);
      names.add(name, decoded);
      const isDirectory = name.endsWith('/');

      if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_ENCRYPTED_DIRECTORY) || method === METHOD_AES) {
        throw new ArchiveError('archive.encrypted', `Entry ${quote(name)} is encrypted; encrypted archives are not supported.`, name);
      }
      if (method !== 0 && method !== 8) {
        throw new ArchiveError('archive.unsupported_method', `Entry ${quote(name)} uses compression method ${method}; only stored (0) and deflate (8) are supported.`, name);
      }
      const host = e.versionMadeBy >>> 8;
      const type = (e.externalFileAttributes >>> 16) & S_IFMT;
      if (type === S_IFLNK) throw new ArchiveError('archive.symlink', `Entry ${quote(name)} is a symbolic link; links are not allowed.`, name);
      if ((host === HOST_UNIX || host === HOST_OSX) && type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
        throw new ArchiveError('archive.special_file', `Entry ${quote(name)} is a device, FIFO or socket; only files and folders are allowed.`, name);
      }
      const usize = e.uncompressedSize;
      const csize = e.compressedSize;
      if (isDirectory && usize !== 0) throw new ArchiveError('archive.corrupt', `Folder entry ${quote(name)} declares ${usize} bytes of data.`, name);
      if (method === 0 && csize !== usize) {
        throw new ArchiveError('archive.size_mismatch', `Entry ${quote(name)} is stored uncompressed but declares ${csize} stored and ${usize} uncompressed bytes.`, name);
      }
      if (usize > limits.maxEntryBytes) {
        throw new ArchiveError('archive.entry_too_large', `Entry ${quote(name)} declares ${usize} bytes; one entry may have at most ${limits.maxEntryBytes}.`, name);
      }
      declared += usize;
      compressed += csize;
      if (declared > limits.maxUnpackedBytes) {
        throw new ArchiveError('archive.too_large', `The archive's entries declare more than ${limits.maxUnpackedBytes} bytes in total (at ${quote(name)}).`, name);
      }
      if (usize >= RATIO_FLOOR_BYTES && usize > csize * limits.maxRatio) {
        throw new ArchiveError('archive.ratio', `Entry ${quote(name)} expands ${csize === 0 ? 'from nothing' : `${Math.round(usize / csize)}:1`}; at most ${limits.maxRatio}:1 is allowed.`, name);
      }
      const offset = e.relativeOffsetOfLocalHeader;
      const minimalEnd = offset + LOCAL_HEADER + raw.length + csize;
      if (minimalEnd > src.size) {
        throw new ArchiveError('archive.corrupt', `Entry ${quote(name)} extends past the end of the file.`, name);
      }
      if (minimalEnd > end.cdOffset) {
        throw new ArchiveError('archive.overlap', `Entry ${quote(name)} runs into the central directory.`, name);
      }
      directoryBytes += CENTRAL_HEADER + e.fileNameLength + e.extraFieldLength + e.fileCommentLength;
      const entry: ArchiveEntry = Object.freeze({ name, compressedSize: csize, uncompressedSize: usize, crc32: e.crc32 >>> 0, method, isDirectory });
      return { entry, rawName: Buffer.from(raw), offset, minimalEnd, extentEnd: end.cdOffset };
    };

    await new Promise<void>((resolve, reject) => {
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
          internals.push(check(e));
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
        resolve();
      });
      zipfile.readEntry();
    });

    if (directoryBytes !== end.cdSize) {
      throw new ArchiveError('archive.corrupt', 'The archive\'s central directory holds bytes its entries do not account for.');
    }
    if (declared >= RATIO_FLOOR_BYTES && declared > compressed * limits.maxRatio) {
      throw new ArchiveError('archive.ratio', `The archive as a whole expands ${compressed === 0 ? 'from nothing' : `${Math.round(declared / compressed)}:1`}; at most ${limits.maxRatio}:1 is allowed.`);
    }
    const byOffset = [...internals].sort((a, b) => a.offset - b.offset);
    for (let k = 0; k + 1 < byOffset.length; k++) {
      const a = byOffset[k] as Internal;
      const b = byOffset[k + 1] as Internal;
      if (a.minimalEnd > b.offset) {
        throw new ArchiveError(
          'archive.overlap',
          `Entries ${quote(a.entry.name)} and ${quote(b.entry.name)} overlap in the file (several directory records share data).`,
          b.entry.name,
        );
      }
      a.extentEnd = b.offset;
    }
    return new Reader(src, limits, streamThreshold, internals, declared);
  }

  get(name: string): ArchiveEntry | undefined {
    return this.byName.get(name.normalize('NFC'));
  }

  private internal(entry: ArchiveEntry): Internal {
    if (this.closed) throw new Error('The archive reader is closed.');
    const it = this.internals.get(entry);
    if (!it) throw new TypeError('The entry does not belong to this archive reader.');
    return it;
  }

  private isLarge(entry: ArchiveEntry): boolean {
    return entry.uncompressedSize >= this.streamThreshold || entry.compressedSize >= this.streamThreshold;
  }

  /** Verifies the local header against the central directory; returns where the entry's data starts. */
  private async locate(it: Internal): Promise<number> {
    const { entry, offset } = it;
    const h = await this.src.read(offset, LOCAL_HEADER);
    if (h.readUInt32LE(0) !== SIG_LOCAL) {
      throw new ArchiveError('archive.corrupt', `Entry ${quote(entry.name)} has no local header where the central directory says it is.`, entry.name);
    }
    const flags = h.readUInt16LE(6);
    const method = h.readUInt16LE(8);
    const n = h.readUInt16LE(26);
    const m = h.readUInt16LE(28);
    const localName = n === 0 ? Buffer.alloc(0) : await this.src.read(offset + LOCAL_HEADER, n);
    if (!localName.equals(it.rawName)) {
      throw new ArchiveError('archive.corrupt', `Entry ${quote(entry.name)} is named ${quote(localName)} in its local header.`, entry.name);
    }
    if (method !== entry.method || (flags & FLAG_ENCRYPTED) !== 0) {
      throw new ArchiveError('archive.corrupt', `Entry ${quote(entry.name)} has a local header that disagrees with the central directory about compression or encryption.`, entry.name);
    }
    if (!(flags & FLAG_DATA_DESCRIPTOR)) {
      const crc = h.readUInt32LE(14);
      const cs = h.readUInt32LE(18);
      const us = h.readUInt32LE(22);
      if (crc !== entry.crc32 || (cs !== 0xffffffff && cs !== entry.compressedSize) || (us !== 0xffffffff && us !== entry.uncompressedSize)) {
        throw new ArchiveError('archive.corrupt', `Entry ${quote(entry.name)} has a local header whose sizes or CRC disagree with the central directory.`, entry.name);
      }
    }
    const dataStart = offset + LOCAL_HEADER + n + m;
    if (dataStart + entry.compressedSize > it.extentEnd) {
      throw new ArchiveError('archive.overlap', `Entry ${quote(entry.name)} runs into the next entry or the central directory.`, entry.name);
    }
    return dataStart;
  }

  /** Counts real inflated bytes (once per entry); throws when the archive's real total passes the limit. */
  private account(it: Internal, cumulative: number): void {
    const before = this.counted.get(it) ?? 0;
    if (cumulative <= before) return;
    this.counted.set(it, cumulative);
    this.realBytes += cumulative - before;
    if (this.realBytes > this.limits.maxUnpackedBytes) {
      throw new ArchiveError('archive.too_large', `The archive inflates to more than ${this.limits.maxUnpackedBytes} bytes (at ${quote(it.entry.name)}).`, it.entry.name);
    }
  }

  async readBuffer(entry: ArchiveEntry): Promise<Buffer> {
    const it = this.internal(entry);
    if (entry.isDirectory) return Buffer.alloc(0);
    if (this.isLarge(entry)) {
      // Grow with the real bytes (never more than declared: the stream errors first), so a
      // lying declared size does not allocate memory up front.
      let out = Buffer.allocUnsafe(Math.min(entry.uncompressedSize, 8 * 1024 * 1024));
      let pos = 0;
      for await (const chunk of await this.openStream(entry)) {
        const b = chunk as Buffer;
        if (pos + b.length > out.length) {
          const bigger = Buffer.allocUnsafe(Math.min(entry.uncompressedSize, Math.max(out.length * 2, pos + b.length)));
          out.copy(bigger, 0, 0, pos);
          out = bigger;
        }
        b.copy(out, pos);
        pos += b.length;
      }
      return out.length === pos ? out : out.subarray(0, pos);
    }
    const out = inflateEntry((await this.readStored(entry)) as Buffer, entry);
    this.account(it, out.length);
    return out;
  }

  async readStored(entry: ArchiveEntry): Promise<Buffer | undefined> {
    const it = this.internal(entry);
    if (entry.isDirectory) return Buffer.alloc(0);
    if (this.isLarge(entry)) return undefined;
    return this.src.read(await this.locate(it), entry.compressedSize);
  }

  noteVerified(entry: ArchiveEntry): void {
    this.account(this.internal(entry), entry.uncompressedSize);
  }

  async openStream(entry: ArchiveEntry): Promise<Readable> {
    const it = this.internal(entry);
    if (entry.isDirectory) return Readable.from([], { objectMode: false });
    if (!this.isLarge(entry)) return Readable.from([await this.readBuffer(entry)], { objectMode: false });
    const dataStart = await this.locate(it);
    const raw = this.src.stream(dataStart, dataStart + entry.compressedSize);
    const check = new EntryCheck(entry, entry.method === 0, (n) => this.account(it, n));
    const inflater = entry.method === 8 ? zlib.createInflateRaw() : undefined;
    raw.on('error', (e: unknown) => check.destroy(isArchiveError(e) ? e : corrupt(entry, e)));
    check.on('close', () => {
      raw.destroy();
      inflater?.destroy();
    });
    if (inflater) {
      inflater.on('error', (e: unknown) => check.destroy(inflateError(e, entry)));
      raw.pipe(inflater).pipe(check);
    } else {
      raw.pipe(check);
    }
    return check;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.src.close();
  }
}

const corrupt = (entry: ArchiveEntry, e: unknown): ArchiveError =>
  new ArchiveError('archive.corrupt', `Entry ${quote(entry.name)} could not be read (${e instanceof Error ? e.message : String(e)}).`, entry.name);

/** Counts and checksums an entry's real bytes; errors on the first byte past the declared size. */
class EntryCheck extends Transform {
  private count = 0;
  private crc = 0;
  constructor(
    private readonly entry: ArchiveEntry,
    private readonly copy: boolean,
    private readonly onBytes: (cumulative: number) => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.entry.uncompressedSize) {
      cb(sizeError(this.entry, 'more'));
      return;
    }
    try {
      this.onBytes(this.count);
    } catch (e) {
      cb(e as Error);
      return;
    }
    this.crc = crc32(chunk, this.crc);
    cb(null, this.copy ? Buffer.from(chunk) : chunk);
  }
  override _flush(cb: TransformCallback): void {
    if (this.count !== this.entry.uncompressedSize) cb(sizeError(this.entry, this.count));
    else if (this.crc !== this.entry.crc32) cb(crcError(this.entry));
    else cb();
  }
}
