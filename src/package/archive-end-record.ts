/**
 * The archive's end-of-central-directory record (and its zip64 form): where the central
 * directory is, how large it is and how many entries it declares — checked against the
 * entry limit before a single entry is looked at. Multi-disk archives are refused.
 */
import { ArchiveError } from './archive-errors.js';
import type { ArchiveLimits } from './archive-limits.js';
import type { ByteSource } from './byte-source.js';
import { END_RECORD, SIG_CENTRAL_END, SIG_ZIP64_END, SIG_ZIP64_LOCATOR, ZIP64_END, ZIP64_LOCATOR } from './zip-records.js';

export interface EndRecord {
  entryCount: number;
  cdOffset: number;
  cdSize: number;
}

const u64 = (buf: Buffer, at: number, what: string): number => {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ArchiveError('archive.corrupt', `The archive's zip64 end record declares an impossible ${what}.`);
  return Number(v);
};

export async function readEndRecord(src: ByteSource, limits: ArchiveLimits): Promise<EndRecord> {
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
