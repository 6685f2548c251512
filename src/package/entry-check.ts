/**
 * The checks on one small entry's bytes, shared by the archive reader and the threads
 * that verify many entries at once (package-work.ts): inflate (capped at the declared size
 * + 1), length and CRC-32; and for a package's JSON documents, SHA-256 against the
 * manifest, UTF-8 and JSON. Pure functions of the bytes: no I/O, no shared state.
 */
import zlib from 'node:zlib';
import { sha256Hex } from '../core/json-text.js';
import { ArchiveError, isArchiveError, quote, type ArchiveErrorCode } from './archive-errors.js';
import { JsonProblem, parsePackageJsonText } from './json.js';

/** What the central directory says about an entry. */
export interface EntryFacts {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
}

export const sizeError = (entry: EntryFacts, got: number | 'more'): ArchiveError =>
  new ArchiveError(
    'archive.size_mismatch',
    got === 'more' || got > entry.uncompressedSize
      ? `Entry ${quote(entry.name)} inflates to more than its declared ${entry.uncompressedSize} bytes.`
      : `Entry ${quote(entry.name)} inflates to ${got} bytes, fewer than its declared ${entry.uncompressedSize}.`,
    entry.name,
  );

export const crcError = (entry: EntryFacts): ArchiveError =>
  new ArchiveError('archive.crc_mismatch', `Entry ${quote(entry.name)} does not match its CRC-32: the data is damaged.`, entry.name);

export function inflateError(e: unknown, entry: EntryFacts): ArchiveError {
  if (isArchiveError(e)) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ERR_BUFFER_TOO_LARGE') return sizeError(entry, 'more');
  return new ArchiveError('archive.corrupt', `Entry ${quote(entry.name)} has compressed data that does not decode (${e instanceof Error ? e.message : String(e)}).`, entry.name);
}

/**
 * A small entry's bytes from its stored data: inflated in one call into one buffer of the
 * declared size + 1 (the cap stops a lying entry at its first extra byte), then length and
 * CRC-32 checked. The result never shares memory with `raw`.
 */
export function inflateEntry(raw: Uint8Array, entry: EntryFacts): Buffer {
  let out: Buffer;
  if (entry.method === 0) {
    out = Buffer.from(raw);
  } else if (entry.compressedSize === 0 && entry.uncompressedSize === 0) {
    out = Buffer.alloc(0); // some writers store empty files as "deflated" with no data at all
  } else {
    try {
      const cap = entry.uncompressedSize + 1;
      out = zlib.inflateRawSync(raw, { maxOutputLength: cap, chunkSize: Math.max(64, cap) });
    } catch (e) {
      throw inflateError(e, entry);
    }
  }
  if (out.length !== entry.uncompressedSize) throw sizeError(entry, out.length);
  if (zlib.crc32(out) !== entry.crc32) throw crcError(entry);
  return out;
}

/**
 * The outcome of checking one JSON document of a package. Plain data: it crosses threads.
 * `sha256` is the document's, for the reader to compare with the manifest.
 */
export type JsonEntryOutcome =
  /** `bytes`: the document, verified; `exact`: no byte order mark starts it (its text encodes to exactly these bytes). */
  | { readonly kind: 'ok'; readonly bytes: Uint8Array; readonly exact: boolean; readonly sha256: string }
  | { readonly kind: 'json'; readonly message: string; readonly sha256: string }
  | { readonly kind: 'archive'; readonly code: ArchiveErrorCode; readonly message: string; readonly entry: string | undefined };

const BOM = [0xef, 0xbb, 0xbf];

/** Inflates and verifies a JSON document of a package: size and CRC-32, then its SHA-256, UTF-8 and JSON. */
export function checkJsonEntry(raw: Uint8Array, entry: EntryFacts): JsonEntryOutcome {
  let bytes: Buffer;
  try {
    bytes = inflateEntry(raw, entry);
  } catch (e) {
    if (!isArchiveError(e)) throw e;
    return { kind: 'archive', code: e.code, message: e.message, entry: e.entry };
  }
  return checkJsonBytes(bytes);
}

/** Verifies a JSON document's bytes: its SHA-256, UTF-8 and JSON. */
export function checkJsonBytes(bytes: Uint8Array): JsonEntryOutcome {
  const sha256 = sha256Hex(bytes);
  try {
    // Parsed only to check it: the text and value are dropped (kept, 10,000 documents would
    // be 10,000 strings for the garbage collector to move); the bytes are kept instead.
    parsePackageJsonText(bytes);
    const exact = !(bytes.length >= 3 && bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2]);
    return { kind: 'ok', bytes, exact, sha256 };
  } catch (e) {
    if (!(e instanceof JsonProblem)) throw e;
    return { kind: 'json', message: e.message, sha256 };
  }
}

/** The outcome's archive error as thrown by the reader. */
export const archiveErrorOf = (o: Extract<JsonEntryOutcome, { kind: 'archive' }>): ArchiveError => new ArchiveError(o.code, o.message, o.entry);
