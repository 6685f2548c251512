/**
 * The hardened ZIP reader. Every package and every `file_expr` archive comes from
 * outside, so nothing is inflated before the whole central directory has been read and
 * checked (archive-directory.ts): entry count (from the end record, before iterating),
 * names, duplicates, symlinks and special files, encryption, methods, declared sizes,
 * ratios, overlaps. Reading then verifies each entry's local header against the central
 * directory, counts the real bytes that come out of the inflater and checks length and
 * CRC-32 (archive-entry-data.ts, entry-check.ts).
 *
 * This module is the public reader: `openArchive` and the `ArchiveReader` it returns.
 * Small entries (below `streamThreshold`) are inflated in one `zlib.inflateRawSync` call
 * capped at the declared size + 1 — a per-entry zlib stream costs ~10× more for packages
 * of many small assets (see DESIGN.md) — and large ones are streamed with bounded memory.
 *
 * Nested archives are never opened: an entry that is itself a ZIP is just bytes.
 */
import { Readable } from 'node:stream';
import { readCentralDirectory, type ArchiveEntry, type DirectoryEntry } from './archive-directory.js';
import { ArchiveError, quote } from './archive-errors.js';
import { resolveLimits, type ArchiveLimits } from './archive-limits.js';
import { collectEntry, locateEntry, streamEntry } from './archive-entry-data.js';
import { BufferSource, FileSource, type ByteSource } from './byte-source.js';
import { inflateEntry } from './entry-check.js';

export type { ArchiveEntry } from './archive-directory.js';

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

const DEFAULT_STREAM_THRESHOLD = 1024 * 1024;

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

class Reader implements ArchiveReader {
  readonly entries: readonly ArchiveEntry[];
  readonly archiveBytes: number;
  readonly declaredBytes: number;
  private readonly byName = new Map<string, ArchiveEntry>();
  private readonly internals = new Map<ArchiveEntry, DirectoryEntry>();
  /** Real bytes inflated per entry (counted once per entry, however often it is read). */
  private readonly counted = new Map<DirectoryEntry, number>();
  private realBytes = 0;
  private closed = false;

  private constructor(
    private readonly src: ByteSource,
    private readonly limits: ArchiveLimits,
    private readonly streamThreshold: number,
    internals: readonly DirectoryEntry[],
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
    const directory = await readCentralDirectory(src, limits);
    return new Reader(src, limits, streamThreshold, directory.entries, directory.declaredBytes);
  }

  get(name: string): ArchiveEntry | undefined {
    return this.byName.get(name.normalize('NFC'));
  }

  private internal(entry: ArchiveEntry): DirectoryEntry {
    if (this.closed) throw new Error('The archive reader is closed.');
    const it = this.internals.get(entry);
    if (!it) throw new TypeError('The entry does not belong to this archive reader.');
    return it;
  }

  private isLarge(entry: ArchiveEntry): boolean {
    return entry.uncompressedSize >= this.streamThreshold || entry.compressedSize >= this.streamThreshold;
  }

  /** Counts real inflated bytes (once per entry); throws when the archive's real total passes the limit. */
  private account(it: DirectoryEntry, cumulative: number): void {
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
    if (this.isLarge(entry)) return collectEntry(entry, await this.openStream(entry));
    const out = inflateEntry((await this.readStored(entry)) as Buffer, entry);
    this.account(it, out.length);
    return out;
  }

  async readStored(entry: ArchiveEntry): Promise<Buffer | undefined> {
    const it = this.internal(entry);
    if (entry.isDirectory) return Buffer.alloc(0);
    if (this.isLarge(entry)) return undefined;
    return this.src.read(await locateEntry(this.src, it), entry.compressedSize);
  }

  noteVerified(entry: ArchiveEntry): void {
    this.account(this.internal(entry), entry.uncompressedSize);
  }

  async openStream(entry: ArchiveEntry): Promise<Readable> {
    const it = this.internal(entry);
    if (entry.isDirectory) return Readable.from([], { objectMode: false });
    if (!this.isLarge(entry)) return Readable.from([await this.readBuffer(entry)], { objectMode: false });
    const dataStart = await locateEntry(this.src, it);
    return streamEntry(this.src, entry, dataStart, (n) => this.account(it, n));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.src.close();
  }
}
