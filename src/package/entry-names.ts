/**
 * The one rule for entry names, shared by the reader (which refuses) and the writer
 * (which never produces what the reader would refuse).
 *
 * Decoding: when general-purpose flag bit 11 is set, the name must be valid UTF-8;
 * without it, every byte must be ASCII (< 0x80). Bytes >= 0x80 without the flag are
 * refused instead of guessed (CP437? the local code page? UTF-8?): a guessed name would
 * silently differ from the one the author meant. The decoded name is canonicalized to
 * Unicode NFC; that canonical name is the entry's name everywhere.
 */
import { ArchiveError, quote } from './archive-errors.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const FLAG_UTF8 = 0x0800;

/** Decodes a raw name under the rule above (the caller canonicalizes to NFC); throws `archive.name_encoding`. */
export function decodeEntryName(raw: Uint8Array, flags: number): string {
  if (flags & FLAG_UTF8) {
    let s: string;
    try {
      s = UTF8.decode(raw);
    } catch {
      throw new ArchiveError('archive.name_encoding', `Entry ${quote(raw)} is marked as UTF-8 but its name is not valid UTF-8.`, raw);
    }
    return s;
  }
  for (let i = 0; i < raw.length; i++) {
    if ((raw[i] as number) >= 0x80) {
      throw new ArchiveError(
        'archive.name_encoding',
        `Entry ${quote(raw)} has a name with non-ASCII bytes but the archive does not mark it as UTF-8 (flag bit 11); re-create the archive with a tool that writes UTF-8 names.`,
        raw,
      );
    }
  }
  // Pure ASCII: latin1 decoding is exact.
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
}

// C0 and C1 controls, DEL, and invisible direction controls (they make names display as something else).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const DRIVE = /^[A-Za-z]:/;
// Windows device names, also with an extension ("nul.txt") and the superscript-digit variants.
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/iu;
const MAX_SEGMENT_BYTES = 255;

/**
 * Checks a decoded (NFC) name; throws `archive.unsafe_name`. A name ending in `/` is a
 * folder. `maxBytes` caps the UTF-8 length of the whole name.
 */
export function checkEntryName(name: string, maxBytes: number): void {
  const fail = (why: string): never => {
    throw new ArchiveError('archive.unsafe_name', `Entry ${quote(name)} has an unsafe name: ${why}.`, name);
  };
  if (name.length === 0) fail('the name is empty');
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > maxBytes) fail(`it is ${bytes} bytes long, more than ${maxBytes}`);
  if (CONTROL.test(name)) fail('it contains NUL, control or direction-override characters');
  if (name.includes('\\')) fail('it contains a backslash');
  if (name.startsWith('/')) fail('it is an absolute path');
  if (DRIVE.test(name)) fail('it starts with a drive letter');
  const segments = name.endsWith('/') ? name.slice(0, -1).split('/') : name.split('/');
  for (const seg of segments) {
    if (seg === '') fail('it has an empty path segment');
    if (seg === '.' || seg === '..') fail(`it has a "${seg}" path segment`);
    if (Buffer.byteLength(seg, 'utf8') > MAX_SEGMENT_BYTES) fail(`a path segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
    if (seg.endsWith('.') || seg.endsWith(' ')) fail('a path segment ends with a dot or a space');
    if (RESERVED.test(seg.trimEnd())) fail(`"${seg}" is a reserved device name`);
  }
}

/** Names compare equal for duplicate detection when their keys are equal (a folder "a/" clashes with a file "a"). */
const duplicateKey = (nfcName: string): string => (nfcName.endsWith('/') ? nfcName.slice(0, -1) : nfcName).toLowerCase();

/**
 * Tracks names seen so far and throws `archive.duplicate_name` on an exact, Unicode
 * normalization-only or case-only clash. `original` is the decoded name before NFC.
 */
export class NameRegistry {
  private readonly seen = new Map<string, { name: string; original: string }>();

  add(name: string, original: string = name): void {
    const key = duplicateKey(name);
    const prev = this.seen.get(key);
    if (prev) {
      let how: string;
      if (prev.original === original) how = 'appears twice';
      else if (prev.name === name) how = `differs from ${quote(prev.original)} only in Unicode normalization (NFC/NFD)`;
      else if (prev.name.replace(/\/$/, '') === name.replace(/\/$/, '')) how = `is both a file and a folder`;
      else how = `differs from ${quote(prev.original)} only in letter case`;
      throw new ArchiveError('archive.duplicate_name', `Entry ${quote(original)} ${how}.`, original);
    }
    this.seen.set(key, { name, original });
  }
}
