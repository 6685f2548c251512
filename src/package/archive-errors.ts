/**
 * Errors of the hardened archive layer. Each kind of problem has one stable `code`
 * (listed in {@link ARCHIVE_ERROR_CODES}); the message is a sentence for people and may
 * change. `entry` is the offending entry name, sanitized for display.
 */

export const ARCHIVE_ERROR_CODES = [
  'archive.not_zip',
  'archive.truncated',
  'archive.corrupt',
  'archive.multi_disk',
  'archive.too_many_entries',
  'archive.unsafe_name',
  'archive.name_encoding',
  'archive.duplicate_name',
  'archive.symlink',
  'archive.special_file',
  'archive.overlap',
  'archive.unsupported_method',
  'archive.encrypted',
  'archive.entry_too_large',
  'archive.too_large',
  'archive.ratio',
  'archive.size_mismatch',
  'archive.crc_mismatch',
] as const;

export type ArchiveErrorCode = (typeof ARCHIVE_ERROR_CODES)[number];

const UNSAFE_DISPLAY = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const MAX_DISPLAY = 200;

/** Makes an entry name safe to show in messages and logs: control and bidi characters escaped, length capped. */
export function displayName(name: string | Uint8Array): string {
  let s: string;
  if (typeof name === 'string') {
    s = name;
  } else {
    // Raw bytes we could not decode: ASCII printable as is, everything else as \xNN.
    s = '';
    for (const b of name) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  s = s.replace(UNSAFE_DISPLAY, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (s.length > MAX_DISPLAY) s = `${s.slice(0, MAX_DISPLAY)}…`;
  return s;
}

export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode;
  /** The offending entry's name, sanitized for display. */
  readonly entry: string | undefined;

  constructor(code: ArchiveErrorCode, message: string, entry?: string | Uint8Array) {
    super(message);
    this.name = 'ArchiveError';
    this.code = code;
    this.entry = entry === undefined ? undefined : displayName(entry);
  }
}

export const isArchiveError = (e: unknown): e is ArchiveError => e instanceof ArchiveError;

/** `Entry "name"` with the name sanitized: the usual start of a message. */
export const quote = (name: string | Uint8Array): string => `"${displayName(name)}"`;
